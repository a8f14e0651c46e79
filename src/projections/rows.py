"""A write-back cache of one view table: rows read once, changed in memory, flushed per batch."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, tuple_

Key = tuple[Any, ...]
Row = dict[str, Any]

_LOAD_CHUNK = 500


class Rows:
    """The rows of ``table`` a projection has touched, keyed by its primary key.

    Rows stay cached between batches (up to ``capacity``), which is sound because a view's
    content is a function of its log position alone: the runner drops the cache whenever
    the tracked position is not the one it expected. Without a connection (unit tests) the
    table starts empty and lives only in memory.
    """

    def __init__(self, table: Table, capacity: int = 200_000) -> None:
        self.table = table
        self.key_columns = [column.name for column in table.primary_key.columns]
        self.capacity = capacity
        self.connection: Connection | None = None
        # True while every row of the table is in the cache (a view replayed from empty).
        self.complete = False
        self._cache: OrderedDict[Key, Row | None] = OrderedDict()
        # Pending rows by object identity: a cached row object stays the same until flushed.
        self._inserted: dict[int, Row] = {}
        self._updated: dict[int, Row] = {}
        self._statements: dict[tuple[str, str, str], DriverStatement] = {}

    def key_of(self, row: Row) -> Key:
        return tuple(row[name] for name in self.key_columns)

    def get(self, *key: Any) -> Row | None:
        """The row with this primary key, or None; mark any change to it with ``changed``."""
        if key not in self._cache:
            if self.complete:
                return None
            self.preload([key])
        else:
            self._cache.move_to_end(key)
        return self._cache[key]

    def preload(self, keys: list[Key]) -> None:
        """Read the rows of every key not yet cached, a chunk of keys per query."""
        missing = list(dict.fromkeys(key for key in keys if key not in self._cache))
        for key in missing:
            self._cache[key] = None
        if self.connection is None or not missing:
            return
        columns = [self.table.c[name] for name in self.key_columns]
        for start in range(0, len(missing), _LOAD_CHUNK):
            chunk = missing[start : start + _LOAD_CHUNK]
            if len(columns) == 1:
                where = columns[0].in_([key[0] for key in chunk])
            else:
                where = tuple_(*columns).in_(chunk)
            for found in self.connection.execute(self.table.select().where(where)).mappings():
                row = dict(found)
                self._cache[self.key_of(row)] = row

    def insert(self, row: Row) -> Row:
        """Add a new row; a key already in the table fails at ``flush`` if not cached."""
        key = self.key_of(row)
        if self._cache.get(key) is not None:
            raise KeyError(f"{self.table.name}: a row with key {key!r} exists already")
        self._cache[key] = row
        self._inserted[id(row)] = row
        return row

    def get_or_insert(self, key: Key, defaults: Row) -> Row:
        row = self.get(*key)
        if row is None:
            row = self.insert({**dict(zip(self.key_columns, key, strict=True)), **defaults})
        return row

    def changed(self, row: Row) -> None:
        if id(row) not in self._inserted:
            self._updated[id(row)] = row

    def flush(self) -> None:
        """Write every inserted and changed row, then trim the cache to its capacity."""
        assert self.connection is not None, "flush needs a connection"
        for kind, pending in (("insert", self._inserted), ("update", self._updated)):
            if pending:
                statement = self._driver_statement(kind, self.connection)
                statement.run(self.connection, pending.values())
        self._inserted.clear()
        self._updated.clear()
        while len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
            self.complete = False

    def forget(self) -> None:
        """Drop every cached row and pending change (after a rollback)."""
        self._cache.clear()
        self._inserted.clear()
        self._updated.clear()
        self.complete = False

    def cached(self) -> list[Row]:
        """Every row known to exist, for tests that look at a view without a database."""
        return [row for row in self._cache.values() if row is not None]

    def _driver_statement(self, kind: str, connection: Connection) -> DriverStatement:
        translate = connection.get_execution_options().get("schema_translate_map")
        cache_key = (kind, connection.dialect.name, repr(translate))
        statement = self._statements.get(cache_key)
        if statement is None:
            if kind == "insert":
                statement = DriverStatement(self.table.insert(), {}, connection, translate)
            else:
                where = [
                    self.table.c[name] == bindparam(f"key_{name}") for name in self.key_columns
                ]
                keys = {f"key_{name}": name for name in self.key_columns}
                update = self.table.update().where(*where)
                statement = DriverStatement(update, keys, connection, translate, self.key_columns)
            self._statements[cache_key] = statement
        return statement


class DriverStatement:
    """A table write compiled once for a connection's dialect and run through the driver,
    with each value converted by its column type's SQLAlchemy bind processor (exactly as
    ``Connection.execute`` would) but without SQLAlchemy's per-row bookkeeping.

    SQLite runs it with ``executemany``. PostgreSQL takes all the rows in one statement:
    inserts by ``COPY``, updates as one ``UPDATE ... FROM unnest(<one array per column>)``.
    """

    def __init__(
        self,
        statement: Any,
        bound_keys: dict[str, str],
        connection: Connection,
        translate: dict[str | None, str] | None,
        fixed: Sequence[str] = (),
    ) -> None:
        dialect = connection.dialect
        table: Table = statement.table
        assigned = [name for name in table.c.keys() if name not in fixed]
        compiled = statement.compile(
            dialect=dialect,
            column_keys=assigned,
            schema_translate_map=translate,
            render_schema_translate=bool(translate),
        )
        self.sql = str(compiled)
        names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
        self.columns = [bound_keys.get(name, name) for name in names]
        self.processors = [
            (index, process)
            for index, column in enumerate(self.columns)
            if (process := table.c[column].type.dialect_impl(dialect).bind_processor(dialect))
        ]
        self.copies = self.sql.startswith("INSERT INTO ")
        self.bulk_sql: str | None = None
        if dialect.name == "postgresql":
            self.bulk_sql = self._copy() if self.copies else self._unnest(table, dialect, fixed)
        else:
            assert compiled.positional, "executemany takes rows as tuples"

    def _copy(self) -> str:
        # "INSERT INTO <table> (<columns>) VALUES ..." -> "COPY <table> (<columns>) FROM STDIN"
        target = self.sql.removeprefix("INSERT INTO ").partition(" VALUES")[0]
        return f"COPY {target} FROM STDIN"

    def _unnest(self, table: Table, dialect: Any, keys: Sequence[str]) -> str:
        target = self.sql.removeprefix("UPDATE ").partition(" SET ")[0]
        quote = dialect.identifier_preparer.quote
        arrays = ", ".join(f"%s::{table.c[name].type.compile(dialect)}[]" for name in self.columns)
        aliases = ", ".join(quote(name) for name in self.columns)
        sets = ", ".join(f"{quote(name)} = v.{quote(name)}" for name in self.columns[: -len(keys)])
        match = " AND ".join(f"t.{quote(name)} = v.{quote(name)}" for name in keys)
        source = f"unnest({arrays}) AS v({aliases})"
        return f"UPDATE {target} AS t SET {sets} FROM {source} WHERE {match}"

    def run(self, connection: Connection, rows: Iterable[Row]) -> None:
        values = self.values(rows)
        if self.bulk_sql is None:
            connection.exec_driver_sql(self.sql, [tuple(row) for row in values])
            return
        with connection.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
            if self.copies:
                with cursor.copy(self.bulk_sql) as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                columns = [list(column) for column in zip(*values, strict=True)]
                cursor.execute(self.bulk_sql, columns)

    def values(self, rows: Iterable[Row]) -> list[list[Any]]:
        columns, processors = self.columns, self.processors
        converted = []
        for row in rows:
            values = [row.get(column) for column in columns]
            for index, process in processors:
                values[index] = process(values[index])
            converted.append(values)
        return converted
