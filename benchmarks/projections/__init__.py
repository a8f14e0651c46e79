"""Read-side benchmark: rebuild rate and commit-to-view lag on SQLite and PostgreSQL."""
