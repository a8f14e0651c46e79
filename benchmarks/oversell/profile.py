"""Where group commit's time goes: ``python -m benchmarks.oversell.profile [--scenario hot-1]``."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.oversell.approaches import CoreStock, fresh_database
from benchmarks.oversell.load import closed_loop
from benchmarks.oversell.scenarios import SCENARIOS

# The committer's steps, in the order a batch goes through them; ``save`` includes the insert.
STEPS = ("_refresh", "_decide_all", "save", "insert_events", "_deliver")


class StepTimer:
    """Thread CPU time spent in each step, summed over calls (steps run on one thread)."""

    def __init__(self) -> None:
        self.cpu: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def wrap(self, owner: Any, name: str, step: str | None = None) -> None:
        original: Callable[..., Any] = getattr(owner, name)
        label = step or name

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.cpu[label] += time.thread_time() - started
                self.calls[label] += 1

        setattr(owner, name, timed)


def profile_once(scenario_name: str, clients: int, seed: int, scale: float) -> dict[str, Any]:
    """One closed-loop run selling all of the scenario's stock, no item asked for more than it
    holds (so nothing is refused), the committer's steps timed."""
    scenario = SCENARIOS[scenario_name].scaled(scale)
    purchases = scenario.purchases_within_stock(seed)
    with fresh_database("postgresql") as url:
        core = CoreStock(url, scenario, group_commit=True)
        try:
            committer = core.app._committer
            assert committer is not None
            timer = StepTimer()
            for step in ("_commit", *STEPS):
                if step == "save":
                    timer.wrap(core.app, "save")
                elif step == "insert_events":
                    timer.wrap(core.app.recorder, "insert_events")
                else:
                    timer.wrap(committer, step)
            before = os.times()
            logs, elapsed = closed_loop(core.place, purchases, clients, duration=60.0)
            after = os.times()
        finally:
            core.close()
    accepted = sum(log.accepted for log in logs)
    process_cpu = (after.user + after.system) - (before.user + before.system)
    per_order = {step: 1e6 * timer.cpu[step] / accepted for step in ("_commit", *STEPS)}
    return {
        "accepted": accepted,
        "accepted_per_s": accepted / elapsed,
        "batches": timer.calls["_commit"],
        "orders_per_batch": accepted / max(timer.calls["_commit"], 1),
        "process_cores": process_cpu / elapsed,
        "process_us_per_order": 1e6 * process_cpu / accepted,
        "committer_us_per_order": per_order.pop("_commit"),
        "steps_us_per_order": per_order,
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the runs of every figure."""
    steps = {
        step: statistics.median(run["steps_us_per_order"][step] for run in runs) for step in STEPS
    }
    figures = {
        key: statistics.median(run[key] for run in runs)
        for key in runs[0]
        if key != "steps_us_per_order"
    }
    return {**figures, "steps_us_per_order": steps}


def markdown(scenario: str, clients: int, repeat: int, medians: dict[str, Any]) -> str:
    committer = medians["committer_us_per_order"]
    process = medians["process_us_per_order"]
    lines = [
        f"### Where the time goes: {scenario}, {clients} clients, PostgreSQL "
        f"(medians of {repeat} runs)",
        "",
        f"{medians['accepted_per_s']:,.0f} accepted orders/s; {medians['orders_per_batch']:.1f} "
        f"orders per batch; the process used {medians['process_cores']:.2f} cores, "
        f"{process:,.0f} µs of CPU per accepted order.",
        "",
        "| where | CPU µs per order | share of the process |",
        "|---|---|---|",
    ]
    names = {
        "_refresh": "catch-up and bulk read of uncached aggregates",
        "_decide_all": "deciding (aggregates, events, results)",
        "save": "save (encoding + insert)",
        "insert_events": "  of which the insert",
        "_deliver": "answering the callers",
    }
    for step in STEPS:
        value = medians["steps_us_per_order"][step]
        lines.append(f"| {names[step]} | {value:.0f} | {value / process:.0%} |")
    lines.append(f"| committer thread in all | {committer:.0f} | {committer / process:.0%} |")
    rest = process - committer
    lines.append(f"| callers' threads and the rest | {rest:.0f} | {rest / process:.0%} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.oversell.profile", description=__doc__
    )
    parser.add_argument("--scenario", default="hot-1", choices=SCENARIOS)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full stock")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/oversell/results"))
    args = parser.parse_args(argv)
    runs = []
    for seed in range(args.repeat):
        runs.append(profile_once(args.scenario, args.clients, seed, args.scale))
        print(
            f"run {seed + 1}/{args.repeat}: {runs[-1]['accepted_per_s']:,.0f} accepted/s, "
            f"{runs[-1]['process_us_per_order']:,.0f} µs CPU per order",
            flush=True,
        )
    medians = summary(runs)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"profile-{args.scenario}-{args.clients}"
    (args.out / f"{stem}.json").write_text(json.dumps({"runs": runs, "medians": medians}, indent=2))
    text = markdown(args.scenario, args.clients, args.repeat, medians)
    (args.out / f"{stem}.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
