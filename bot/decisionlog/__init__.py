"""The append-only, hash-chained log of every situation, and the decisions in it."""
