"""Read the stored events of many aggregates in one query, from any eventsourcing recorder."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from psycopg.sql import SQL, Identifier

SQLITE_CHUNK = 500  # bound parameters per statement, well under SQLite's limit


def select_events_of(
    recorder: AggregateRecorder, ids: Collection[UUID]
) -> dict[UUID, list[StoredEvent]]:
    """Every stored event of each of ``ids``, in version order; ids with none are left out."""
    if not ids:
        return {}
    if isinstance(recorder, PostgresAggregateRecorder):
        rows = _postgres_rows(recorder, ids)
    elif isinstance(recorder, SQLiteAggregateRecorder):
        rows = _sqlite_rows(recorder, ids)
    else:  # in memory: no round trips to save
        rows = [event for aggregate_id in ids for event in recorder.select_events(aggregate_id)]
    found: dict[UUID, list[StoredEvent]] = {}
    for event in rows:
        assert isinstance(event.originator_id, UUID)
        found.setdefault(event.originator_id, []).append(event)
    for events in found.values():
        events.sort(key=lambda event: event.originator_version)
    return found


def _postgres_rows(recorder: PostgresAggregateRecorder, ids: Collection[UUID]) -> list[StoredEvent]:
    statement = SQL(
        "SELECT originator_id, originator_version, topic, state FROM {schema}.{table}"
        " WHERE originator_id = ANY(%s)"
    ).format(
        schema=Identifier(recorder.datastore.schema),
        table=Identifier(recorder.events_table_name),
    )
    with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
        cursor.execute(statement, [list(ids)], prepare=True)
        return [
            StoredEvent(
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in cursor.fetchall()
        ]


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
