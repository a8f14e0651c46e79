"""Shared fixtures: an application on each backend, PostgreSQL isolated in a schema per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from multistore_core import MultiStore, Settings
from support import FakeClock, build_chain

POSTGRES_URL = os.environ.get(
    "MULTISTORE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True)
def _close_applications(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close every application a test opens, so its database connections do not pile up."""
    opened: list[MultiStore] = []
    open_application = MultiStore.__init__

    def opening(self: MultiStore, *args: Any, **kwargs: Any) -> None:
        open_application(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(MultiStore, "__init__", opening)
    yield
    for app in opened:
        app.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock) -> MultiStore:
    """An in-memory application: fast, no I/O."""
    return MultiStore(Settings(database_url="memory://"), clock=clock)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'multistore.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards. Fails if PostgreSQL is down."""
    schema = f"t_{uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?schema={schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each durable backend in turn."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def chain(app: MultiStore) -> MultiStore:
    build_chain(app)
    return app
