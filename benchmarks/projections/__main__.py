"""Run the read-side benchmark: ``python -m benchmarks.projections [--events N]``."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg

from benchmarks.projections.lag import steady_lag
from benchmarks.projections.workload import SyntheticChain, build_log
from multistore_core import MultiStore, Settings
from multistore_core.log_reader import LogReader
from projections.database import ViewStore
from projections.rebuild import rebuild
from projections.settings import ProjectionSettings

POSTGRES_URL = os.environ.get(
    "MULTISTORE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.projections", description=__doc__)
    parser.add_argument("--events", type=int, default=200_000, help="log size for the rebuild")
    parser.add_argument("--repeat", type=int, default=3, help="rebuilds per backend")
    parser.add_argument("--rate", type=float, default=500.0, help="orders per second for lag")
    parser.add_argument("--lag-seconds", type=float, default=20.0, help="length of the lag run")
    parser.add_argument(
        "--poll-seconds",
        type=float,
        nargs="+",
        default=[ProjectionSettings().projections_poll_seconds],
        help="runner poll intervals to measure the lag with",
    )
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
        mapper_rate = head / (time.perf_counter() - started)
        started = time.perf_counter()
        LogReader(app).read(0, head)
        reader_rate = head / (time.perf_counter() - started)
        views = ViewStore(url)
        rates = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            rebuild(app, views, show_progress=False)
            rates.append(head / (time.perf_counter() - started))
            print(
                f"{backend:10} rebuild {head} events: {rates[-1]:,.0f} events/s "
                f"(load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
        views.dispose()
        app.close()
    return {
        "backend": backend,
        "events": head,
        "orders": chain.orders,
        "log_built_in_s": round(built_in, 1),
        "mapper_decode_events_per_s": round(mapper_rate),
        "log_reader_events_per_s": round(reader_rate),
        "rebuild_events_per_s": [round(rate) for rate in rates],
        "rebuild_events_per_s_median": round(statistics.median(rates)),
    }


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
        "| backend | log events | rebuild events/s (median) | runs |",
        "| --- | ---: | ---: | --- |",
    ]
    for run in report["rebuild"]:
        lines.append(
            f"| {run['backend']} | {run['events']:,} | {run['rebuild_events_per_s_median']:,} | "
            f"{', '.join(f'{r:,}' for r in run['rebuild_events_per_s'])} |"
        )
    lines += [
        "",
        "| backend | read and decode with the mapper, events/s | read with LogReader, events/s |",
        "| --- | ---: | ---: |",
    ]
    for run in report["rebuild"]:
        lines.append(
            f"| {run['backend']} | {run['mapper_decode_events_per_s']:,} | "
            f"{run['log_reader_events_per_s']:,} |"
        )
    lines += [
        "",
        "| backend | poll s | orders/s (target / achieved) | lag median ms | lag p99 ms | max ms "
        "| runner batches | read ms (median) | apply+commit ms (median / p99) |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in report["lag"]:
        lines.append(
            f"| {run['backend']} | {run['poll_seconds']} | {run['target_orders_per_s']:g} / "
            f"{run['achieved_orders_per_s']} | {run['lag_ms_median']} | {run['lag_ms_p99']} | "
            f"{run['lag_ms_max']} | {run['batches']} | {run['read_ms_median']} | "
            f"{run['apply_and_commit_ms_median']} / {run['apply_and_commit_ms_p99']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    report: dict[str, Any] = {"machine": describe_machine(), "arguments": vars(args) | {}}
    report["arguments"]["out"] = str(args.out)
    report["rebuild"] = [rebuild_rates(backend, args) for backend in args.backends]
    report["lag"] = []
    for backend in args.backends:
        for poll in args.poll_seconds:
            with fresh_database(backend) as url:
                result = steady_lag(url, backend, args.rate, args.lag_seconds, poll)
            print(
                f"{backend:10} lag at {result['achieved_orders_per_s']} orders/s, poll {poll} s: "
                f"median {result['lag_ms_median']} ms, p99 {result['lag_ms_p99']} ms",
                flush=True,
            )
            report["lag"].append(result)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (args.out / "results.md").write_text(markdown(report))
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
