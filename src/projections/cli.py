"""``multistore projections run | rebuild [NAME] | status``: the read side from the shell."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from typing import Any

from rich.console import Console
from rich.table import Table

from multistore_core import MultiStore, Settings
from projections.database import ViewStore
from projections.queries import ViewQueries
from projections.rebuild import rebuild
from projections.runner import Runner
from projections.settings import ProjectionSettings, views_url
from projections.views import VIEW_NAMES, build_views


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "projections", help="the read side: follow the event log into the views"
    )
    commands = parser.add_subparsers(dest="projections_command", required=True, metavar="ACTION")
    commands.add_parser(
        "run", help="follow the log into every view until Ctrl-C or SIGTERM"
    ).set_defaults(run=run)
    rebuilding = commands.add_parser("rebuild", help="drop views and replay the whole log")
    rebuilding.add_argument("name", nargs="?", choices=VIEW_NAMES, help="one view (default: all)")
    rebuilding.set_defaults(run=rebuild_views)
    commands.add_parser("status", help="each view's position and lag").set_defaults(run=status)


def _open() -> tuple[MultiStore, ViewStore, ProjectionSettings]:
    settings = Settings()
    options = ProjectionSettings()
    views = ViewStore(views_url(settings, options))
    views.create(build_views())
    return MultiStore(settings), views, options


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app, views, options = _open()
    runner = Runner(
        app,
        views,
        batch_size=options.projections_batch_size,
        poll_seconds=options.projections_poll_seconds,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    logging.info("following the log from position %d (head %d)", runner.position, runner.head())
    runner.run(stop)
    logging.info("stopped at position %d", runner.position)
    views.dispose()
    return 0


def rebuild_views(args: argparse.Namespace) -> int:
    app, views, _ = _open()
    names = [args.name] if args.name else None
    head = rebuild(app, views, names)
    Console().print(f"rebuilt {args.name or 'every view'} up to log position {head}")
    views.dispose()
    return 0


def status(args: argparse.Namespace) -> int:
    app, views, _ = _open()
    table = Table("view", "position", "log head", "behind", "last event at", "commit to view")
    for lag in ViewQueries(views, app.log_position).lag():
        table.add_row(
            lag.name,
            str(lag.position),
            str(lag.head),
            str(lag.behind),
            lag.last_event_at.isoformat() if lag.last_event_at else "-",
            f"{lag.commit_to_view.total_seconds():.3f}s" if lag.commit_to_view else "-",
        )
    Console().print(table)
    views.dispose()
    return 0
