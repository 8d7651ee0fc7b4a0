"""Finding a metric's definition by its stored name or by a prefix of it.

Every value a turn stores has a key (`a_ttr`, `tfidf_cosine`, `endstate_loop`,
`convergence_score`); `find_metrics("mimicry")` gives every key that starts with the query, and
a per-agent name without its agent prefix (`ttr`) gives both agents' keys. Definitions come from
the catalog (`metrics/catalog.py`), the one place they are written.
"""

from __future__ import annotations

from dataclasses import dataclass

from pidgin_tui.metrics.catalog import CROSS, END_STATE_SCORES, PER_AGENT

CONVERGENCE_KEY = "convergence_score"


@dataclass(frozen=True, slots=True)
class MetricInfo:
    key: str
    """The name the value is stored under (a TurnCompleteEvent's `metrics`, turn_metrics_wide)."""
    name: str
    """The catalog's name: the key without an agent prefix (turn_metrics' `metric`)."""
    scope: str
    """`agent a`, `agent b`, `cross`, `end state` or `convergence`."""
    definition: str
    range: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "name": self.name, "scope": self.scope,
                "definition": self.definition, "range": self.range}


def all_metrics() -> list[MetricInfo]:
    """Every stored key, in storage order, then the convergence score."""
    out = [MetricInfo(f"{agent}_{name}", name, f"agent {agent}", definition, value_range)
           for agent in ("a", "b") for name, (definition, value_range) in PER_AGENT.items()]
    out += [MetricInfo(name, name, "cross", definition, value_range)
            for name, (definition, value_range) in CROSS.items()]
    out += [MetricInfo(key, key, "end state", definition, value_range)
            for key, (definition, value_range) in END_STATE_SCORES.items()]
    out.append(MetricInfo(CONVERGENCE_KEY, CONVERGENCE_KEY, "convergence",
                          "the convergence score of the turn's profile (see the profiles in "
                          "docs/metrics.md)", "[0, 1]"))
    return out


def find_metrics(query: str) -> list[MetricInfo]:
    """The metrics `query` names: its exact key; else every key that starts with it; else
    every metric whose name without the agent prefix starts with it. Case is ignored; an empty
    query gives them all."""
    wanted = query.strip().lower()
    known = all_metrics()
    exact = [m for m in known if m.key == wanted]
    if exact:
        return exact
    by_key = [m for m in known if m.key.startswith(wanted)]
    return by_key or [m for m in known if m.name.startswith(wanted)]
