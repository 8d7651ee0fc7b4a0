"""Every manifest and experiment README records the software a run depended on."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from pidgin_tui import __version__
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.providers.pricing import load_shipped_table
from pidgin_tui.record.experiment import ExperimentRecord
from pidgin_tui.record.layout import MANIFEST_NAME
from pidgin_tui.reports.readme import render_readme
from tests.analysis_fixtures import run_experiment
from tests.conftest import cli_env


def test_manifest_records_versions_of_the_providers_used(tmp_path: Path) -> None:
    runner = ExperimentRunner(parse_spec({"agent_a": "local:instant", "agent_b": "openai:gpt-5.5",
                                          "max_turns": 1, "name": "versions"}), tmp_path)
    manifest = json.loads((runner.prepare() / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["versions"] == {
        "pidgin_tui": __version__,
        "python": platform.python_version(),
        "sdks": {"local": {}, "openai": {"openai": metadata.version("openai")}},
        "price_table_as_of": load_shipped_table().as_of,
        "price_overrides": [],
    }


def test_recording_versions_imports_no_sdk() -> None:
    code = ("import sys\nfrom pidgin_tui.providers.versions import recorded_versions\n"
            "v = recorded_versions(['anthropic', 'openai', 'google', 'xai', 'ollama'])\n"
            "assert all(all(v['sdks'][p].values()) for p in v['sdks']), v\n"
            "print(','.join(m for m in ('anthropic', 'openai', 'google.genai')"
            " if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=cli_env(), check=True)
    assert result.stdout.strip() == ""


def test_readme_says_which_versions_recorded_the_run(tmp_path: Path) -> None:
    experiment = ExperimentRecord.load(run_experiment(tmp_path, repetitions=1, max_turns=1))
    readme = render_readme(experiment)
    assert f"Recorded with pidgin-tui {__version__} · Python {platform.python_version()} · " \
           f"price table of {load_shipped_table().as_of}." in readme
