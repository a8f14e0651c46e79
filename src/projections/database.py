"""The views database: one engine for SQLite or PostgreSQL, transactions, and view DDL."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text
from sqlalchemy.pool import StaticPool

from projections.projection import Projection, metadata, tracking
from projections.settings import MEMORY_VIEWS_URL, sqlalchemy_url


class ViewStore:
    """Where the views live. ``url`` is ``sqlite:///file``, ``sqlite://`` or ``postgresql://``."""

    def __init__(self, url: str) -> None:
        self.url = url
        converted, self.schema = sqlalchemy_url(url)
        self.is_memory = url == MEMORY_VIEWS_URL
        self.is_postgres = converted.startswith("postgresql")
        # An in-memory database is one connection shared by every thread, one user at a time.
        self._lock: Any = threading.RLock() if self.is_memory else nullcontext()
        self.engine = self._postgres(converted) if self.is_postgres else self._sqlite(converted)

    def _sqlite(self, url: str) -> Engine:
        options: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if self.is_memory:
            options["poolclass"] = StaticPool
        engine = create_engine(url, **options)

        @event.listens_for(engine, "connect")
        def _autocommit_driver(dbapi_connection: Any, _: Any) -> None:
            # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
            dbapi_connection.isolation_level = None
            if not self.is_memory:
                dbapi_connection.execute("PRAGMA journal_mode=WAL")

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine

    def _postgres(self, url: str) -> Engine:
        engine = create_engine(url, pool_size=5, max_overflow=5, pool_pre_ping=True)
        if self.schema:
            with engine.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            engine = engine.execution_options(schema_translate_map={None: self.schema})
        return engine

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction, committed when the block ends without error."""
        with self._lock, self.engine.begin() as connection:
            yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for queries; nothing it does is committed."""
        with self._lock, self.engine.connect() as connection:
            yield connection

    def create(self, projections: Sequence[Projection]) -> None:
        """Create missing view tables; a view with a table missing starts again from position 0."""
        with self.transaction() as connection:
            metadata.create_all(connection, tables=[tracking])
            known = set(connection.scalars(select(tracking.c.name)))
            for projection in projections:
                if projection.name not in known:
                    connection.execute(insert(tracking).values(name=projection.name, position=0))
                if not all(self._exists(connection, table.name) for table in projection.tables):
                    self.reset(connection, projection)

    def _exists(self, connection: Connection, table: str) -> bool:
        return bool(connection.dialect.has_table(connection, table, schema=self.schema))

    def reset(self, connection: Connection, projection: Projection) -> None:
        """Drop and recreate a view's tables and set its position back to 0."""
        metadata.drop_all(connection, tables=list(projection.tables))
        metadata.create_all(connection, tables=list(projection.tables))
        connection.execute(
            tracking.update()
            .where(tracking.c.name == projection.name)
            .values(position=0, last_event_at=None, processed_at=None)
        )

    def positions(self) -> dict[str, int]:
        with self.reading() as connection:
            rows = connection.execute(select(tracking.c.name, tracking.c.position))
            return {name: int(position) for name, position in rows}

    def dispose(self) -> None:
        self.engine.dispose()
