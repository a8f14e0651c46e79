"""PostgreSQL persistence whose event inserts take one round trip (a PERSISTENCE_MODULE)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing import postgres
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier


class OneTripRecorder(postgres.PostgresApplicationRecorder):
    """The eventsourcing recorder, inserting a save's events in one round trip.

    Same transaction as the library's (table lock, notify, insert returning the notification
    ids, commit), sent as one pipeline with the events as four typed arrays rather than an
    array of composite values, which psycopg encodes slowly.
    """

    def __init__(
        self, datastore: postgres.PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.insert_columns_statement = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)"
            " SELECT * FROM unnest(%s::{id_type}[], %s::bigint[], %s::text[], %s::bytea[])"
            " RETURNING notification_id"
        ).format(
            schema=Identifier(datastore.schema),
            table=Identifier(events_table_name),
            id_type=Identifier(datastore.originator_id_type),
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if self.datastore.enable_db_functions or not stored_events or kwargs:
            numbers: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return numbers
        columns = (
            [event.originator_id for event in stored_events],
            [event.originator_version for event in stored_events],
            [event.topic for event in stored_events],
            [event.state for event in stored_events],
        )
        with self.datastore.get_connection() as conn, conn.cursor() as cursor:
            with conn.pipeline(), conn.transaction():
                self._lock_table(cursor)
                self._notify_channel(cursor)
                cursor.execute(self.insert_columns_statement, columns, prepare=True)
            return [row["notification_id"] for row in cursor.fetchall()]


class Factory(postgres.PostgresFactory):
    """The library's PostgreSQL factory (the module's only one) with the recorder above."""

    application_recorder_class = OneTripRecorder
