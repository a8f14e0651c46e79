"""The oversell report: every run as JSON, medians as a markdown table, a plot by concurrency."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

MEDIAN_FIELDS = ("accepted_per_s", "refused_per_s", "p50_ms", "p99_ms", "p999_ms", "max_ms")
CEILING = "raw-sql"


def cells(runs: list[dict[str, Any]]) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    """Runs grouped by (mode, backend, scenario, approach, clients), repetitions together."""
    grouped: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        key = (run["mode"], run["backend"], run["scenario"], run["approach"], run["clients"])
        grouped[key].append(run)
    return grouped


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The first run's counts with the median of each rate and latency over the repetitions."""
    merged = dict(runs[0])
    for name in MEDIAN_FIELDS:
        merged[name] = statistics.median(run[name] for run in runs)
    merged["repetitions"] = len(runs)
    merged["oversold_units"] = max(run["check"]["oversold_units"] for run in runs)
    merged["conflicts_per_accepted"] = statistics.median(
        run["conflicts_per_accepted"] for run in runs
    )
    merged["fewest_accepted_by_a_client"] = min(r["fewest_accepted_by_a_client"] for r in runs)
    return merged


def headline(runs: list[dict[str, Any]], mode: str = "closed") -> list[dict[str, Any]]:
    """At top concurrency on PostgreSQL: each approach's medians and its ratio to raw SQL."""
    grouped = cells([run for run in runs if run["mode"] == mode])
    rows = []
    for scenario in dict.fromkeys(key[2] for key in grouped):
        keys = [k for k in grouped if k[1] == "postgresql" and k[2] == scenario]
        if not keys:
            continue
        top = max(k[4] for k in keys)
        medians = {k[3]: median_run(grouped[k]) for k in keys if k[4] == top}
        ceiling = medians.get(CEILING)
        for approach, run in medians.items():
            ratio = run["accepted_per_s"] / ceiling["accepted_per_s"] if ceiling else None
            rows.append(
                {
                    "scenario": scenario,
                    "clients": top,
                    "approach": approach,
                    "repetitions": run["repetitions"],
                    "accepted_per_s": run["accepted_per_s"],
                    "p99_ms": run["p99_ms"],
                    "ratio_to_raw_sql": round(ratio, 2) if ratio else None,
                    "p99_vs_raw_sql": round(run["p99_ms"] / ceiling["p99_ms"], 2)
                    if ceiling and ceiling["p99_ms"]
                    else None,
                    "oversold_units": run["oversold_units"],
                }
            )
    return rows


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(value) for value in row) + " |" for row in rows]
    return lines


def _headline_table(rows: list[dict[str, Any]]) -> list[str]:
    return _table(
        [
            "scenario",
            "clients",
            "approach",
            "accepted/s",
            "x raw SQL",
            "p99 ms",
            "p99 / raw",
            "oversold units",
        ],
        [
            [
                r["scenario"],
                r["clients"],
                r["approach"],
                r["accepted_per_s"],
                r["ratio_to_raw_sql"],
                r["p99_ms"],
                r["p99_vs_raw_sql"],
                r["oversold_units"],
            ]
            for r in rows
        ],
    )


def markdown(report: dict[str, Any]) -> str:
    machine = report["machine"]
    out = [
        "## Oversell benchmark (flash sale)",
        "",
        f"Machine: {machine['description']}. Run {report['started']} with "
        f"`{report['command']}` ({report['wall_clock_s']:.0f} s). Closed-loop cells stop when "
        f"the demand is served or after {report['plan']['duration_s']} s; figures at "
        f"{max(report['plan']['clients'])} clients are medians of {report['plan']['repeat']} "
        "repetitions. accepted/s is measured up to the last accepted order; latency covers "
        "accepted and refused attempts.",
        "",
        "### Highest concurrency on PostgreSQL, ratio to the raw-SQL ceiling in the same run",
        "",
        *_headline_table(report["headline"]),
    ]
    if report.get("headline_within_stock"):
        out += [
            "",
            "### Without contention: demand within every item's stock, closed loop",
            "",
            "No order asks an item for more than it holds, so none is refused: the rate at which",
            "orders that do not compete are placed.",
            "",
            *_headline_table(report["headline_within_stock"]),
        ]
    modes = (
        ("closed", "Closed loop"),
        ("within-stock", "Closed loop, demand within every item's stock"),
        ("open", "Open loop (fixed arrival rate)"),
    )
    for mode, title in modes:
        rows = []
        for key, group in cells(report["runs"]).items():
            if key[0] != mode:
                continue
            run = median_run(group)
            rows.append(
                [
                    run["backend"],
                    run["scenario"],
                    run["approach"],
                    run["clients"],
                    run.get("rate") or "",
                    run["accepted_per_s"],
                    run["refused_per_s"],
                    run["attempts"],
                    run["conflicts_per_accepted"],
                    run["p50_ms"],
                    run["p99_ms"],
                    run["p999_ms"],
                    run["max_ms"],
                    run["fewest_accepted_by_a_client"],
                    run["oversold_units"],
                ]
            )
        if rows:
            out += ["", f"### {title}", ""]
            out += _table(
                [
                    "backend",
                    "scenario",
                    "approach",
                    "clients",
                    "rate/s",
                    "accepted/s",
                    "refused/s",
                    "attempts",
                    "conflicts/accepted",
                    "p50 ms",
                    "p99 ms",
                    "p99.9 ms",
                    "max ms",
                    "fewest per client",
                    "oversold units",
                ],
                rows,
            )
    return "\n".join(out) + "\n"


def plot(report: dict[str, Any], path: Path) -> bool:
    """Accepted orders/s and p99 by concurrency per scenario; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    grouped = cells([run for run in report["runs"] if run["mode"] == "closed"])
    scenarios = list(dict.fromkeys(key[2] for key in grouped))
    figure, axes = plt.subplots(2, len(scenarios), figsize=(5 * len(scenarios), 8), squeeze=False)
    lines: dict[tuple[str, str, str], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for key, group in grouped.items():
        lines[(key[2], key[1], key[3])].append((key[4], median_run(group)))
    for column, scenario in enumerate(scenarios):
        for (name, backend, approach), points in sorted(lines.items()):
            if name != scenario:
                continue
            points.sort(key=lambda point: point[0])
            xs = [clients for clients, _ in points]
            style = "-" if backend == "postgresql" else "--"
            label = f"{approach} ({backend})"
            axes[0][column].plot(
                xs, [r["accepted_per_s"] for _, r in points], style, marker="o", label=label
            )
            axes[1][column].plot(
                xs, [r["p99_ms"] for _, r in points], style, marker="o", label=label
            )
        axes[0][column].set_title(scenario)
        axes[0][column].set_ylabel("accepted orders/s")
        axes[1][column].set_ylabel("p99 latency (ms, log)")
        axes[1][column].set_yscale("log")
        for row in (0, 1):
            axes[row][column].set_xscale("log", base=2)
            axes[row][column].set_xlabel("concurrent clients")
            axes[row][column].grid(True, alpha=0.3)
    axes[0][0].legend(fontsize=7)
    figure.suptitle(f"Oversell benchmark - {report['machine']['description']}", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def write(report: dict[str, Any], folder: Path) -> dict[str, Path]:
    """Write oversell.json, oversell.md and (with matplotlib) oversell.png into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / "oversell.json", "markdown": folder / "oversell.md"}
    paths["json"].write_text(json.dumps(report, indent=1, default=str) + "\n")
    paths["markdown"].write_text(markdown(report))
    if plot(report, folder / "oversell.png"):
        paths["plot"] = folder / "oversell.png"
    return paths
