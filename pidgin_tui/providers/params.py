"""Requested versus effective parameters: what a provider is really sent for a request.

Each adapter reads its own wire payload back into `SentParameters`, so the record is derived
from the payload that goes out, never from what was asked. `ignored_parameters` names every
requested setting the payload does not carry; `thinking_warnings` names thinking that cannot be
turned off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pidgin_tui.providers.base import ProviderRequest

Thinking = Literal["on", "off", "minimal", "always", "provider default"]
"""`minimal`: the lowest reasoning setting the API offers, which is not off; `always`: the model
always thinks and takes no setting; `provider default`: nothing was sent, whatever the provider
does by default applies."""
PROVIDER_DEFAULT: Thinking = "provider default"


@dataclass(slots=True, frozen=True)
class SentParameters:
    """The sampling and thinking settings as they appear in the payload."""

    temperature: float | None = None
    """None: no temperature was sent (the provider's default applies)."""
    max_output_tokens: int | None = None
    thinking: Thinking = PROVIDER_DEFAULT
    detail: dict[str, Any] = field(default_factory=dict)
    """The provider's own fields as sent, e.g. `{"reasoning_effort": "minimal"}`."""

    def as_record(self) -> dict[str, Any]:
        """The effective parameters as written to events, the manifest and the database."""
        record: dict[str, Any] = {"temperature": self.temperature,
                                  "max_output_tokens": self.max_output_tokens,
                                  "thinking": self.thinking}
        if self.detail:
            record["sent"] = dict(self.detail)
        return record


class DescribesParameters(Protocol):
    def sent_parameters(self, request: ProviderRequest) -> SentParameters: ...


def as_requested(request: ProviderRequest) -> SentParameters:
    """For providers that send every setting they are given (the local models)."""
    return SentParameters(request.temperature, request.max_output_tokens,
                          "on" if request.think else "off")


def sent_parameters(provider: object, request: ProviderRequest) -> SentParameters:
    """The provider's own reading of its payload, or the request itself if it has none."""
    describe = getattr(provider, "sent_parameters", None)
    return describe(request) if callable(describe) else as_requested(request)


async def prepare(provider: object, request: ProviderRequest) -> None:
    """Let a provider learn what it needs about the model before describing its payload."""
    hook = getattr(provider, "prepare", None)
    if callable(hook):
        await hook(request)


def effective_record(provider: object, request: ProviderRequest) -> dict[str, Any]:
    """The effective parameters of a request with the requested settings it ignores."""
    sent = sent_parameters(provider, request)
    return {**sent.as_record(), "ignored": ignored_parameters(request, sent)}


def ignored_parameters(request: ProviderRequest, sent: SentParameters) -> list[str]:
    """Requested settings the payload does not carry."""
    ignored = []
    if request.temperature is not None and sent.temperature != request.temperature:
        ignored.append("temperature")
    if request.max_output_tokens is not None and sent.max_output_tokens is None:
        ignored.append("max_output_tokens")
    if request.think and sent.thinking not in ("on", "always"):
        ignored.append("think")
    return ignored


def thinking_not_off(request: ProviderRequest, sent: SentParameters) -> bool:
    """Thinking was asked to be off but the model thinks anyway (at its lowest or default)."""
    return not request.think and sent.thinking in ("minimal", "always", PROVIDER_DEFAULT)


_THINKING_NOT_OFF = {"minimal": "the lowest setting", "always": "its fixed setting",
                     PROVIDER_DEFAULT: "the provider default"}


@dataclass(slots=True, frozen=True)
class ParameterIssue:
    """One line of validation: a requested setting a model cannot take as asked."""

    model: str
    parameter: str
    refuse: bool
    """True: the run needs `--allow-ignored-params`; False: a warning only."""
    message: str


def parameter_issues(model_ref: str, request: ProviderRequest,
                     sent: SentParameters) -> list[ParameterIssue]:
    """What validation says about one agent's settings before anything runs."""
    issues = []
    for name in ignored_parameters(request, sent):
        asked = {"temperature": request.temperature, "think": "on",
                 "max_output_tokens": request.max_output_tokens}[name]
        issues.append(ParameterIssue(
            model_ref, name, True,
            f"{model_ref}: {name} {asked} cannot be sent to this model; it would be ignored "
            "(pass --allow-ignored-params to run anyway, recorded as ignored)"))
    if thinking_not_off(request, sent):
        issues.append(ParameterIssue(
            model_ref, "think", False,
            f"{model_ref}: thinking cannot be turned off; it runs at "
            f"{_THINKING_NOT_OFF[sent.thinking]}"))
    return issues
