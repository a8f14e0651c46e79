"""Aggregates of the write side: each one guards its own invariants."""
