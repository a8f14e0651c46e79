"""``multistore demo`` builds its chain on the SQLite default and reports what happened."""

import os
import subprocess
import sys
from pathlib import Path

from multistore_core import MultiStore, Settings
from multistore_core.demo import DEMO_STORES, demo_skus


def test_the_demo_plays_orders_on_an_sqlite_file_in_the_working_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MULTISTORE_")}
    run = subprocess.run(
        [sys.executable, "-m", "multistore_core.cli", "demo", "--orders", "40"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    assert "Orders by outcome" in run.stdout
    assert "Stock left per store" in run.stdout
    assert "received in full" in run.stdout, "the scarce SKUs get transfers"
    assert "redeemed in orders" in run.stdout
    app = MultiStore(Settings(database_url=f"sqlite:///{tmp_path / 'multistore.db'}"))
    assert f"Events written in all: {app.log_position()}" in run.stdout
    assert len(DEMO_STORES) == 5 and len(demo_skus()) == 20
    levels = [app.stock_level(s.code, k.sku) for s in DEMO_STORES for k in demo_skus()]
    assert all(0 <= level.reserved <= level.on_hand for level in levels)
    assert sum(level.on_hand for level in levels) < 60 * 5 * 20, "some orders completed"
