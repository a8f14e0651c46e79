"""API fixtures: the test chain and its views behind a TestClient."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_helpers import key_ring
from fastapi.testclient import TestClient

from api.app import create_app
from multistore_core import MultiStore
from projections.database import ViewStore
from projections.queries import ViewQueries
from projections.runner import Runner
from projections.settings import MEMORY_VIEWS_URL


@pytest.fixture
def runner(chain: MultiStore) -> Iterator[Runner]:
    """A projections runner over the test chain, into in-memory views (not started)."""
    view_store = ViewStore(MEMORY_VIEWS_URL)
    yield Runner(chain, view_store, poll_seconds=0.01)
    view_store.dispose()


@pytest.fixture
def views(chain: MultiStore, runner: Runner) -> ViewQueries:
    return ViewQueries(runner.views, chain.log_position)


@pytest.fixture
def client(chain: MultiStore, views: ViewQueries) -> TestClient:
    """The API over the test chain (2 stores x 2 SKUs x 10 units) and its views."""
    return TestClient(create_app(chain, key_ring(), views))


@pytest.fixture
def following(runner: Runner) -> Iterator[Runner]:
    """The runner following the log in a background thread for the length of a test."""
    thread = runner.start()
    yield runner
    thread.stop()
