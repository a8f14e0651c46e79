"""Run the routing benchmark: ``python -m benchmarks.routing`` (routing decisions per second)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from benchmarks.oversell.__main__ import describe_machine
from benchmarks.oversell.approaches import fresh_database
from benchmarks.routing.chain import Chain, build_chain, load_views, orders
from benchmarks.routing.report import write
from multistore_core.routing import Route, RouteRequest, RoutingRules, StoreStock, choose
from projections.database import ViewStore
from projections.stock_source import ViewStockSource

SCENARIOS = ("pickup", "delivery", "ship", "split")
POLICIES = ("nearest", "most_stock", "priority")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.routing", description=__doc__)
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument("--skus", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=500, help="orders per scenario and run")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--policies", nargs="+", default=list(POLICIES), choices=POLICIES)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/routing/results"))
    return parser.parse_args(argv)


def rules_for(policy: str, chain: Chain) -> RoutingRules:
    """The policy's rules; the priority policy lists each city's first three shops."""
    if policy != "priority":
        return RoutingRules(policy=policy)  # type: ignore[arg-type]
    lists: dict[str, list[str]] = {}
    for store in chain.stores:
        if store.kind != "warehouse" and len(lists.setdefault(store.region, [])) < 3:
            lists[store.region].append(store.code)
    return RoutingRules(policy="priority", priority=lists)


def timed(
    decide: Callable[[RouteRequest], Route | None], requests: list[RouteRequest]
) -> dict[str, Any]:
    """Decide every request in turn: decisions per second, latency percentiles, outcomes."""
    latencies = []
    outcomes: Counter[str] = Counter()
    started = time.perf_counter()
    for request in requests:
        begin = time.perf_counter()
        route = decide(request)
        latencies.append(time.perf_counter() - begin)
        outcomes["none" if route is None else "split" if len(route.parts) > 1 else "single"] += 1
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "decisions": len(requests),
        "elapsed_s": round(elapsed, 4),
        "decisions_per_s": round(len(requests) / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 3),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 3),
        "outcomes": dict(outcomes),
    }


@contextmanager
def view_sources(chain: Chain, backends: Sequence[str]) -> Iterator[dict[str, ViewStockSource]]:
    """The chain loaded into fresh view databases, one per backend, as stock sources."""
    with ExitStack() as stack:
        sources = {}
        for backend in backends:
            views = ViewStore(stack.enter_context(fresh_database(backend)))
            stack.callback(views.dispose)
            rows = load_views(chain, views)
            if views.is_postgres:
                with views.transaction() as connection:
                    connection.execute(text("ANALYZE"))
            print(f"loaded {len(chain.stores)} stores and {rows} stock rows into {backend} views")
            sources[backend] = ViewStockSource(views)
        yield sources


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    chain = build_chain(args.stores, args.skus)
    report: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(
            ["python -m benchmarks.routing", *(sys.argv[1:] if argv is None else argv)]
        ),
        "machine": describe_machine(),
        "plan": {
            k: getattr(args, k)
            for k in ("stores", "skus", "orders", "repeat", "scenarios", "policies", "backends")
        },
        "chain": {
            "stores": len(chain.stores),
            "warehouses": sum(s.kind == "warehouse" for s in chain.stores),
            "closed": sum(not s.is_open for s in chain.stores),
            "skus": len(chain.skus),
            "stock_rows": sum(len(s.available) for s in chain.stores),
        },
        "runs": [],
    }
    with view_sources(chain, args.backends) as sources:
        for repetition in range(args.repeat):
            for scenario in args.scenarios:
                requests = orders(
                    chain, scenario, args.orders, seed=repetition * 100 + len(scenario)
                )
                snapshots = {id(r): chain.snapshot(list(r.lines)) for r in requests}
                for policy in args.policies:
                    rules = rules_for(policy, chain)
                    cells: list[tuple[str, Callable[[RouteRequest], Route | None]]] = [
                        ("in memory", lambda r, k=rules, m=snapshots: choose(r, m[id(r)], k))
                    ]
                    if policy == "nearest":
                        cells += [
                            (
                                f"{backend} view",
                                lambda r, s=source, k=rules: choose(r, _stock(s, r), k),
                            )
                            for backend, source in sources.items()
                        ]
                    for source_name, decide in cells:
                        run = {"repetition": repetition, "scenario": scenario, "policy": policy,
                               "source": source_name, **timed(decide, requests)}  # fmt: skip
                        report["runs"].append(run)
                        print(
                            f"rep {repetition} {scenario:8} {policy:10} {source_name:16} "
                            f"{run['decisions_per_s']:>9}/s p50={run['p50_ms']}ms "
                            f"p99={run['p99_ms']}ms {run['outcomes']}",
                            flush=True,
                        )
    report["machine"]["load_average_at_end"] = os.getloadavg()
    report["wall_clock_s"] = round(time.perf_counter() - started, 1)
    paths = write(report, args.out)
    print("wrote " + ", ".join(str(path) for path in paths))
    return 0


def _stock(source: ViewStockSource, request: RouteRequest) -> list[StoreStock]:
    return source.stock_for(list(request.lines))


if __name__ == "__main__":
    sys.exit(main())
