"""A small family of conversations on disk: a parent experiment, two branches of its first
conversation (another model for B), and a branch of the first branch that runs longer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pidgin_tui.experiments.branching import plan_branch
from pidgin_tui.experiments.runner import ExperimentResult, ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec


@dataclass
class Family:
    root: Path
    parent: ExperimentResult
    branches: ExperimentResult
    grandchild: ExperimentResult

    @property
    def first(self) -> str:
        return self.parent.outcomes[0].conversation_id

    @property
    def branch_ids(self) -> list[str]:
        return [o.conversation_id for o in self.branches.outcomes]

    @property
    def grandchild_id(self) -> str:
        return self.grandchild.outcomes[0].conversation_id


async def make_family(root: Path) -> Family:
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 4,
                       "convergence_threshold": None, "name": "parent", "seed": 3,
                       "repetitions": 2})
    parent = await ExperimentRunner(spec, root, experiment_id="par00001").run()
    first = parent.outcomes[0].conversation_id
    source = plan_branch(parent.experiment_dir, first, 2, {"agent_b": "local:silent"},
                         repetitions=2)
    branches = await ExperimentRunner(source.spec, root, branch=source,
                                      experiment_id="brn00001").run()
    source = plan_branch(branches.experiment_dir, branches.outcomes[0].conversation_id, 3,
                         {"max_turns": 6})
    grandchild = await ExperimentRunner(source.spec, root, branch=source,
                                        experiment_id="grc00001").run()
    return Family(root, parent, branches, grandchild)
