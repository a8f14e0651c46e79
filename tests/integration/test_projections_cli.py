"""``multistore projections rebuild`` and ``status`` on an SQLite file."""

from __future__ import annotations

import pytest

from multistore_core import MultiStore, Settings
from multistore_core.cli import main
from projections.database import ViewStore
from projections.queries import ViewQueries
from support import build_chain


def test_rebuild_then_status_show_every_view_at_the_log_head(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = MultiStore(Settings(database_url=sqlite_url))
    build_chain(app)
    monkeypatch.setenv("MULTISTORE_DATABASE_URL", sqlite_url)
    assert main(["projections", "rebuild", "stock"]) == 0
    assert f"rebuilt stock up to log position {app.log_position()}" in capsys.readouterr().out
    views = ViewStore(sqlite_url)
    row = ViewQueries(views, app.log_position).stock_for("SH01", "TEA-001")
    assert row is not None and row.on_hand == 10
    assert main(["projections", "status"]) == 0
    out = capsys.readouterr().out
    assert "stock" in out and "sales" in out
    views.dispose()
    app.close()


def test_rebuilding_an_unknown_view_is_refused(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MULTISTORE_DATABASE_URL", sqlite_url)
    with pytest.raises(SystemExit):
        main(["projections", "rebuild", "nonsense"])
