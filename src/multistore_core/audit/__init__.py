"""Audit replay: state as of any moment, invariant checks, movement history, drift, activity."""
