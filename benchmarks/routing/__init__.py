"""Routing decisions per second over a large synthetic chain."""
