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
import os
import sys
from collections.abc import Sequence

from pidgin_tui import __version__
from pidgin_tui.commands.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error

COMMANDS: tuple[str, ...] = ("run", "resume", "list", "show", "monitor", "stop", "models",
                             "import_", "import_pidgin", "export", "query", "search", "index",
                             "transcript", "rescore", "metrics", "payload", "branch", "doctor",
                             "serve", "config", "completion")
"""Subcommand modules in `pidgin_tui.commands`, in the order `--help` lists them."""

class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its choices and its default, unless the text gives them.

    Required positionals have no default, so they show only their choices.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.help == argparse.SUPPRESS or isinstance(
                action, argparse._HelpAction | argparse._VersionAction):
            return action.help
        text = action.help or ""
        extra: list[str] = []
        if action.choices and "choices" not in text:
            extra.append("choices: " + ", ".join(map(str, action.choices)))
        optional = bool(action.option_strings) or action.nargs in ("?", "*")
        if optional and "default" not in text:
            extra.append(f"default: {describe_default(action)}")
        if not extra:
            return action.help
        suffix = "; ".join(extra).replace("%", "%%")  # argparse %-formats help text
        return f"{text} ({suffix})" if text else f"({suffix})"


def describe_default(action: argparse.Action) -> str:
    """How `--help` names an option's default."""
    if isinstance(action, argparse._StoreTrueAction | argparse._StoreConstAction):
        return "off"
    if isinstance(action, argparse._StoreFalseAction):
        return "on"
    if action.default is None or action.default == argparse.SUPPRESS:
        return "none"
    if isinstance(action.default, list | tuple):
        return ", ".join(map(str, action.default)) or "none"
    return str(action.default)


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line error (its default usage dump buries the message)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pidgin-tui", description="Conduct, watch, record and analyse "
                     "AI-to-AI conversations. Without a command, opens the app.",
                     formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"pidgin-tui {__version__}")
    parser.add_argument("--output", metavar="DIR", help="output root (default: "
                        "$PIDGIN_OUTPUT_DIR, else the user data directory)")
    parser.add_argument("-v", "--verbose", dest="traceback", action="store_true",
                        help="print the traceback when a command fails")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"pidgin_tui.commands.{name.replace('-', '_')}")
        sub = subparsers.add_parser(module.NAME, help=module.HELP, description=module.HELP,
                                    formatter_class=HelpFormatter)
        sub.add_argument("--output", metavar="DIR", default=argparse.SUPPRESS,
                         help="output root (default: the global --output)")
        module.add_arguments(sub)
        if "-v" not in sub._option_string_actions:
            sub.add_argument("-v", "--verbose", action="store_true",
                             help="print the traceback when the command fails")
        sub.set_defaults(handler=module.run)
    return parser


def _complete(parser: argparse.ArgumentParser) -> None:
    """Answer a shell's completion request (argcomplete's protocol) and exit; else return."""
    import os

    if "_ARGCOMPLETE" not in os.environ:
        return
    import argcomplete

    from pidgin_tui.commands.completion import attach_completers

    attach_completers(parser)
    argcomplete.autocomplete(parser)


def _tolerant_streams() -> None:
    """Characters the terminal's encoding cannot show become `?` instead of crashing a report."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
            reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    _complete(parser)
    _tolerant_streams()
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
        # A driver named in TEXTUAL_DRIVER (textual-serve's web driver) needs no terminal.
        if not (sys.stdin.isatty() and sys.stdout.isatty()) \
                and not os.environ.get("TEXTUAL_DRIVER"):
            error("the app needs a terminal (stdin and stdout are not one); for a run without "
                  "a terminal use `pidgin-tui run SPEC.yaml` (see `pidgin-tui --help`)")
            return EXIT_USAGE
        from pidgin_tui.commands import app

        return app.run(args)
    return int(handler(args))  # type: ignore[operator]
