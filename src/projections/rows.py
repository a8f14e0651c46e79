"""A write-back cache of one view table: rows read once, changed in memory, flushed per batch."""

from __future__ import annotations

from collections import OrderedDict
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
        if self._inserted:
            self.connection.execute(self.table.insert(), list(self._inserted.values()))
        if self._updated:
            bound = [self._bound(row) for row in self._updated.values()]
            self.connection.execute(self._update_statement(), bound)
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

    def _update_statement(self) -> Any:
        where = [self.table.c[name] == bindparam(f"key_{name}") for name in self.key_columns]
        return self.table.update().where(*where)

    def _bound(self, row: Row) -> Row:
        bound = {name: value for name, value in row.items() if name not in self.key_columns}
        bound.update({f"key_{name}": row[name] for name in self.key_columns})
        return bound
