"""Read models for the screens and the plain-text commands, and how their figures are written."""
