"""`python -m pidgin_tui` runs the command-line entry point."""

from __future__ import annotations

import sys

from pidgin_tui.cli import main

if __name__ == "__main__":
    sys.exit(main())
