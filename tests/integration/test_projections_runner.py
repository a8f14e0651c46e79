"""The runner on SQLite and PostgreSQL: exactly once across a real kill, rebuilds, wake-ups."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from multistore_core import MultiStore, Settings
from multistore_core import commands as c
from projection_support import add_joint_venture, dump, random_history
from projections.database import ViewStore
from projections.queries import ViewQueries, ViewsBehind
from projections.rebuild import REBUILD_BATCH, rebuild
from projections.runner import Runner
from support import FakeClock, build_chain


@pytest.fixture(autouse=True)
def _close_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close every application and view store a test opens, so no connection is left open."""
    opened: list[MultiStore | ViewStore] = []
    for cls in (MultiStore, ViewStore):
        original = cls.__init__

        def init(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> None:
            __original(self, *args, **kwargs)
            opened.append(self)

        monkeypatch.setattr(cls, "__init__", init)
    yield
    for resource in reversed(opened):
        if isinstance(resource, ViewStore):
            resource.dispose()
        else:
            resource.close()


def chain_on(url: str, steps: int, seed: int = 7) -> tuple[MultiStore, FakeClock]:
    clock = FakeClock()
    app = MultiStore(Settings(database_url=url), clock=clock)
    build_chain(app)
    add_joint_venture(app)
    random_history(app, clock, random.Random(seed), steps)
    return app, clock


def fresh_replay(app: MultiStore, tmp_path: Path) -> ViewStore:
    views = ViewStore(f"sqlite:///{tmp_path / 'replay.db'}")
    Runner(app, views).catch_up()
    return views


def wait_for(condition: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_runner_killed_mid_stream_resumes_to_the_views_of_a_fresh_replay(
    database_url: str, tmp_path: Path
) -> None:
    app, clock = chain_on(database_url, steps=250)
    views = ViewStore(database_url)
    head = app.log_position()
    env = {
        **os.environ,
        "MULTISTORE_DATABASE_URL": database_url,
        "MULTISTORE_PROJECTIONS_BATCH_SIZE": "3",
        "MULTISTORE_PROJECTIONS_POLL_SECONDS": "0.05",
    }
    runner = subprocess.Popen(
        [sys.executable, "-m", "multistore_core.cli", "projections", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: views.create([]) or min(views.positions().values(), default=0) > 0)
        runner.send_signal(signal.SIGKILL)
        runner.wait(10)
    finally:
        runner.kill()
    killed_at = min(views.positions().values())
    assert 0 < killed_at < head, "the kill must land while the runner is part way through"
    random_history(app, clock, random.Random(8), 100)
    Runner(app, views).catch_up()
    assert dump(views) == dump(fresh_replay(app, tmp_path))


@pytest.mark.parametrize("batch_size", [REBUILD_BATCH, 40])
def test_a_rebuilt_view_equals_the_live_view_after_a_long_random_history(
    database_url: str, batch_size: int
) -> None:
    app, clock = chain_on(database_url, steps=50)
    views = ViewStore(database_url)
    live = Runner(app, views, batch_size=7, poll_seconds=0.01).start()
    try:
        random_history(app, clock, random.Random(9), 600)
        ViewQueries(views, app.log_position).wait_until(app.log_position(), timeout=30)
    finally:
        live.stop()
    before = dump(views)
    assert before["view_orders"], "the history placed orders"
    rebuild(app, views, batch_size=batch_size, show_progress=False)
    assert dump(views) == before


@pytest.mark.postgres
def test_two_runners_on_one_postgres_database_never_apply_an_event_twice(
    postgres_url: str, tmp_path: Path
) -> None:
    app, clock = chain_on(postgres_url, steps=50)
    views = ViewStore(postgres_url)
    runners = [
        Runner(app, views, batch_size=5, poll_seconds=0.01).start(),
        Runner(app, views, batch_size=11, poll_seconds=0.01).start(),
    ]
    try:
        random_history(app, clock, random.Random(10), 300)
        ViewQueries(views, app.log_position).wait_until(app.log_position(), timeout=30)
    finally:
        for runner in runners:
            runner.stop()
    assert all(runner.runner.last_error is None for runner in runners)
    assert dump(views) == dump(fresh_replay(app, tmp_path))


@pytest.mark.postgres
def test_on_postgres_the_runner_wakes_on_notify_before_its_poll_is_due(
    postgres_url: str,
) -> None:
    app = MultiStore(Settings(database_url=postgres_url))
    build_chain(app)
    views = ViewStore(postgres_url)
    runner = Runner(app, views, poll_seconds=60)
    runner.catch_up()
    thread = runner.start()
    try:
        time.sleep(0.3)  # let it fall asleep on LISTEN
        receipt = app.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=1))
        ViewQueries(views, app.log_position).wait_until(receipt.position, timeout=10)
    finally:
        thread.stop()


def test_wait_until_returns_once_the_views_reach_a_commands_position(database_url: str) -> None:
    app = MultiStore(Settings(database_url=database_url))
    build_chain(app)
    views = ViewStore(database_url)
    queries = ViewQueries(views, app.log_position)
    thread = Runner(app, views, poll_seconds=0.01).start()
    try:
        level = app.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=5))
        queries.wait_until(level.position, timeout=10)
        row = queries.stock_for("SH01", "TEA-001")
        assert row is not None and row.on_hand == 15
    finally:
        thread.stop()


def test_waiting_for_a_position_no_runner_reaches_times_out_naming_the_views_behind(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    app = MultiStore(Settings(database_url=url))
    build_chain(app)
    views = ViewStore(url)
    Runner(app, views).catch_up()
    level = app.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=5))
    with pytest.raises(ViewsBehind, match=rf"position {level.position} within 0.1s: .*stock at"):
        ViewQueries(views, app.log_position).wait_until(level.position, timeout=0.1)


def test_lag_reports_each_views_position_the_head_and_the_time_to_view(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    app = MultiStore(Settings(database_url=url))
    build_chain(app)
    views = ViewStore(url)
    Runner(app, views).catch_up()
    app.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=5))
    lags = {lag.name: lag for lag in ViewQueries(views, app.log_position).lag()}
    assert set(lags) == {"stores", "stock", "sales", "members", "transfers"}
    stock = lags["stock"]
    assert (stock.head - stock.position, stock.behind) == (1, 1)
    assert stock.commit_to_view is not None and stock.commit_to_view.total_seconds() >= 0


def test_a_failing_batch_commits_nothing_and_the_next_run_applies_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    app = MultiStore(Settings(database_url=url))
    build_chain(app)
    views = ViewStore(url)
    runner = Runner(app, views)
    stock = next(p for p in runner.projections if p.name == "stock")
    boom = threading.Event()

    def failing_flush() -> None:
        boom.set()
        raise RuntimeError("disk full")

    monkeypatch.setattr(stock, "flush", failing_flush)
    with pytest.raises(RuntimeError, match="disk full"):
        runner.step()
    assert boom.is_set() and views.positions()["stores"] == 0
    monkeypatch.undo()
    runner.catch_up()
    row = ViewQueries(views, app.log_position).stock_for("SH01", "TEA-001")
    assert row is not None and row.on_hand == 10
    assert dump(views) == dump(fresh_replay(app, tmp_path))
