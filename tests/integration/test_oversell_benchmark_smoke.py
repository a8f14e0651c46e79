"""The oversell benchmark still runs end to end on tiny parameters (nothing is timed here)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from benchmarks.oversell.__main__ import main
from benchmarks.oversell.profile import main as profile_main
from benchmarks.oversell.scenarios import SCENARIOS


@pytest.mark.postgres
def test_the_oversell_benchmark_writes_its_report_and_finds_only_the_naive_crud_overselling(
    tmp_path: Path,
) -> None:
    code = main(
        [
            "--scenarios", "hot-1", "hot-10",
            "--clients", "1", "4",
            "--duration", "0.5",
            "--scale", "0.005",
            "--repeat", "2",
            "--rate", "40",
            "--out", str(tmp_path),
        ]
    )  # fmt: skip

    assert code == 0
    report = json.loads((tmp_path / "oversell.json").read_text())
    approaches = {run["approach"] for run in report["runs"]}
    assert approaches == {"raw-sql", "naive-crud", "core-plain", "core-group"}
    assert {run["mode"] for run in report["runs"]} == {"closed", "open"}
    for run in report["runs"]:
        assert run["attempts"] > 0
        if run["approach"] != "naive-crud":
            assert run["check"]["oversold_units"] == 0 and run["check"]["problems"] == []
    core = [run for run in report["runs"] if run["approach"].startswith("core")]
    assert all(run["check"]["source"] == "event log" for run in core)
    assert "x raw SQL" in (tmp_path / "oversell.md").read_text()


@pytest.mark.postgres
def test_without_contention_every_order_is_placed_and_compared_with_raw_sql(
    tmp_path: Path,
) -> None:
    code = main(
        [
            "--backends", "postgresql",
            "--scenarios", "spread-1000",
            "--approaches", "raw-sql", "core-group",
            "--clients", "4",
            "--duration", "2",
            "--scale", "0.01",
            "--repeat", "1",
            "--rate", "40",
            "--out", str(tmp_path),
        ]
    )  # fmt: skip

    assert code == 0
    report = json.loads((tmp_path / "oversell.json").read_text())
    within = [run for run in report["runs"] if run["mode"] == "within-stock"]
    assert {run["approach"] for run in within} == {"raw-sql", "core-group"}
    for run in within:
        assert run["refused"] == 0 and run["failed"] == 0
        assert 0 < run["accepted_units"] <= run["stock_units"]
    assert [row["approach"] for row in report["headline_within_stock"]] == ["raw-sql", "core-group"]
    assert "### Without contention" in (tmp_path / "oversell.md").read_text()


def test_demand_within_stock_never_asks_an_item_for_more_than_it_holds() -> None:
    scenario = SCENARIOS["spread-1000"].scaled(0.5)
    asked: Counter[tuple[str, str]] = Counter()
    for purchase in scenario.purchases_within_stock(seed=7):
        assert 1 <= purchase.quantity <= 3
        asked[(purchase.store, purchase.sku)] += purchase.quantity
    assert asked == {item: scenario.units_per_item for item in scenario.items()}


@pytest.mark.postgres
def test_the_profile_accounts_for_the_committer_steps_of_every_order(tmp_path: Path) -> None:
    code = profile_main(
        ["--scenario", "hot-1", "--clients", "4", "--repeat", "1", "--scale", "0.02",
         "--out", str(tmp_path)]
    )  # fmt: skip

    assert code == 0
    medians = json.loads((tmp_path / "profile-hot-1-4.json").read_text())["medians"]
    steps = medians["steps_us_per_order"]
    assert medians["accepted"] > 0 and all(value > 0 for value in steps.values())
    assert steps["insert_events"] < steps["save"] < medians["committer_us_per_order"]
    assert medians["committer_us_per_order"] < medians["process_us_per_order"]
    assert "| committer thread in all |" in (tmp_path / "profile-hot-1-4.md").read_text()
