"""Run the oversell benchmark: ``python -m benchmarks.oversell [--quick]``; exit 1 on oversell."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.oversell.approaches import (
    CORE_APPROACHES,
    POSTGRES_URL,
    SQL_APPROACHES,
    fresh_database,
    open_approach,
)
from benchmarks.oversell.load import closed_loop, open_loop, summarise
from benchmarks.oversell.report import headline, write
from benchmarks.oversell.scenarios import SCENARIOS

EXPECTED_TO_OVERSELL = {"naive-crud"}
# The scenario also run with demand within every item's stock: throughput without contention.
WITHIN_STOCK_SCENARIO = "spread-1000"


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.oversell", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small stock, short cells, 1 repeat")
    parser.add_argument("--backends", nargs="+", default=["postgresql", "sqlite"])
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument(
        "--approaches",
        nargs="+",
        default=[*SQL_APPROACHES, *CORE_APPROACHES],
        choices=[*SQL_APPROACHES, *CORE_APPROACHES],
    )
    parser.add_argument("--clients", nargs="+", type=int, default=None)
    parser.add_argument("--duration", type=float, default=None, help="cap per cell, seconds")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions at top concurrency")
    parser.add_argument("--scale", type=float, default=None, help="fraction of the full stock")
    parser.add_argument("--rate", type=float, default=None, help="open-loop arrivals per second")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/oversell/results"))
    args = parser.parse_args(argv)
    quick = args.quick
    args.clients = args.clients or ([1, 16, 64] if quick else [1, 4, 16, 64])
    args.duration = args.duration or (1.0 if quick else 4.0)
    args.repeat = args.repeat or (1 if quick else 3)
    args.scale = args.scale or (0.25 if quick else 1.0)
    args.rate = args.rate or (400.0 if quick else 800.0)
    return args


def describe_machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    with psycopg.connect(POSTGRES_URL) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        sync = conn.execute("SHOW synchronous_commit").fetchone()[0]  # type: ignore[index]
    cores = os.cpu_count()
    return {
        "description": f"{platform.node()}: {cores} cores {cpu}, PostgreSQL {server} "
        f"(synchronous_commit {sync}), Python {platform.python_version()}, "
        f"eventsourcing {version('eventsourcing')}",
        "host": platform.node(),
        "cores": cores,
        "cpu": cpu,
        "postgres": server,
        "synchronous_commit": sync,
        "load_average_at_start": os.getloadavg(),
    }


def one_run(
    backend: str,
    scenario_name: str,
    approach: str,
    clients: int,
    args: argparse.Namespace,
    repetition: int,
    rate: float | None = None,
    within_stock: bool = False,
) -> dict[str, Any]:
    """Set up a fresh database, drive the load, check the outcome from the database."""
    scenario = SCENARIOS[scenario_name].scaled(args.scale)
    seed = repetition * 1000 + clients
    purchases = scenario.purchases_within_stock(seed) if within_stock else scenario.purchases(seed)
    with fresh_database(backend) as url, open_approach(approach, url, scenario, clients) as sut:
        if rate is None:
            logs, elapsed = closed_loop(sut.place, purchases, clients, args.duration)
        else:
            logs, elapsed = open_loop(sut.place, purchases, clients, rate, args.duration)
        stats = summarise(logs, elapsed, sut.conflicts())
        check = sut.check(stats["accepted"], stats["accepted_units"])
    run = {
        "mode": "open" if rate is not None else "within-stock" if within_stock else "closed",
        "backend": backend,
        "scenario": scenario_name,
        "approach": approach,
        "clients": clients,
        "rate": rate,
        "repetition": repetition,
        "stock_units": scenario.units_per_item * len(scenario.items()),
        **stats,
        "check": check,
    }
    status = "OVERSOLD" if check["oversold_units"] or check["problems"] else "ok"
    print(
        f"{run['mode']:12} {backend:10} {scenario_name:11} {approach:10} c={clients:<3} "
        f"acc/s={stats['accepted_per_s']:>8} p99={stats['p99_ms']:>8}ms "
        f"conf/acc={stats['conflicts_per_accepted']:<6} failed={stats['failed']} {status}",
        flush=True,
    )
    return run


def plan(args: argparse.Namespace) -> list[tuple[str, str, str, int, int]]:
    """Every closed-loop cell, repetitions interleaved so drift on a shared machine hits all."""
    cells = []
    top = max(args.clients)
    for backend in args.backends:
        approaches = [
            a for a in args.approaches if backend == "postgresql" or a not in SQL_APPROACHES
        ]
        for scenario in args.scenarios:
            for clients in args.clients:
                for repetition in range(args.repeat if clients == top else 1):
                    cells += [(backend, scenario, a, clients, repetition) for a in approaches]
    return cells


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    report: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(
            ["python -m benchmarks.oversell", *(sys.argv[1:] if argv is None else argv)]
        ),
        "machine": describe_machine(),
        "plan": {
            key: getattr(args, key)
            for key in (
                "backends",
                "scenarios",
                "approaches",
                "clients",
                "duration",
                "repeat",
                "scale",
                "rate",
            )
        },
        "runs": [],
    }
    report["plan"]["duration_s"] = args.duration
    for backend, scenario, approach, clients, repetition in plan(args):
        report["runs"].append(one_run(backend, scenario, approach, clients, args, repetition))
    if WITHIN_STOCK_SCENARIO in args.scenarios and "postgresql" in args.backends:
        for repetition in range(args.repeat):
            for approach in args.approaches:
                report["runs"].append(
                    one_run(
                        "postgresql",
                        WITHIN_STOCK_SCENARIO,
                        approach,
                        max(args.clients),
                        args,
                        repetition,
                        within_stock=True,
                    )
                )
    for backend in args.backends:
        for approach in args.approaches:
            if backend == "postgresql" or approach not in SQL_APPROACHES:
                report["runs"].append(
                    one_run(
                        backend,
                        args.scenarios[0],
                        approach,
                        max(args.clients),
                        args,
                        0,
                        rate=args.rate,
                    )
                )
    report["machine"]["load_average_at_end"] = os.getloadavg()
    report["wall_clock_s"] = time.perf_counter() - started
    report["headline"] = headline(report["runs"])
    report["headline_within_stock"] = headline(report["runs"], mode="within-stock")
    failures = [
        run
        for run in report["runs"]
        if run["approach"] not in EXPECTED_TO_OVERSELL
        and (run["check"]["oversold_units"] or run["check"]["problems"])
    ]
    report["failures"] = len(failures)
    paths = write(report, args.out)
    print("wrote " + ", ".join(str(path) for path in paths.values()))
    for run in failures:
        print(
            f"OVERSOLD or inconsistent: {run['backend']} {run['scenario']} {run['approach']} "
            f"c={run['clients']}: {run['check']}",
            file=sys.stderr,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
