"""Read the stored events of many aggregates in one query, with the log's last position."""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from multistore_core.pg_recorder import plain_array_literal

SQLITE_CHUNK = 500  # bound parameters per statement, well under SQLite's limit


def read_aggregates(
    recorder: ApplicationRecorder, ids: Collection[UUID]
) -> tuple[int, dict[UUID, list[StoredEvent]]]:
    """The log's last position and every stored event of each of ``ids``, in version order
    (ids with none are left out).

    On PostgreSQL both come from one statement: one round trip, one snapshot. Elsewhere the
    position is read first, so an aggregate may be newer than it, never older.
    """
    if isinstance(recorder, PostgresAggregateRecorder):
        latest, rows = _postgres_rows(recorder, ids)
    else:
        latest = recorder.max_notification_id() or 0
        if isinstance(recorder, SQLiteAggregateRecorder):
            rows = _sqlite_rows(recorder, ids)
        else:  # in memory: no round trips to save
            rows = [event for each in ids for event in recorder.select_events(each)]
    found: dict[UUID, list[StoredEvent]] = {}
    for event in rows:
        assert isinstance(event.originator_id, UUID)
        found.setdefault(event.originator_id, []).append(event)
    for events in found.values():
        events.sort(key=lambda event: event.originator_version)
    return latest, found


def _postgres_rows(
    recorder: PostgresAggregateRecorder, ids: Collection[UUID]
) -> tuple[int, list[StoredEvent]]:
    datastore = recorder.datastore
    statement = _postgres_select(
        datastore.schema, recorder.events_table_name, datastore.originator_id_type
    )
    # The ids as one array literal and rows as tuples: psycopg adapts a list of UUIDs one by
    # one and builds a dict per row, which cost more than the round trip itself.
    with datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(statement, [plain_array_literal(map(str, ids))], prepare=True)
        rows = cursor.fetchall()
    events = [
        StoredEvent(originator_id=row[1], originator_version=row[2], topic=row[3], state=row[4])
        for row in rows
        if row[1] is not None
    ]
    return rows[0][0] or 0, events


@lru_cache
def _postgres_select(schema: str, table: str, id_type: str) -> bytes:
    """The last position, then each event of the ids (one row of nulls when there are none)."""
    return (
        SQL(
            "SELECT (SELECT max(notification_id) FROM {schema}.{table}) AS latest,"
            " e.originator_id, e.originator_version, e.topic, e.state"
            " FROM (SELECT 1) AS one LEFT JOIN {schema}.{table} AS e"
            " ON e.originator_id = ANY(%s::{id_type}[])"
        )
        .format(schema=Identifier(schema), table=Identifier(table), id_type=Identifier(id_type))
        .as_bytes(None)
    )


def _sqlite_rows(recorder: SQLiteAggregateRecorder, ids: Collection[UUID]) -> list[StoredEvent]:
    keys = [aggregate_id.hex for aggregate_id in ids]
    rows: list[StoredEvent] = []
    with recorder.datastore.transaction(commit=False) as cursor:
        for start in range(0, len(keys), SQLITE_CHUNK):
            chunk = keys[start : start + SQLITE_CHUNK]
            marks = ",".join("?" * len(chunk))
            cursor.execute(
                f"SELECT originator_id, originator_version, topic, state"
                f" FROM {recorder.events_table_name} WHERE originator_id IN ({marks})",
                chunk,
            )
            rows.extend(
                StoredEvent(
                    originator_id=recorder.convert_originator_id(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
                )
                for row in cursor.fetchall()
            )
    return rows
