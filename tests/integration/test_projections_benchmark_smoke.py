"""The read-side benchmark runs end to end on a tiny log (not timed: it only must not rot)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.projections.__main__ import main


def test_the_projections_benchmark_writes_its_json_and_markdown_reports(tmp_path: Path) -> None:
    main(
        [
            "--events", "300", "--repeat", "1", "--rate", "100", "--lag-seconds", "0.5",
            "--backends", "sqlite", "--out", str(tmp_path),
        ]
    )  # fmt: skip
    report = json.loads((tmp_path / "results.json").read_text())
    [rebuilt] = report["rebuild"]
    assert rebuilt["events"] >= 300 and rebuilt["rebuild_events_per_s_median"] > 0
    [lag] = report["lag"]
    assert lag["samples"] == lag["orders"] == 50
    assert lag["lag_ms_median"] is not None and lag["lag_ms_median"] > 0
    assert "| sqlite |" in (tmp_path / "results.md").read_text()
