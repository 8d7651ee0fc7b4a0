"""pidgin-tui: conduct, watch, record and analyse AI-to-AI conversations."""

__version__ = "0.1.0"
