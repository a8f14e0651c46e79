"""Integration: the public event schema, the pull feed and webhook delivery for integrators."""
