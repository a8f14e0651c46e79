"""Commit-to-view lag: a writer process offers orders on an open-loop schedule, a runner follows."""

from __future__ import annotations

import bisect
import math
import statistics
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any

from eventsourcing.utils import get_topic

from benchmarks.projections.workload import SyntheticChain
from multistore_core import MultiStore, Settings
from multistore_core.context import utc_now
from multistore_core.domain.order import Order
from multistore_core.log_reader import LoggedEvent
from projections.database import ViewStore
from projections.runner import Runner

PLACED = get_topic(Order.Placed)  # type: ignore[attr-defined]
MAX_ORDERS_PER_SAVE = 100


def write_orders(url: str, rate: float, seconds: float, pipe: Connection) -> None:
    """The writer process: register a chain, then place orders on a fixed arrival schedule.

    Order k arrives at ``start + k / rate`` whether or not the previous save has finished
    (open loop); each save takes every order that has arrived (up to 100), decided on the
    chain's in-memory aggregates, in one transaction. Sends back, per save, the position of
    its last event, its commit time and how long its oldest order waited to be saved.
    """
    app = MultiStore(Settings(database_url=url))
    chain = SyntheticChain(app, stores=20, skus=20)
    chain.register()
    pipe.send("registered")
    start = pipe.recv()
    saves: list[tuple[int, float, float]] = []
    placed = 0
    total = int(rate * seconds)
    while placed < total:
        now = time.time()
        due = min(total, math.floor((now - start) * rate) + 1) - placed
        if due <= 0:
            time.sleep(start + placed / rate - now)
            continue
        due = min(due, MAX_ORDERS_PER_SAVE)
        recordings = app.save(*chain.batch(due, utc_now, lifecycle=False))
        committed = time.time()
        saves.append((recordings[-1].notification.id, committed, committed - start - placed / rate))
        placed += due
    pipe.send((saves, placed, time.time() - start))
    app.close()


def steady_lag(url: str, backend: str, rate: float, seconds: float, poll: float) -> dict[str, Any]:
    """Follow a writer process offering ``rate`` orders/s; time each order commit to view."""
    views = ViewStore(url)
    viewed: list[tuple[int, float]] = []  # (position of an Order.Placed, view commit time)
    steps: list[tuple[float, float, float]] = []  # (step began, log read, view committed)
    began = read = 0.0
    lock = threading.Lock()

    def on_batch(events: Sequence[LoggedEvent], _: datetime) -> None:
        committed = time.time()
        with lock:
            viewed.extend((e.log_position, committed) for e in events if e.log_topic == PLACED)
            steps.append((began, read, committed))

    context = get_context("spawn")
    ours, theirs = context.Pipe()
    writer = context.Process(target=write_orders, args=(url, rate, seconds, theirs))
    writer.start()
    assert ours.recv() == "registered"
    app = MultiStore(Settings(database_url=url))
    runner = Runner(app, views, poll_seconds=poll, on_batch=on_batch)
    runner.catch_up()
    read_log, step = runner.reader.read, runner.step

    def timed_read(*args: Any) -> Any:
        nonlocal read
        result = read_log(*args)
        read = time.time()
        return result

    def timed_step() -> int:
        nonlocal began
        began = time.time()
        return step()

    runner.reader.read = timed_read  # type: ignore[method-assign]
    runner.step = timed_step  # type: ignore[method-assign]
    thread = runner.start()
    ours.send(time.time() + 0.2)
    saves, orders, elapsed = ours.recv()
    writer.join()
    deadline = time.monotonic() + 30
    while runner.position < app.log_position() and time.monotonic() < deadline:
        time.sleep(0.01)
    thread.stop()
    views.dispose()
    app.close()
    return summarise(backend, rate, poll, saves, orders, elapsed, viewed, steps)


def summarise(
    backend: str,
    rate: float,
    poll: float,
    saves: list[tuple[int, float, float]],
    orders: int,
    elapsed: float,
    viewed: list[tuple[int, float]],
    steps: list[tuple[float, float, float]],
) -> dict[str, Any]:
    """Per order: view commit minus the commit of the save that held it, in ms."""
    ends = [position for position, _, _ in saves]
    lags = sorted(
        (at - saves[bisect.bisect_left(ends, position)][1]) * 1000 for position, at in viewed
    )
    busy = [(read - began, committed - read) for began, read, committed in steps if began]
    return {
        "backend": backend,
        "target_orders_per_s": rate,
        "achieved_orders_per_s": round(orders / elapsed, 1),
        "orders": orders,
        "samples": len(lags),
        "saves": len(saves),
        "poll_seconds": poll,
        "save_delay_ms_p99": percentile(sorted(s[2] * 1000 for s in saves), 0.99),
        "lag_ms_median": percentile(lags, 0.5),
        "lag_ms_p99": percentile(lags, 0.99),
        "lag_ms_max": round(lags[-1], 1) if lags else None,
        "batches": len(steps),
        "read_ms_median": percentile(sorted(b[0] * 1000 for b in busy), 0.5),
        "apply_and_commit_ms_median": percentile(sorted(b[1] * 1000 for b in busy), 0.5),
        "apply_and_commit_ms_p99": percentile(sorted(b[1] * 1000 for b in busy), 0.99),
    }


def percentile(ordered: list[float], share: float) -> float | None:
    if not ordered:
        return None
    if share == 0.5:
        return round(statistics.median(ordered), 1)
    return round(ordered[int(share * (len(ordered) - 1))], 1)
