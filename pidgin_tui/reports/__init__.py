"""pidgin_tui.reports package."""
