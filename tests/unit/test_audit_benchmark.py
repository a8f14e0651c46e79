"""The verify benchmark's log builder writes a valid history (smoke test, not timed)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.audit.verify_rate import build_log, markdown, write_section

from multistore_core import MultiStore, Settings
from multistore_core.audit.verify import verify


def test_the_benchmark_log_passes_verify_and_reaches_the_asked_size() -> None:
    app = MultiStore(Settings(database_url="memory://"))
    position = build_log(app, events=3000, batch=500)
    report = verify(app)
    assert position >= 3000
    assert report.events == position
    assert report.ok, report.violations[:3]
    assert report.rules_checked["stock.reservation_honoured"] > 100


def test_the_benchmark_report_names_the_machine_and_each_backend() -> None:
    text = markdown(
        {
            "machine": {"cpu": "Xeon", "cores": 2, "python": "3.11", "load_average_at_start": []},
            "sqlite": {
                "events": 200001,
                "build_seconds": 5.0,
                "verify_events_per_second": [20000, 21000],
                "median_events_per_second": 20500,
            },
        }
    )
    assert text.startswith("## Audit: verify rate")
    assert "Xeon, 2 cores" in text
    assert "| sqlite | 200,001 | 5.0 | 20,000, 21,000 | 20,500 |" in text


def test_the_report_replaces_its_own_section_and_leaves_the_others(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmark results\n\n<!-- other:start -->\nkept\n<!-- other:end -->\n")
    write_section(docs, "first\n")
    write_section(docs, "second\n")
    text = docs.read_text()
    assert "kept" in text and "second" in text and "first" not in text
    assert text.count("<!-- audit:start -->") == 1
