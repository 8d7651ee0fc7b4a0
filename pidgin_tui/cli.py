"""The `pidgin-tui` entry point: argparse over one module per subcommand.

Without a subcommand the full-screen app opens (in a terminal; without one, exit 2 with a hint).
Command modules keep heavy imports inside their `run` so `pidgin-tui --help` stays fast. Exit
codes: 0 success, 1 run failed, 2 usage or validation error, 130/143 interrupted by SIGINT/SIGTERM.
Whatever a command does not handle becomes one error line (`commands.failure`); `-v` adds the
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import TextIO

from pidgin_tui import __version__

COMMANDS: tuple[str, ...] = ("run", "resume", "list", "show", "monitor", "stop", "models",
                             "import_", "export", "query", "transcript")
"""Subcommand modules in `pidgin_tui.commands`, in the order `--help` lists them."""

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line error (its default usage dump buries the message)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pidgin-tui", description="Conduct, watch, record and analyse "
                     "AI-to-AI conversations. Without a command, opens the app.")
    parser.add_argument("--version", action="version", version=f"pidgin-tui {__version__}")
    parser.add_argument("--output", metavar="DIR", help="output root (default: "
                        "$PIDGIN_OUTPUT_DIR, else the user data directory)")
    parser.add_argument("-v", "--verbose", dest="traceback", action="store_true",
                        help="print the traceback when a command fails")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"pidgin_tui.commands.{name.replace('-', '_')}")
        sub = subparsers.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        sub.add_argument("--output", metavar="DIR", default=argparse.SUPPRESS,
                         help="output root (overrides the global --output)")
        module.add_arguments(sub)
        if "-v" not in sub._option_string_actions:
            sub.add_argument("-v", "--verbose", action="store_true",
                             help="print the traceback when the command fails")
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    try:
        return _dispatch(args, handler)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the last line of defence: one line, no traceback
        from pidgin_tui.commands.failure import report_failure

        report_failure(exc, verbose=bool(args.traceback or getattr(args, "verbose", False)))
        return EXIT_FAILED


def _dispatch(args: argparse.Namespace, handler: object) -> int:
    from pidgin_tui.config import ConfigError, settings

    try:
        settings()  # a broken config file is reported here, never in the middle of a run
    except ConfigError as exc:
        error(str(exc))
        return EXIT_USAGE
    if handler is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            error("the app needs a terminal (stdin and stdout are not one); for a run without "
                  "a terminal use `pidgin-tui run SPEC.yaml` (see `pidgin-tui --help`)")
            return EXIT_USAGE
        from pidgin_tui.commands import app

        return app.run(args)
    return int(handler(args))  # type: ignore[operator]


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
