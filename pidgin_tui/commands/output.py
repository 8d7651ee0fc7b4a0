"""What every command prints with: plain text and JSON for a person or a pipe, the one-line
error in the house format, and the exit codes (0 success, 1 failed, 2 usage or validation)."""

from __future__ import annotations

import sys
from typing import TextIO

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def say(text: object = "", *, file: TextIO | None = None, end: str = "\n",
        flush: bool = False) -> None:
    """Print plain text for a person with escape sequences and control characters removed
    (newline and tab kept) and credentials masked: names, model output and file contents are
    untrusted, and messages can quote URLs."""
    from pidgin_tui.core.redact import redact_secrets
    from pidgin_tui.core.safe_text import terminal_safe

    print(terminal_safe(redact_secrets(str(text))), file=file or sys.stdout, end=end,
          flush=flush)


def say_json(data: object, *, indent: int | None = None) -> None:
    """Print data as JSON on stdout, inert on a terminal (`core.safe_text.inert_json`), with
    credentials masked."""
    import json

    from pidgin_tui.core.redact import redact_secrets
    from pidgin_tui.core.safe_text import inert_json

    print(inert_json(redact_secrets(json.dumps(data, ensure_ascii=False, indent=indent,
                                               default=str))))


def error(message: str) -> None:
    """Print a one-line error to stderr in the house format: credentials masked, no escape
    sequences or line breaks (messages can quote file contents, names or model output)."""
    from pidgin_tui.core.redact import redact_secrets
    from pidgin_tui.core.safe_text import terminal_safe

    text = terminal_safe(redact_secrets(message), single_line=True)
    print(f"pidgin-tui: error: {text}", file=sys.stderr)
