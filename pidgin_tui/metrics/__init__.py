"""Per-turn conversation metrics: pure functions, no I/O.

`turn.make_turn_scorer(profile)` is the conductor's per-conversation scorer; `catalog` lists
and documents every metric; `convergence` holds the score's weight profiles.
"""
