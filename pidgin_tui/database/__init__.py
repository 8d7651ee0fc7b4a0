"""The analysis database (DuckDB): bulk import, read-only queries, export.

The only package that imports duckdb. Entry point: `event_store.EventStore`.
"""
