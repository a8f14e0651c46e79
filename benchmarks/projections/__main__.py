"""Run the read-side benchmark: ``python -m benchmarks.projections [--events N]``."""

from __future__ import annotations

import argparse
import bisect
import json
import os
import platform
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
from eventsourcing.utils import get_topic

from benchmarks.projections.workload import SyntheticChain, build_log
from multistore_core import MultiStore, Settings
from multistore_core.context import utc_now
from multistore_core.domain.order import Order
from multistore_core.log_reader import LoggedEvent
from projections.database import ViewStore
from projections.rebuild import rebuild
from projections.runner import Runner
from projections.settings import ProjectionSettings

POSTGRES_URL = os.environ.get(
    "MULTISTORE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PLACED = get_topic(Order.Placed)  # type: ignore[attr-defined]


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.projections", description=__doc__)
    parser.add_argument("--events", type=int, default=200_000, help="log size for the rebuild")
    parser.add_argument("--repeat", type=int, default=3, help="rebuilds per backend")
    parser.add_argument("--rate", type=float, default=500.0, help="orders per second for lag")
    parser.add_argument("--lag-seconds", type=float, default=20.0, help="length of the lag run")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/projections/results"))
    return parser.parse_args(argv)


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """An empty SQLite file or PostgreSQL schema, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    schema = f"bench_{uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?schema={schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def rebuild_rates(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Build a log of ``args.events`` events, then rebuild every view from it several times."""
    with fresh_database(backend) as url:
        app = MultiStore(Settings(database_url=url))
        chain = SyntheticChain(app)
        started = time.perf_counter()
        chain.register()
        head = build_log(app, chain, args.events)
        built_in = time.perf_counter() - started
        started = time.perf_counter()
        for notification in app.recorder.select_notifications(1, head):
            app.mapper.to_domain_event(notification)
        decode_rate = head / (time.perf_counter() - started)
        views = ViewStore(url)
        rates = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            rebuild(app, views, show_progress=False)
            rates.append(head / (time.perf_counter() - started))
            print(f"{backend:10} rebuild {head} events: {rates[-1]:,.0f} events/s", flush=True)
        views.dispose()
        app.close()
    return {
        "backend": backend,
        "events": head,
        "orders": chain.orders,
        "log_built_in_s": round(built_in, 1),
        "read_and_decode_events_per_s": round(decode_rate),
        "rebuild_events_per_s": [round(rate) for rate in rates],
        "rebuild_events_per_s_median": round(statistics.median(rates)),
    }


def steady_lag(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Save orders at a steady rate while a runner follows; time each from commit to view."""
    options = ProjectionSettings()
    with fresh_database(backend) as url:
        app = MultiStore(Settings(database_url=url))
        chain = SyntheticChain(app, stores=20, skus=20)
        chain.register()
        views = ViewStore(url)
        commits: list[tuple[int, datetime]] = []
        lags: list[float] = []
        lock = threading.Lock()

        def record(events: Sequence[LoggedEvent], viewed_at: datetime) -> None:
            with lock:
                ends = [position for position, _ in commits]
                for event in events:
                    if event.log_topic == PLACED:
                        committed = commits[bisect.bisect_left(ends, event.log_position)][1]
                        lags.append((viewed_at - committed).total_seconds() * 1000)

        runner = Runner(
            app,
            views,
            batch_size=options.projections_batch_size,
            poll_seconds=options.projections_poll_seconds,
            on_batch=record,
        )
        runner.catch_up()
        thread = runner.start()
        tick, per_tick = 0.02, max(1, round(args.rate * 0.02))
        started = time.perf_counter()
        next_tick, orders = started, 0
        while time.perf_counter() - started < args.lag_seconds:
            recordings = app.save(*chain.batch(per_tick, utc_now, lifecycle=False))
            with lock:
                commits.append((recordings[-1].notification.id, utc_now()))
            orders += per_tick
            next_tick += tick
            time.sleep(max(0.0, next_tick - time.perf_counter()))
        elapsed = time.perf_counter() - started
        runner_deadline = time.monotonic() + 30
        while runner.position < app.log_position() and time.monotonic() < runner_deadline:
            time.sleep(0.01)
        thread.stop()
        views.dispose()
        app.close()
    lags.sort()
    result = {
        "backend": backend,
        "target_orders_per_s": args.rate,
        "achieved_orders_per_s": round(orders / elapsed, 1),
        "orders": orders,
        "samples": len(lags),
        "poll_seconds": options.projections_poll_seconds,
        "batch_size": options.projections_batch_size,
        "lag_ms_median": round(statistics.median(lags), 1) if lags else None,
        "lag_ms_p99": round(lags[int(0.99 * (len(lags) - 1))], 1) if lags else None,
        "lag_ms_max": round(lags[-1], 1) if lags else None,
    }
    print(
        f"{backend:10} lag at {result['achieved_orders_per_s']} orders/s: "
        f"median {result['lag_ms_median']} ms, p99 {result['lag_ms_p99']} ms",
        flush=True,
    )
    return result


def describe_machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "description": f"{os.cpu_count()} cores (shared) {cpu}, Python "
        f"{platform.python_version()}, eventsourcing {version('eventsourcing')}, "
        f"SQLAlchemy {version('sqlalchemy')}",
        "load_average_at_start": os.getloadavg(),
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Read-side benchmark",
        "",
        f"Machine: {report['machine']['description']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in report['machine']['load_average_at_start'])}.",
        "",
        "| backend | log events | rebuild events/s (median) | runs | read+decode only events/s |",
        "| --- | ---: | ---: | --- | ---: |",
    ]
    for run in report["rebuild"]:
        lines.append(
            f"| {run['backend']} | {run['events']:,} | {run['rebuild_events_per_s_median']:,} | "
            f"{', '.join(f'{r:,}' for r in run['rebuild_events_per_s'])} | "
            f"{run['read_and_decode_events_per_s']:,} |"
        )
    lines += [
        "",
        "| backend | orders/s (target / achieved) | lag median ms | lag p99 ms | max ms | poll s |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for run in report["lag"]:
        lines.append(
            f"| {run['backend']} | {run['target_orders_per_s']:g} / "
            f"{run['achieved_orders_per_s']} | {run['lag_ms_median']} | {run['lag_ms_p99']} | "
            f"{run['lag_ms_max']} | {run['poll_seconds']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    report: dict[str, Any] = {"machine": describe_machine(), "arguments": vars(args) | {}}
    report["arguments"]["out"] = str(args.out)
    report["rebuild"] = [rebuild_rates(backend, args) for backend in args.backends]
    report["lag"] = [steady_lag(backend, args) for backend in args.backends]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (args.out / "results.md").write_text(markdown(report))
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
