"""Run `pidgin-tui` command lines in one process and report each one's exit code and output.

`python -m tests.commands.cli_probe '[["list"], ["show", "x"]]'` prints a JSON list of
{argv, code, stdout, stderr}. The error-path tests use it in-process, and as a subprocess where
the output root must be read-only for that process only.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from typing import Any

from pidgin_tui.cli import main


def probe(argvs: list[list[str]]) -> list[dict[str, Any]]:
    results = []
    for argv in argvs:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code: Any = main(argv)
            except SystemExit as exc:  # argparse usage errors
                code = exc.code
        results.append({"argv": argv, "code": code, "stdout": out.getvalue(),
                        "stderr": err.getvalue()})
    return results


if __name__ == "__main__":
    print(json.dumps(probe(json.loads(sys.argv[1]))))
