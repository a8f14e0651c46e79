"""The routing benchmark still runs end to end on tiny sizes (nothing is timed here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks.routing.__main__ import main


@pytest.mark.postgres
def test_the_routing_benchmark_writes_its_report_for_every_scenario_policy_and_source(
    tmp_path: Path,
) -> None:
    code = main(["--stores", "25", "--skus", "30", "--orders", "6", "--repeat", "2",
                 "--out", str(tmp_path)])  # fmt: skip

    assert code == 0
    report = json.loads((tmp_path / "routing.json").read_text())
    cells = {(run["scenario"], run["policy"], run["source"]) for run in report["runs"]}
    sources = {"in memory", "sqlite view", "postgresql view"}
    assert {source for _, _, source in cells} == sources
    assert {(s, p) for s, p, _ in cells} == {
        (s, p) for s in ("pickup", "delivery", "ship", "split")
        for p in ("nearest", "most_stock", "priority")
    }  # fmt: skip
    for run in report["runs"]:
        assert run["decisions"] == 6 and sum(run["outcomes"].values()) == 6
    by_source = {}
    for run in report["runs"]:
        if run["policy"] == "nearest":
            by_source.setdefault((run["scenario"], run["repetition"]), []).append(run["outcomes"])
    for outcomes in by_source.values():
        assert all(found == outcomes[0] for found in outcomes), "the views must route as memory"
    assert "| split | nearest | postgresql view |" in (tmp_path / "routing.md").read_text()
