"""pidgin_tui.metrics package."""
