"""pidgin_tui.tui package."""
