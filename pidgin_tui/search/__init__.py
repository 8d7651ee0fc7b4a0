"""Full-text search over every message of every experiment in the output root (SQLite FTS5)."""
