"""Reports written into an experiment directory: transcripts, summary, README, notebook.

Built from the experiment's JSONL (`loader`), so they need neither duckdb nor the database.
"""
