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
from projections.database import ViewStore
from projections.runner import Runner
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


def test_every_audit_command_answers_from_a_sqlite_log(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock()
    app = MultiStore(Settings(database_url=sqlite_url), clock=clock)
    history = random_history(app, clock, seed=3, steps=60)
    order = sorted(history.orders)[0]
    monkeypatch.setenv("MULTISTORE_DATABASE_URL", sqlite_url)
    level = app.stock_level("SH01", "TEA-001")

    assert main(["audit", "ledger", "SH01", "TEA-001", "--format", "csv"]) == 0
    last = capsys.readouterr().out.splitlines()[-1].split(",")
    assert last[5:8] == [str(level.on_hand), str(level.reserved), str(level.available)]
    assert main(["audit", "stock", "SH01", "--sku", "TEA-001"]) == 0
    assert f"│ {level.on_hand} " in capsys.readouterr().out
    assert main(["audit", "order", order, "--position", "40"]) in (0, 2)
    assert main(["audit", "order", order]) == 0
    assert order in capsys.readouterr().out
    assert main(["audit", "member", "M1", "--at", clock.now.isoformat()]) == 0
    assert main(["audit", "activity", "alice", "--format", "jsonl"]) == 0
    assert '"actor": "alice"' in capsys.readouterr().out
    if history.transfers:
        assert main(["audit", "transfer", history.transfers[0]]) == 0
    assert main(["audit", "verify"]) == 0
    assert "no violations" in capsys.readouterr().out
    assert main(["audit", "order", "NO-SUCH-ORDER"]) == 2
    assert "no order 'NO-SUCH-ORDER'" in capsys.readouterr().err
    views = ViewStore(sqlite_url)
    Runner(app, views).catch_up()
    views.dispose()
    assert main(["audit", "drift"]) == 0
    assert f"stock: 4 row(s) compared at log position {app.log_position()}" in (
        capsys.readouterr().out
    )
