"""pidgin_tui.experiments package."""
