"""Headless Chromium opens the dashboard of a real server and sees orders arrive live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from api_helpers import serving

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artefacts"
HQ_SECRET = "browser-test-hq-secret-1"
HQ = {"Authorization": f"Bearer {HQ_SECRET}"}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``multistore serve`` over a fresh SQLite file; its base URL."""
    database = f"sqlite:///{tmp_path / 'events.db'}"
    with serving(database, f"hq:{HQ_SECRET}:hq_admin", tmp_path / "server.log") as base:
        yield base


def build_chain(api: httpx2.Client) -> None:
    stores = [
        ("SH01", "east", "direct", 31.19, 121.44),
        ("GZ01", "south", "franchise", 23.1, 113.3),
    ]
    for code, region, kind, lat, lon in stores:
        body = {"code": code, "name": code, "region": region, "kind": kind,
                "latitude": lat, "longitude": lon}  # fmt: skip
        api.post("/stores", json=body).raise_for_status()
    api.post(
        "/catalog", json={"sku": "TEA-001", "name": "Jasmine tea", "base_price": "12.50"}
    ).raise_for_status()
    for code, *_ in stores:
        api.post(f"/stores/{code}/stock/TEA-001/receipts", json={"quantity": 50}).raise_for_status()
        api.put(f"/stores/{code}/stock/TEA-001/safety-stock", json={"quantity": 49})


def place(api: httpx2.Client, store: str, quantity: int) -> None:
    order = {
        "store": store,
        "fulfilment": "pickup",
        "lines": [{"sku": "TEA-001", "quantity": quantity}],
    }
    api.post("/orders", json=order).raise_for_status()


def test_the_dashboard_shows_new_orders_without_a_reload(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with httpx2.Client(base_url=server, headers=HQ) as api, sync_playwright() as playwright:
        build_chain(api)
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{server}/dashboard?key={HQ_SECRET}")
            assert "key=" not in page.url  # swapped for a cookie
            expect(page.locator("#kpi-orders")).to_have_text("0", timeout=15_000)
            expect(page.locator("#status")).to_contain_text("live")

            place(api, "SH01", 3)
            place(api, "GZ01", 2)
            place(api, "SH01", 4)
            expect(page.locator("#kpi-orders")).to_have_text("3", timeout=15_000)
            expect(page.locator("#kpi-gmv")).to_have_text("¥112.50")
            expect(page.locator("#top tr").first).to_contain_text("TEA-001")
            expect(page.locator("#alerts tr")).to_have_count(2)
            expect(page.locator("#chart rect")).to_have_count(1)
            ARTEFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTEFACTS / "dashboard.png"), full_page=True)

            page.select_option("#kind", "franchise")
            expect(page.locator("#kpi-orders")).to_have_text("1", timeout=15_000)
            expect(page.locator("#kpi-gmv")).to_have_text("¥25.00")
        finally:
            browser.close()
