"""Audit on SQLite and PostgreSQL: replay of a durable log, a forged event, and the CLI."""

from __future__ import annotations

import pytest

from audit_support import random_history
from multistore_core import MultiStore, Settings
from multistore_core.audit.asof import replay_until
from multistore_core.audit.verify import verify
from multistore_core.cli import main
from multistore_core.domain.stock import StockItem
from multistore_core.ids import stock_item_id
from support import FakeClock


def test_a_durable_history_replays_to_what_the_write_side_said_and_verifies_clean(
    database_url: str,
) -> None:
    clock = FakeClock()
    app = MultiStore(Settings(database_url=database_url), clock=clock)
    history = random_history(app, clock, seed=21, steps=80)
    reader = MultiStore(Settings(database_url=database_url))
    for snap in history.snapshots[::4]:
        replay, cut = replay_until(reader, position=snap.position)
        assert cut == snap.position
        levels = {key: tally.level() for key, tally in replay.stock.by_key.items()}
        assert levels == snap.stock
    assert verify(reader).ok


def test_a_forged_reservation_written_to_the_store_is_found_by_verify_and_the_cli(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock()
    app = MultiStore(Settings(database_url=database_url), clock=clock)
    random_history(app, clock, seed=5, steps=30)
    item = stock_item_id("SH01", "TEA-001")
    current = app.repository.get(item)
    forged = StockItem.Reserved(
        originator_id=item,
        originator_version=current.version + 1,
        timestamp=clock.now,
        meta={"actor": "mallory"},
        order_id="FORGED-1",
        quantity=current.on_hand - current.reserved + 5,
    )
    position = app.events.put([forged])[-1].notification.id
    report = verify(MultiStore(Settings(database_url=database_url)))
    found = [v for v in report.violations if v.rule == "stock.reserved_within_on_hand"]
    assert [(v.position, v.event, v.subject) for v in found] == [
        (position, "StockItem.Reserved", "SH01/TEA-001")
    ]
    monkeypatch.setenv("MULTISTORE_DATABASE_URL", database_url)
    assert main(["audit", "verify", "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "stock.reserved_within_on_hand" in out
    assert f"{position}" in out and "violation(s)" in out
