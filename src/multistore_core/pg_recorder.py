"""PostgreSQL persistence whose event inserts take one round trip (a PERSISTENCE_MODULE)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from eventsourcing import postgres
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier, Literal


class OneTripRecorder(postgres.PostgresApplicationRecorder):
    """The eventsourcing recorder, inserting a save's events with one statement.

    Same transaction as the library's (lock timeout, table lock, notify, insert returning
    the notification ids), done by a server-side function that takes the events as four
    typed arrays: ids, versions and topics each as one array literal (psycopg adapts a list
    of them element by element in Python, several times slower), the payloads as one binary
    ``bytea`` array, which neither side has to write or parse as hex.
    """

    def __init__(
        self, datastore: postgres.PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        names = {
            "schema": Identifier(datastore.schema),
            "table": Identifier(events_table_name),
            "function": Identifier(f"{events_table_name}_insert"),
            "id_type": Identifier(datastore.originator_id_type),
            "channel": Identifier(self.channel_name),
        }
        self.sql_create_statements += [
            # Creators in several processes take turns: concurrent replacements would clash.
            SQL("SELECT pg_advisory_xact_lock(hashtext({key}))").format(
                key=Literal(f"{datastore.schema}.{events_table_name}")
            ),
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}(ids {id_type}[],"
                " versions bigint[], topics text[], states bytea[])"
                " RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ BEGIN"
                " SET LOCAL lock_timeout = '{timeout}s';"
                " LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;"
                " NOTIFY {channel};"
                " RETURN QUERY INSERT INTO {schema}.{table}"
                " (originator_id, originator_version, topic, state)"
                " SELECT * FROM unnest(ids, versions, topics, states) RETURNING notification_id;"
                " END; $BODY$"
            ).format(timeout=datastore.lock_timeout, **names),
        ]
        self.insert_columns_statement = (
            SQL(
                "SELECT * FROM {schema}.{function}"
                "(%s::{id_type}[], %s::bigint[], %s::text[], %b::bytea[]) AS t(notification_id)"
            )
            .format(**names)
            .as_bytes(None)
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if self.datastore.enable_db_functions or not stored_events or any(kwargs.values()):
            numbers: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return numbers
        columns = (
            plain_array_literal(str(event.originator_id) for event in stored_events),
            plain_array_literal(str(event.originator_version) for event in stored_events),
            array_literal(event.topic for event in stored_events),
            [event.state for event in stored_events],
        )
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(self.insert_columns_statement, columns, prepare=True)
            return [row[0] for row in cursor.fetchall()]


def array_literal(texts: Iterable[str]) -> str:
    """A PostgreSQL array literal of ``texts``, each quoted, cast by the statement."""
    return plain_array_literal(map(_escape, texts))


def plain_array_literal(texts: Iterable[str]) -> str:
    """An array literal of texts that hold no quote or backslash to escape: ids, numbers."""
    items = list(texts)
    return '{"' + '","'.join(items) + '"}' if items else "{}"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class Factory(postgres.PostgresFactory):
    """The library's PostgreSQL factory (the module's only one) with the recorder above."""

    application_recorder_class = OneTripRecorder
