"""Audit benchmarks: how fast verify replays and checks the event log."""
