"""Write a real conversation's messages as a test fixture (run by hand, never by the tests).

    python tests/data/tiny_model/make_fixture.py EXPERIMENT_DIR OUT.json

The messages are exactly what the model wrote, read with the project's own JSONL reader;
`labels`, `onset` and `reader_note` are left empty for a person to fill in after reading
the transcript. The fixtures here came from SmolLM2-135M-Instruct (Q4_1) served by
shared/tools/tiny-llm and driven by `pidgin-tui run -a ollama:smollm2:135m -b ...`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from pidgin_tui.record.experiment import ExperimentRecord  # noqa: E402


def main(experiment_dir: Path, out: Path) -> None:
    experiment = ExperimentRecord.load(experiment_dir)
    (conv,) = experiment.conversations.values()
    assert conv.start is not None
    texts: dict[int, dict[str, str]] = {}
    for message in conv.messages:
        texts.setdefault(message.turn_number, {})[message.agent_id] = message.content
    turns = [[texts[t]["agent_a"], texts[t]["agent_b"]] for t in sorted(texts)
             if len(texts[t]) == 2]
    out.write_text(json.dumps({
        "model_a": conv.start.agent_a_model, "model_b": conv.start.agent_b_model,
        "prompt": conv.start.initial_prompt, "labels": [], "onset": None, "reader_note": "",
        "turns": turns}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
