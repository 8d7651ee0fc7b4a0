"""What a newcomer meets typing `pidgin-tui`: help, config, completion, JSON, encodings."""

from __future__ import annotations

import argparse
import json
import subprocess
import tomllib
from pathlib import Path

import pytest

from pidgin_tui.cli import HelpFormatter, build_parser
from pidgin_tui.commands.completion import attach_completers, experiment_names
from pidgin_tui.config import FIXED_TABLES, TABLES, ConfigError, load_settings
from pidgin_tui.experiments.synthetic import write_experiment
from tests.conftest import REPO_ROOT, cli_command, cli_env


def run_cli(*args: str, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli_command(*args), capture_output=True, text=True,
                          env=env or cli_env(), timeout=timeout, check=False)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", sorted(_subparsers(build_parser())))
def test_every_option_shows_its_default_and_choices_in_help(command: str) -> None:
    sub = _subparsers(build_parser())[command]
    formatter = HelpFormatter(prog="pidgin-tui")
    for action in sub._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
            continue
        text = formatter._get_help_string(action) or ""
        if action.option_strings or action.nargs in ("?", "*"):
            assert "default" in text, f"{command} {action.option_strings or action.dest}: {text}"
        for choice in action.choices or ():
            assert str(choice) in text, f"{command} {action.dest} does not list {choice}"
    rendered = sub.format_help()
    assert "(default:" in rendered


def test_run_help_names_the_convergence_actions_and_spec_defaults() -> None:
    text = " ".join(_subparsers(build_parser())["run"].format_help().split())
    assert "choices: stop, warn, pause, continue; default: warn" in text
    assert "turns per conversation (one message each) (default: 10)" in text


def test_config_documentation_covers_every_table_and_key() -> None:
    doc = (REPO_ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    for table in TABLES:
        assert f"[{table}" in doc, f"docs/config.md does not document [{table}]"
    for table, keys in FIXED_TABLES.items():
        for key in keys:
            assert f"{table}.{key}" in doc, f"docs/config.md does not document {table}.{key}"


@pytest.mark.parametrize(("text", "expected"), [
    ("[timeouts]\nfirst_token = 5\n",
     "timeouts.first_token: unknown key (did you mean 'first_token_s'?)"),
    ("[timeout]\ntotal_s = 5\n", "timeout: unknown key (did you mean 'timeouts'?)"),
    ("[keys]\nanthorpic = 'x'\n", "keys.anthorpic: unknown key (did you mean 'anthropic'?)"),
    ("[concurrency]\nopenia = 2\n", "concurrency.openia: unknown key (did you mean 'openai'?)"),
    ("retry = 3\n", "retry must be a table"),
])
def test_unknown_config_names_are_rejected_with_a_suggestion(tmp_path: Path, text: str,
                                                            expected: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert expected in str(caught.value)


def test_endpoint_and_keymap_tables_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[endpoints.lab]\nbase_url = "http://127.0.0.1:9/v1"\nkind = "openai"\n'
                    '[keymap]\nquit = "ctrl+q"\n[concurrency]\nlab = 2\n')
    assert load_settings(path).max_concurrent("lab") == 2


def test_a_config_typo_stops_any_command_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "config.toml").write_text("[retry]\nbudget_minutez = 1\n")
    result = run_cli("list", env=cli_env(PIDGIN_CONFIG_DIR=str(config)))
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "retry.budget_minutez: unknown key (did you mean 'budget_minutes'?)")
    assert len(result.stderr.strip().splitlines()) == 1


def test_config_show_redacts_keys_and_url_passwords(tmp_path: Path) -> None:
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "config.toml").write_text(
        '[keys]\nopenai = "sk-secret-from-file-123456"\n'
        '[base_urls]\nollama = "http://user:hunter2pass@127.0.0.1:11434"\n'
        '[concurrency]\nanthropic = 3\n')
    env = cli_env(PIDGIN_CONFIG_DIR=str(config), ANTHROPIC_API_KEY="sk-ant-env-secret-999")
    result = run_cli("config", "--show", env=env)
    assert result.returncode == 0, result.stderr
    for secret in ("sk-secret-from-file-123456", "hunter2pass", "sk-ant-env-secret-999"):
        assert secret not in result.stdout
    shown = tomllib.loads(result.stdout)
    assert shown["keys"]["openai"] == "set (from config)"
    assert shown["keys"]["anthropic"] == "set (from ANTHROPIC_API_KEY)"
    assert shown["keys"]["xai"] == "not set"
    assert shown["concurrency"] == {"default": 8, "anthropic": 3}
    assert shown["base_urls"]["ollama"] == "http://user:***@127.0.0.1:11434"
    as_json = json.loads(run_cli("config", "--json", env=env).stdout)
    assert as_json["timeouts"] == {"first_token_s": 120.0, "total_s": 600.0}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script_for_each_shell_calls_back_into_pidgin_tui(shell: str) -> None:
    result = run_cli("completion", shell)
    assert result.returncode == 0, result.stderr
    assert "pidgin-tui" in result.stdout and "_ARGCOMPLETE" in result.stdout


def test_completion_offers_experiment_names(tmp_path: Path) -> None:
    root = tmp_path / "out"
    write_experiment(root, "abc12345", "parrots-talk", conversations=1, turns=1)
    assert experiment_names(root, "parr") == ["parrots-talk"]
    assert experiment_names(root) == ["abc12345", "parrots-talk"]
    parser = build_parser()
    attach_completers(parser)
    resume = _subparsers(parser)["resume"]
    action = next(a for a in resume._actions if a.dest == "experiment")
    completer = action.completer  # type: ignore[attr-defined]
    assert completer(prefix="parr", parsed_args=argparse.Namespace(output=str(root))) == [
        "parrots-talk"]


def test_completion_through_the_shell_protocol_lists_subcommands(tmp_path: Path) -> None:
    """What bash does on `pidgin-tui res<TAB>`: argcomplete's environment, answer on fd 8."""
    answer = tmp_path / "answer"
    line = "pidgin-tui res"
    env = cli_env(_ARGCOMPLETE="1", _ARGCOMPLETE_IFS="\n", COMP_LINE=line,
                  COMP_POINT=str(len(line)), ANSWER=str(answer))
    subprocess.run(["bash", "-c", '"$@" 8>"$ANSWER"', "complete", *cli_command()], env=env,
                   capture_output=True, timeout=60, check=False)
    words = answer.read_text().split("\n")
    assert "resume" in [w.strip() for w in words]


def test_resume_json_prints_one_object_when_there_is_nothing_to_resume(tmp_path: Path) -> None:
    root = tmp_path / "out"
    done = run_cli("--output", str(root), "run", "-t", "1", "--no-post-process", "--json")
    exp = Path(json.loads(done.stdout)["experiment_dir"])
    result = run_cli("--output", str(root), "resume", str(exp), "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert summary["resumed"] == 0 and summary["experiment_dir"] == str(exp)
    assert "nothing to resume" in result.stderr


def test_final_report_survives_an_ascii_terminal(tmp_path: Path) -> None:
    result = run_cli("--output", str(tmp_path / "out"), "run", "-a", "local:test", "-b",
                     "local:test", "-t", "1", "--no-post-process", "--name", "ascii-\u00e9t\u00e9",
                     env=cli_env(PYTHONIOENCODING="ascii"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "completed: 1 completed" in result.stdout


def test_the_package_metadata_names_its_home_documentation_and_release_history() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    urls = project["urls"]
    assert {"Homepage", "Documentation", "Release history"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())
    assert project["license"] and any("Science/Research" in c for c in project["classifiers"])
