"""The routing report: every run as JSON, medians and same-run ratios as a markdown table."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

BASELINE = "in memory"


def summary(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per scenario, policy and source: medians over the repetitions, and the median ratio of
    decisions/s to the in-memory ranking measured in the same repetition."""
    cells: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        cells[(run["scenario"], run["policy"], run["source"])].append(run)
    baseline = {
        (run["scenario"], run["policy"], run["repetition"]): run["decisions_per_s"]
        for run in runs
        if run["source"] == BASELINE
    }
    rows = []
    for (scenario, policy, source), group in cells.items():
        outcomes: dict[str, int] = defaultdict(int)
        for run in group:
            for outcome, count in run["outcomes"].items():
                outcomes[outcome] += count
        total = sum(outcomes.values())
        ratios = [
            run["decisions_per_s"] / baseline[(scenario, policy, run["repetition"])]
            for run in group
            if (scenario, policy, run["repetition"]) in baseline
        ]
        rows.append(
            {
                "scenario": scenario,
                "policy": policy,
                "source": source,
                "repetitions": len(group),
                "decisions_per_s": statistics.median(run["decisions_per_s"] for run in group),
                "p50_ms": statistics.median(run["p50_ms"] for run in group),
                "p99_ms": statistics.median(run["p99_ms"] for run in group),
                "ratio_to_in_memory": round(statistics.median(ratios), 3) if ratios else None,
                "single": round(outcomes["single"] / total, 3),
                "split": round(outcomes["split"] / total, 3),
                "none": round(outcomes["none"] / total, 3),
            }
        )
    return rows


def markdown(report: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    chain = report["chain"]
    lines = [
        "# Routing decisions per second",
        "",
        f"Command: `{report['command']}`  ",
        f"Machine: {report['machine']['description']}  ",
        f"Started {report['started']}, {report['wall_clock_s']} s wall clock.",
        "",
        f"Chain: {chain['stores']} stores ({chain['warehouses']} warehouses, {chain['closed']} "
        f"closed), {chain['skus']} SKUs, {chain['stock_rows']} stocked (store, SKU) pairs. "
        f"{report['plan']['orders']} orders per scenario and run; medians of "
        f"{report['plan']['repeat']} runs. `in memory` ranks a snapshot already in memory "
        "(`multistore_core.routing.choose` alone); `<backend> view` also reads the snapshot "
        "from the store and stock views (`projections.stock_source.ViewStockSource`), as the API "
        "does. The ratio is to the in-memory ranking of the same orders in the same run.",
        "",
        "| scenario | policy | source | decisions/s | p50 ms | p99 ms | x in memory "
        "| single | split | none |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        ratio = "" if row["ratio_to_in_memory"] is None else f"{row['ratio_to_in_memory']:.3f}"
        lines.append(
            f"| {row['scenario']} | {row['policy']} | {row['source']} | "
            f"{row['decisions_per_s']:,.0f} | {row['p50_ms']:.3f} | {row['p99_ms']:.3f} | "
            f"{ratio} | {row['single']:.0%} | {row['split']:.0%} | {row['none']:.0%} |"
        )
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], folder: Path) -> list[Path]:
    """``routing.json`` (every run) and ``routing.md`` (the medians) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = summary(report["runs"])
    report["summary"] = rows
    json_path, md_path = folder / "routing.json", folder / "routing.md"
    json_path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    md_path.write_text(markdown(report, rows))
    return [json_path, md_path]
