"""Settings translate to the event store's configuration; conflicts are retried, then reported."""

from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError
from pydantic import ValidationError

from multistore_core import MultiStore, Settings
from multistore_core.commands import OrderLine, PlaceOrder
from multistore_core.errors import ConcurrencyConflict
from support import build_chain


def test_with_no_settings_the_event_store_is_an_sqlite_file_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MULTISTORE_DATABASE_URL", raising=False)
    env = Settings().eventsourcing_env()
    assert env == {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": "multistore.db",
        "SQLITE_LOCK_TIMEOUT": "30",
    }


def test_the_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "MULTISTORE_DATABASE_URL", "postgresql://shop:s%40cret@db.local:6543/chain?schema=east"
    )
    env = Settings().eventsourcing_env()
    assert env["PERSISTENCE_MODULE"] == "multistore_core.pg_recorder"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == (
        "db.local", "6543", "chain",
    )  # fmt: skip
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("shop", "s@cret")
    assert env["POSTGRES_SCHEMA"] == "east"
    assert env["POSTGRES_ENABLE_DB_FUNCTIONS"] == "n"


def test_an_sqlite_file_in_a_new_folder_gets_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "data" / "chain.db"
    Settings(database_url=f"sqlite:///{path}").eventsourcing_env()
    assert path.parent.is_dir()


def test_an_unknown_database_scheme_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(database_url="mysql://root@localhost/chain")
    assert refused.value.errors()[0]["loc"] == ("database_url",)


def test_conflicts_that_persist_are_reported_after_the_allowed_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chain = MultiStore(Settings(database_url="memory://", conflict_retries=3))
    build_chain(chain)
    attempts = []

    def always_conflicting(*aggregates: object, **kwargs: object) -> None:
        attempts.append(aggregates)
        raise IntegrityError("version conflict")

    monkeypatch.setattr(chain, "save", always_conflicting)
    before = chain.log_position()
    with pytest.raises(ConcurrencyConflict) as reported:
        chain.place_order(
            PlaceOrder(
                store="SH01", fulfilment="pickup", lines=[OrderLine(sku="TEA-001", quantity=1)]
            )
        )
    assert (reported.value.command, reported.value.attempts) == ("PlaceOrder", 4)
    assert len(attempts) == 4
    assert chain.log_position() == before
    assert chain.stock_level("SH01", "TEA-001").reserved == 0
