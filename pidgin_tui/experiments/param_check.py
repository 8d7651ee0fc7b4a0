"""Validation before a run: requested settings a model cannot take, and thinking not off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pidgin_tui.core.agent_request import agent_request
from pidgin_tui.core.events import FIRST_REPETITION, FIRST_TURN
from pidgin_tui.core.types import AgentId
from pidgin_tui.providers.params import ParameterIssue, parameter_issues, sent_parameters

if TYPE_CHECKING:
    from pidgin_tui.experiments.runner import ExperimentRunner


def check_parameters(runner: ExperimentRunner) -> list[ParameterIssue]:
    """One issue per agent and setting, from the payload each agent's provider would send.

    Nothing is sent and no SDK client is built: adapters read their own payloads back.
    """
    plan = runner.plan_for(FIRST_REPETITION, runner.conversation_ids()[0])
    issues: list[ParameterIssue] = []
    seen: set[tuple[str, str]] = set()
    for agent_id in AgentId:
        info = runner.models[agent_id]
        request = agent_request(plan, agent_id, info, "", [], FIRST_TURN)
        sent = sent_parameters(runner.registry.provider_for(info), request)
        for issue in parameter_issues(info.ref, request, sent):
            if (issue.model, issue.message) not in seen:
                seen.add((issue.model, issue.message))
                issues.append(issue)
    return issues


def launch_warnings(runner: ExperimentRunner) -> list[str]:
    """Every line `--dry-run` and the setup form warn with before a launch: settings a model
    cannot take or thinking it cannot turn off, then budgets over unpriced models."""
    return [issue.message for issue in check_parameters(runner)] + unpriced_budget_issues(runner)


def refusals(issues: list[ParameterIssue]) -> list[ParameterIssue]:
    return [issue for issue in issues if issue.refuse]


def launch_refusals(runner: ExperimentRunner,
                    issues: list[ParameterIssue] | None = None) -> list[str]:
    """Why `runner` must not start, one line each (empty when it may): settings a model would
    ignore without `allow_ignored_params`, budgets over unpriced models without `allow_unpriced`.
    `run`, `branch` and the app's launch all decide through this."""
    spec = runner.spec
    found = check_parameters(runner) if issues is None else issues
    lines = [] if spec.allow_ignored_params else [issue.message for issue in refusals(found)]
    if not spec.allow_unpriced:
        lines += unpriced_budget_issues(runner)
    return lines


def unpriced_budget_issues(runner: ExperimentRunner) -> list[str]:
    """A budget cannot count what an unpriced model spends: one line per such model."""
    spec = runner.spec
    if spec.budget_usd is None and spec.conversation_budget_usd is None:
        return []
    from pidgin_tui.providers.pricing import is_priced

    refs = dict.fromkeys(m.ref for m in runner.models.values() if not is_priced(m))
    return [f"{ref}: unpriced, so a budget cannot count its cost; add "
            f"[prices.\"{ref}\"] to config.toml or pass --allow-unpriced" for ref in refs]
