"""pidgin_tui.providers package."""
