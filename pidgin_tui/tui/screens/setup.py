"""The setup screen: design an experiment, see its estimate, load or save it, launch it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from pidgin_tui.experiments.spec import ExperimentSpec, SpecError, dump_spec_yaml, load_spec_file
from pidgin_tui.providers.registry import ModelInfo, Registry
from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.estimate import RunEstimate, estimate_run, key_status
from pidgin_tui.tui.form import FormResult, default_values, spec_to_values, validate_form
from pidgin_tui.tui.widgets.estimate_panel import EstimatePanel
from pidgin_tui.tui.widgets.top_bar import TopBar

if TYPE_CHECKING:
    from pidgin_tui.tui.widgets.model_picker import ModelChoice
    from pidgin_tui.tui.widgets.spec_form import SpecForm

HINT = ("Tab moves between fields. In a model list, Enter picks the model.\n\n"
        "ctrl+r launch · ctrl+o load spec · ctrl+s save spec · F1 every key")


def model_choices(registry: Registry) -> list[ModelChoice]:
    from pidgin_tui.tui.widgets.model_picker import ModelChoice

    statuses: dict[str, tuple[bool, str]] = {}
    choices = []
    for info in registry.list_models():
        if info.provider not in statuses:
            statuses[info.provider] = key_status(info.provider)
        ok, text = statuses[info.provider]
        choices.append(ModelChoice(info, ok, text))
    return choices


@dataclass
class EstimateReady(Message):
    """The estimate worker finished (for the form as it was at `generation`)."""

    generation: int
    estimate: RunEstimate
    conversations: int
    parallel: int
    parameter_warnings: list[str]
    """What `run --dry-run` would warn: settings a model cannot take, unpriced budgets."""


class SetupScreen(Screen[None]):
    """Every field of an experiment, with inline reasons for invalid values."""

    CSS_PATH = "setup.tcss"
    BINDING_GROUP_TITLE = "Setup"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "load_spec", "Load spec", tooltip="Fill the form from a spec YAML",
                priority=True, id="load_spec"),
        Binding("ctrl+s", "save_spec", "Save spec", tooltip="Save the form as a spec YAML",
                priority=True, id="save_spec"),
        Binding("ctrl+n", "reset_form", "New form", tooltip="Back to the defaults",
                show=False, id="reset_form"),
    ]

    pidgin = getters.app(PidginApp)

    def __init__(self) -> None:
        super().__init__()
        self.result = FormResult(None)
        self._generation = 0
        """Bumped on every edit, so an estimate of an older form is never shown."""

    @property
    def registry(self) -> Registry:
        return self.pidgin.registry

    def compose(self) -> ComposeResult:
        yield TopBar("Setup · design an experiment")
        with Horizontal(id="setup-main"):
            yield Vertical(id="setup-form-slot")
            with Vertical(id="setup-side"):
                yield EstimatePanel(id="estimate")
                yield Static(HINT, id="setup-hint")
        yield Footer(compact=True)

    @property
    def form(self) -> SpecForm:
        from pidgin_tui.tui.widgets.spec_form import SpecForm

        return self.query_one(SpecForm)

    form_mounted = False
    """The form and every field in it are mounted (after the first frame; a key can come
    first)."""
    launch_when_mounted = False
    """ctrl+r came before the form was mounted: the form is launched once it is."""

    def on_mount(self) -> None:
        self._mount_form()

    @work(group="setup-form", exclusive=True)
    async def _mount_form(self) -> None:
        """Mount the form (~250 widgets) once the app's first frame is on the terminal, so the
        app shows up at once (`Lazy` would mount it before that frame is written); its modules
        are imported then too."""
        await self.pidgin.first_frame.wait()
        from pidgin_tui.tui.widgets.spec_form import SpecForm

        slot = self.query("#setup-form-slot")
        if slot and not self.query(SpecForm):
            await slot.first(Vertical).mount(SpecForm(default_values(),
                                                      model_choices(self.registry)))

    def on_spec_form_edited(self) -> None:
        # The first comes from the form's own mount, once every field in it is mounted (in the
        # DOM alone, the form may have none yet).
        self.form_mounted = True
        self.revalidate()
        if self.launch_when_mounted:
            self.launch_when_mounted = False
            self.call_after_refresh(self.pidgin.action_launch)

    def revalidate(self) -> None:
        """Validate every field, mark the invalid ones and start a fresh estimate."""
        if not self.form_mounted:
            return  # it posts Edited once it is
        self.result = validate_form(self.form.values(), self.registry)
        self.form.show_errors(self.result.errors)
        panel = self.query_one(EstimatePanel)
        self._generation += 1
        if self.result.spec is None or self.result.models is None:
            panel.show_problems(self.result.errors)
            return
        panel.set_class(True, "-pending")
        self._estimate(self._generation, self.result.spec, self.result.models)

    @work(thread=True, exclusive=True, group="estimate")
    def _estimate(self, generation: int, spec: ExperimentSpec,
                  models: tuple[ModelInfo, ModelInfo]) -> None:
        estimate = estimate_run(spec, *models)
        self.post_message(EstimateReady(generation, estimate, spec.repetitions,
                                        min(spec.max_parallel, spec.repetitions),
                                        self._parameter_warnings(spec)))

    def _parameter_warnings(self, spec: ExperimentSpec) -> list[str]:
        """The launch warnings of `spec`, from the payloads its providers would send."""
        from pidgin_tui.experiments.param_check import launch_warnings
        from pidgin_tui.experiments.runner import ExperimentRunner
        from pidgin_tui.providers.registry import UnknownModelError

        try:
            return launch_warnings(ExperimentRunner(spec, Path(), registry=self.registry))
        except UnknownModelError:  # no adapter for a model: launching says so
            return []

    def launch_refusal(self, spec: ExperimentSpec) -> str | None:
        """Why the form's run must not start (settings a model would ignore, a budget over an
        unpriced model), decided as `run` decides; None when it may."""
        from pidgin_tui.experiments.param_check import launch_refusals
        from pidgin_tui.experiments.runner import ExperimentRunner
        from pidgin_tui.providers.registry import UnknownModelError

        try:
            refused = launch_refusals(ExperimentRunner(spec, Path(), registry=self.registry))
        except UnknownModelError:  # no adapter for a model: launching says so
            return None
        return "; ".join(refused) or None

    @on(EstimateReady)
    def _show_estimate(self, message: EstimateReady) -> None:
        panels = self.query(EstimatePanel)  # none while the screen is being torn down
        if message.generation == self._generation and panels:
            panels.first().show_estimate(message.estimate, message.conversations,
                                         message.parallel,
                                         self._key_warnings() + message.parameter_warnings)

    def _key_warnings(self) -> list[str]:
        """One line per chosen model whose provider has no usable key (the run would fail)."""
        if self.result.models is None:
            return []
        warnings = []
        for info in dict.fromkeys(self.result.models):
            usable, text = key_status(info.provider)
            if not usable:
                warnings.append(f"{info.provider}: {text}")
        return warnings

    def valid_spec(self) -> ExperimentSpec | None:
        """The form as a spec, or None (with the problems marked) when a field is invalid."""
        self.revalidate()
        return self.result.spec

    def missing_key(self) -> str | None:
        """One line naming the key variable and config file when a chosen model has no key."""
        from pidgin_tui.config import missing_key_message

        if self.result.models is None:
            return None
        problems = [missing_key_message(info.ref, info.provider)
                    for info in dict.fromkeys(self.result.models)
                    if not key_status(info.provider)[0]]
        return "; ".join(problems) or None

    def load_values(self, spec: ExperimentSpec) -> None:
        self.form.set_values(spec_to_values(spec))
        self.call_after_refresh(self.revalidate)

    def action_reset_form(self) -> None:
        if not self.form_mounted:
            return  # it mounts with the defaults
        self.form.set_values(default_values())
        self.call_after_refresh(self.revalidate)

    def action_load_spec(self) -> None:
        from pidgin_tui.tui.screens.path_prompt import PathPrompt

        self.app.push_screen(PathPrompt("Load a spec YAML", "path/to/spec.yaml"), self._load)

    def _load(self, path: str | None) -> None:
        if not path:
            return
        from pidgin_tui.experiments.spec import parse_spec

        try:
            spec = parse_spec(load_spec_file(Path(path).expanduser()))
        except SpecError as exc:
            self.notify(str(exc), title="Cannot load spec", severity="error")
            return
        self.load_values(spec)
        self.notify(f"Loaded {path}", title="Spec loaded")

    def action_save_spec(self) -> None:
        from pidgin_tui.tui.screens.path_prompt import PathPrompt

        spec = self.valid_spec()
        if spec is None:
            self.notify("Fix the marked fields first.", title="Cannot save", severity="warning")
            return
        self.app.push_screen(PathPrompt("Save the form as a spec YAML", f"{spec.name}.yaml",
                                        value=f"{spec.name}.yaml"), self._save)

    def _save(self, path: str | None) -> None:
        spec = self.result.spec
        if not path or spec is None:
            return
        target = Path(path).expanduser()
        try:
            target.write_text(dump_spec_yaml(spec), encoding="utf-8")
        except OSError as exc:
            self.notify(f"{target}: {exc.strerror or exc}", title="Cannot save",
                        severity="error")
            return
        self.notify(f"Saved {target}", title="Spec saved")
