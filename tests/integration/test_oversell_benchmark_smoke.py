"""The oversell benchmark still runs end to end on tiny parameters (nothing is timed here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks.oversell.__main__ import main
from benchmarks.oversell.profile import main as profile_main


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
