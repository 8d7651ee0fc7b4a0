"""Screens of the app, one per module, each with its .tcss beside it."""
