"""pidgin_tui.database package."""
