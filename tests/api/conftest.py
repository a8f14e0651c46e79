"""API fixtures: the test chain behind a TestClient."""

from __future__ import annotations

import pytest
from api_helpers import key_ring
from fastapi.testclient import TestClient

from api.app import create_app
from multistore_core import MultiStore


@pytest.fixture
def client(chain: MultiStore) -> TestClient:
    """The API over the test chain (2 stores x 2 SKUs x 10 units), no views."""
    return TestClient(create_app(chain, key_ring()))
