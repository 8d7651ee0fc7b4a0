"""Reports written into an experiment directory: transcripts, summary, README, notebook.

Built from the experiment's JSONL (`pidgin_tui.record.experiment.ExperimentRecord`), so they need
neither duckdb nor the database.
"""
