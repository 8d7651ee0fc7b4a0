"""`pidgin-tui serve`: the full app in a web browser, through textual-serve.

Each browser tab gets its own app process. Runs launched there go detached (see
`tui/detached.py`), so closing the tab never interrupts them; reopening the page shows them in
the monitor. The server binds to loopback unless `--allow-remote` is given: anyone who can reach
the page can read the output root and start runs with this machine's keys.
"""

from __future__ import annotations

import argparse

NAME = "serve"
HELP = "serve the app to a web browser (loopback only unless --allow-remote)"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on; anything but loopback needs --allow-remote")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                        help="port to listen on")
    parser.add_argument("--allow-remote", action="store_true",
                        help="listen on a non-loopback address: whoever reaches the page can read "
                        "every experiment and spend this machine's API keys")


def is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    import os
    import sys

    from pidgin_tui.commands.output import EXIT_OK, EXIT_USAGE, error
    from pidgin_tui.paths import output_root
    from pidgin_tui.tui.detached import DETACH_ENV

    if not 0 < args.port < 65536:
        error(f"--port must be between 1 and 65535, got {args.port}")
        return EXIT_USAGE
    if not is_loopback(args.host):
        if not args.allow_remote:
            error(f"{args.host} is not a loopback address: pass --allow-remote to serve the app "
                  "to other machines")
            return EXIT_USAGE
        print(f"warning: serving on {args.host}: anyone who can reach port {args.port} can read "
              "every experiment in the output root and start runs with this machine's API keys",
              file=sys.stderr, flush=True)
    # The app processes inherit this environment: the output root and detached launching travel
    # there, so the command line textual-serve runs through a shell holds no user text.
    os.environ["PIDGIN_OUTPUT_DIR"] = str(output_root(getattr(args, "output", None)))
    os.environ[DETACH_ENV] = "1"
    from pidgin_tui.tui.web import serve_in_browser

    serve_in_browser(args.host, args.port)
    return EXIT_OK
