"""Verify rate in events/s over a large log, on SQLite and PostgreSQL: JSON + markdown report.

The log is built through the domain aggregates themselves (same rules, same events), kept in
memory and saved a few thousand events per ``save`` call: no command re-reads an aggregate,
so building 200,000 events takes seconds instead of hours of per-command replays.

    python -m benchmarks.audit.verify_rate --events 200000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import psycopg

from multistore_core import CommandContext, MultiStore, Settings
from multistore_core.audit.verify import verify
from multistore_core.context import issuing
from multistore_core.domain.base import Entity
from multistore_core.domain.catalog import CatalogItem
from multistore_core.domain.order import Order
from multistore_core.domain.stock import StockItem
from multistore_core.domain.store import Store

POSTGRES_URL = os.environ.get(
    "MULTISTORE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
RESULTS = Path(__file__).parent / "results"
DOCS = Path(__file__).parents[2] / "docs" / "benchmarks.md"


class StepClock:
    """A clock one second further on at every call."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def build_log(app: MultiStore, events: int, seed: int = 1, batch: int = 4000) -> int:
    """Write at least ``events`` events of a busy chain; return the log position."""
    rng = random.Random(seed)
    clock = StepClock()
    stores = [f"S{n:03d}" for n in range(20)]
    skus = [f"SKU-{n:03d}" for n in range(50)]
    dirty: dict[int, Entity] = {}
    open_orders: list[tuple[Order, list[StockItem]]] = []
    written = 0

    def touch(*aggregates: Entity) -> None:
        nonlocal written
        for aggregate in aggregates:
            dirty[id(aggregate)] = aggregate
        if sum(len(a.pending_events) for a in dirty.values()) >= batch:
            written += sum(len(a.pending_events) for a in dirty.values())
            app.save(*dirty.values())
            dirty.clear()

    with issuing("BenchmarkLoad", CommandContext(actor="loader", role="hq_admin"), clock):
        for code in stores:
            touch(Store(code, code, "east", "direct", 31.0, 121.0, Decimal(0), 5.0))
        for sku in skus:
            touch(CatalogItem(sku, sku, Decimal("9.90"), {}, None))
        items = {(s, k): StockItem(s, k) for s in stores for k in skus}
        for item in items.values():
            item.receive(1000, "opening")
            touch(item)
        number = 0
        while written + sum(len(a.pending_events) for a in dirty.values()) < events:
            roll = rng.random()
            if roll < 0.45 or not open_orders:
                number += 1
                store = rng.choice(stores)
                lines = [
                    {"sku": sku, "quantity": rng.randint(1, 3), "unit_price": Decimal("9.90")}
                    for sku in rng.sample(skus, rng.randint(1, 3))
                ]
                picked = [items[(store, line["sku"])] for line in lines]
                if any(
                    i.available < line["quantity"] for i, line in zip(picked, lines, strict=True)
                ):
                    for item in picked:
                        item.receive(500, "replenish")
                for item, line in zip(picked, lines, strict=True):
                    item.reserve(f"B-{number}", line["quantity"])
                order = Order.place(
                    f"B-{number}",
                    store,
                    "east",
                    "direct",
                    "pickup",
                    None,
                    lines,
                    sum((Decimal("9.90") * line["quantity"] for line in lines), Decimal(0)),
                    clock.now + timedelta(minutes=30),
                )
                open_orders.append((order, picked))
                touch(order, *picked)
            else:
                order, picked = open_orders.pop(rng.randrange(len(open_orders)))
                if roll < 0.85:
                    order.pay(order.amount_due, "pay")
                    order.fulfil()
                    order.complete()
                    for item in picked:
                        item.sell(order.order_ref)
                elif roll < 0.97:
                    order.cancel("changed mind")
                    for item in picked:
                        item.release(order.order_ref, "cancelled")
                else:
                    item = picked[0]
                    item.count(max(item.reserved, item.on_hand - rng.randint(0, 3)), "cycle count")
                    open_orders.append((order, picked))
                touch(order, *picked)
        app.save(*dirty.values())
    return app.log_position()


def measure(url: str, events: int, runs: int) -> dict[str, object]:
    app = MultiStore(Settings(database_url=url))
    started = time.perf_counter()
    position = build_log(app, events)
    build_seconds = time.perf_counter() - started
    rates, seconds = [], []
    for _ in range(runs):
        report = verify(MultiStore(Settings(database_url=url)))
        assert report.ok, report.violations[:5]
        assert report.events == position
        rates.append(report.rate)
        seconds.append(report.seconds)
    return {
        "events": position,
        "build_seconds": round(build_seconds, 2),
        "build_events_per_second": round(position / build_seconds),
        "verify_seconds": [round(s, 2) for s in seconds],
        "verify_events_per_second": [round(r) for r in rates],
        "median_events_per_second": round(statistics.median(rates)),
    }


def machine() -> dict[str, object]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def run(events: int, runs: int, backends: list[str]) -> dict[str, object]:
    report: dict[str, object] = {"machine": machine(), "runs": runs}
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as folder:
            report["sqlite"] = measure(f"sqlite:///{folder}/audit.db", events, runs)
    if "postgres" in backends:
        schema = f"bench_{uuid4().hex[:10]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        try:
            report["postgres"] = measure(f"{POSTGRES_URL}?schema={schema}", events, runs)
        finally:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return report


def markdown(report: dict[str, object]) -> str:
    box = report["machine"]
    assert isinstance(box, dict)
    lines = [
        "## Audit: verify rate",
        "",
        "Run: `python -m benchmarks.audit.verify_rate` (200,000 events on SQLite and PostgreSQL,"
        " three verify runs each; about 6 minutes). Results: `benchmarks/audit/results/`.",
        "",
        "What is timed: `verify()` from a fresh application object over the whole log. It reads"
        " the notifications in pages, decodes each payload, checks every rule at every event,"
        " then checks each order and transfer at the end. The log is built through the domain"
        " aggregates themselves (20 stores x 50 SKUs; orders placed, paid, completed or"
        " cancelled; stocktakes). The aggregates stay in memory and are saved about 4,000 events"
        " per `save` call, so no command replays an aggregate before it changes it. The build"
        " time is shown but is not what is measured. Aim: 20,000 events/s or more.",
        "",
        f"Machine: {box['cpu']}, {box['cores']} cores, Python {box['python']},"
        f" load average at start {box['load_average_at_start']} (the machine is shared).",
        "",
        "| backend | events | build (s) | verify runs (events/s) | median events/s |",
        "| --- | ---: | ---: | --- | ---: |",
    ]
    for backend in ("sqlite", "postgres"):
        row = report.get(backend)
        if isinstance(row, dict):
            lines.append(
                f"| {backend} | {row['events']:,} | {row['build_seconds']} |"
                f" {', '.join(f'{r:,}' for r in row['verify_events_per_second'])} |"
                f" {row['median_events_per_second']:,} |"
            )
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Put ``section`` between the audit markers of ``path`` (appended when absent)."""
    start, end = "<!-- audit:start -->", "<!-- audit:end -->"
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    block = f"{start}\n{section}{end}\n"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) + 1 :]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    report = run(args.events, args.runs, args.backend or ["sqlite", "postgres"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "verify_rate.json").write_text(json.dumps(report, indent=2) + "\n")
    section = markdown(report)
    (RESULTS / "verify_rate.md").write_text(section)
    write_section(DOCS, section)
    print(section)


if __name__ == "__main__":
    main()
