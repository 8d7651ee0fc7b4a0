"""The setup form: defaults that launch, inline reasons, model search, estimate, load and save."""

from __future__ import annotations

import yaml
from textual.widgets import Checkbox, Input, OptionList, Static

from pidgin_tui.providers.registry import ModelInfo
from pidgin_tui.tui.screens.path_prompt import PathPrompt
from pidgin_tui.tui.widgets.form_field import FormField

from .conftest import SIZE, fast_registry
from .helpers import estimate_settled, form_ready, static_text, wait_until


def field(app, key: str) -> FormField:
    return app.screen.query_one(f"#field-{key}", FormField)




async def test_defaults_are_two_local_test_models_and_valid(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        text = await estimate_settled(pilot)
        assert app.screen.query_one("#agent_a-input", Input).value == "local:test"
        assert app.screen.query_one("#agent_b-input", Input).value == "local:test"
        assert not app.screen.query(".-invalid")
        assert "20 requests" in text and "$0.00" in text


async def test_invalid_values_are_marked_with_the_reason_and_block_launch(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        app.screen.query_one("#max_turns", Input).value = "ten"
        app.screen.query_one("#temperature_b", Input).value = "3"
        await pilot.pause()
        turns, temperature = field(app, "max_turns"), field(app, "temperature_b")
        assert turns.has_class("-invalid") and temperature.has_class("-invalid")
        assert "expected an integer >= 1, got \"ten\"" in str(
            turns.query_one(".field-error", Static).render())
        assert "between 0.0 and 2.0" in str(temperature.query_one(".field-error", Static).render())
        assert "2 fields to fix" in await estimate_settled(pilot)
        await pilot.press("ctrl+r")
        assert not app.runs and app.current_mode == "setup"
        app.screen.query_one("#max_turns", Input).value = "4"
        app.screen.query_one("#temperature_b", Input).value = ""
        await pilot.pause()
        assert not turns.has_class("-invalid") and "8 requests" in await estimate_settled(pilot)


async def test_unknown_model_is_explained(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        app.screen.query_one("#agent_b-input", Input).value = "local:tset"
        await wait_until(pilot, lambda: field(app, "agent_b").has_class("-invalid"),
                         "the field to be marked")
        error = str(field(app, "agent_b").query_one(".field-error", Static).render())
        assert "unknown model 'local:tset'" in error


async def test_model_list_filters_as_you_type_and_picks_with_enter(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        app.screen.query_one("#agent_a-input", Input).focus()
        app.screen.query_one("#agent_a-input", Input).value = "inst"
        await pilot.pause()
        options = app.screen.query_one("#agent_a OptionList", OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == \
            ["local:instant"]
        options.focus()
        options.highlighted = 0
        await pilot.press("enter")
        assert app.screen.query_one("#agent_a-input", Input).value == "local:instant"


async def test_key_status_is_shown_for_each_provider(make_app, monkeypatch) -> None:
    registry = fast_registry()
    registry.add(ModelInfo("anthropic", "claude-x", "Claude X", 200_000, 8_192))
    app = make_app(registry)

    def validated_a() -> str | None:
        """Agent A's model as of the setup screen's latest validation (which also starts the
        estimate), so waiting on it never reads an estimate of the previous choice."""
        models = app.screen.result.models
        return None if models is None else f"{models[0].provider}:{models[0].model_id}"

    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        options = app.screen.query_one("#agent_a OptionList", OptionList)
        labels = {options.get_option_at_index(i).id: str(options.get_option_at_index(i).prompt)
                  for i in range(options.option_count)}
        assert labels["anthropic:claude-x"].startswith("✗")
        assert labels["local:test"].startswith("✓")
        app.screen.query_one("#agent_a-input", Input).value = "anthropic:claude-x"
        await wait_until(pilot,
                         lambda: "anthropic key" in static_text(pilot, "#agent_a .key-status"),
                         "the key status of anthropic")
        status = static_text(pilot, "#agent_a .key-status")
        assert "ANTHROPIC_API_KEY" in status
        await wait_until(pilot, lambda: validated_a() == "anthropic:claude-x", "validation")
        estimate = await estimate_settled(pilot)
        assert "⚠ anthropic:" in estimate and "ANTHROPIC_API_KEY" in estimate

        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-real")
        app.screen.query_one("#agent_a-input", Input).value = "local:test"
        await wait_until(pilot, lambda: validated_a() == "local:test", "validation")
        app.screen.query_one("#agent_a-input", Input).value = "anthropic:claude-x"
        await wait_until(pilot, lambda: validated_a() == "anthropic:claude-x", "validation")
        assert "⚠" not in await estimate_settled(pilot), "a set key clears the warning"


async def test_save_then_load_a_spec(make_app, tmp_path) -> None:
    app = make_app()
    path = tmp_path / "spec.yaml"
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        app.screen.query_one("#name", Input).value = "drift"
        app.screen.query_one("#max_turns", Input).value = "7"
        app.screen.query_one("#awareness_b", Input).value = "research"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PathPrompt), "the path prompt")
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await wait_until(pilot, path.exists, "the saved spec")
        saved = yaml.safe_load(path.read_text())
        assert (saved["name"], saved["max_turns"], saved["awareness_b"]) == ("drift", 7, "research")

        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.query_one("#max_turns", Input).value == "10"
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, PathPrompt), "the path prompt")
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query_one("#max_turns", Input).value == "7",
                         "the loaded spec")
        assert app.screen.query_one("#awareness_b", Input).value == "research"
        assert app.screen.query_one("#name", Input).value == "drift"


async def test_loading_a_broken_spec_says_why(make_app, tmp_path) -> None:
    app = make_app()
    path = tmp_path / "broken.yaml"
    path.write_text("turns: [1, 2\n")
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, PathPrompt), "the path prompt")
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(app._notifications), "a notification")
        messages = [n.message for n in app._notifications]
        assert any("malformed YAML" in m for m in messages)


async def test_spec_keys_without_a_field_before_survive_load_save_and_launch(
        make_app, tmp_path) -> None:
    app = make_app()
    source, saved = tmp_path / "in.yaml", tmp_path / "out.yaml"
    source.write_text("name: kept\nturns: 2\nchoose_names: true\nseed: 7\ntemperature: 0.4\n"
                      "prompt_visibility: both\nmax_output_tokens: 300\nthink_b: true\n")
    async with app.run_test(size=SIZE) as pilot:
        await estimate_settled(pilot)
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, PathPrompt), "the path prompt")
        app.screen.query_one(Input).value = str(source)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, PathPrompt), "the load")
        await pilot.pause()
        spec = app.screen.valid_spec()
        assert spec is not None
        assert (spec.choose_names, spec.seed, spec.temperature, spec.prompt_visibility,
                spec.max_output_tokens, spec.think_b) == (True, 7, 0.4, "both", 300, True)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PathPrompt), "the path prompt")
        app.screen.query_one(Input).value = str(saved)
        await pilot.press("enter")
        await wait_until(pilot, saved.exists, "the saved spec")
        written = yaml.safe_load(saved.read_text())
        assert (written["choose_names"], written["seed"], written["think_b"]) == (True, 7, True)
        await pilot.press("ctrl+r")
        await pilot.pause()
        [run] = app.runs.values()
        assert (run.runner.spec.seed, run.runner.spec.choose_names) == (7, True)


async def test_the_thinking_checkbox_label_follows_its_value(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await estimate_settled(pilot)
        box = app.screen.query_one("#think", Checkbox)
        assert not box.value and str(box.label) == "off"
        box.focus()
        await pilot.press("space")
        assert box.value and str(box.label) == "on"


async def test_launch_with_a_missing_key_is_refused_with_one_message(make_app) -> None:
    registry = fast_registry()
    registry.add(ModelInfo("anthropic", "claude-x", "Claude X", 200_000, 8_192))
    app = make_app(registry)
    async with app.run_test(size=SIZE) as pilot:
        await estimate_settled(pilot)
        app.screen.query_one("#agent_a-input", Input).value = "anthropic:claude-x"
        await pilot.pause()
        await estimate_settled(pilot)
        before = len(app._notifications)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert not app.runs and app.current_mode == "setup"
        [note] = list(app._notifications)[before:]
        assert "anthropic:claude-x: no API key: set ANTHROPIC_API_KEY" in note.message
        assert "[keys]" in note.message and "config.toml" in note.message


async def test_a_setting_the_model_cannot_take_is_warned_about_before_launch(make_app) -> None:
    """The same warning `run --dry-run` prints, from the payload the adapter would send."""
    from pidgin_tui.providers.openai import OpenAIProvider

    registry = fast_registry()
    registry.add(ModelInfo("openai", "gpt-5.5", "GPT-5.5", 400_000, 128_000, True, (1.0, 1.0)))
    registry.factories["openai"] = OpenAIProvider
    app = make_app(registry)
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        app.screen.query_one("#agent_b-input", Input).value = "openai:gpt-5.5"
        app.screen.query_one("#temperature_b", Input).value = "0.4"
        await wait_until(pilot, lambda: app.screen.result.spec is not None
                         and app.screen.result.spec.resolved_temperature("agent_b") == 0.4,
                         "validation")
        estimate = await estimate_settled(pilot)
        assert "⚠ openai:gpt-5.5: temperature 0.4 cannot be sent" in estimate
        app.screen.query_one("#temperature_b", Input).value = ""
        await wait_until(pilot, lambda: app.screen.result.spec is not None
                         and app.screen.result.spec.resolved_temperature("agent_b") is None,
                         "validation")
        assert "temperature" not in await estimate_settled(pilot)


async def test_launch_refuses_a_setting_the_model_would_ignore_as_run_does(
        make_app, monkeypatch) -> None:
    """ctrl+r decides through the same owner as `run`: refused unless "Allow ignored" is on."""
    from dataclasses import replace

    from pidgin_tui.providers.openai import OpenAIProvider

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    registry = fast_registry()
    registry.add(ModelInfo("openai", "gpt-5.5", "GPT-5.5", 400_000, 128_000, True, (1.0, 1.0)))
    registry.factories["openai"] = OpenAIProvider
    app = make_app(registry)
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        app.screen.query_one("#agent_b-input", Input).value = "openai:gpt-5.5"
        app.screen.query_one("#temperature_b", Input).value = "0.4"
        await wait_until(pilot, lambda: app.screen.result.spec is not None
                         and app.screen.result.spec.resolved_temperature("agent_b") == 0.4,
                         "validation")
        await estimate_settled(pilot)
        before = len(app._notifications)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert not app.runs and app.current_mode == "setup"
        [note] = list(app._notifications)[before:]
        assert note.title == "Cannot launch"
        assert "openai:gpt-5.5: temperature 0.4 cannot be sent" in note.message
        spec = app.screen.result.spec
        assert app.screen.launch_refusal(replace(spec, allow_ignored_params=True)) is None
