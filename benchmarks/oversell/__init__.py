"""Oversell benchmark: flash-sale demand against the core, raw SQL and naive CRUD."""
