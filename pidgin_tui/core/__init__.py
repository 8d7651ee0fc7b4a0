"""pidgin_tui.core package."""
