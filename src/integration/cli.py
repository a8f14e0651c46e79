"""``multistore webhooks run | list``: webhook delivery from the shell."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from typing import Any

from rich.console import Console
from rich.table import Table

from integration.delivery import DeliveryWorker
from integration.subscriptions import SubscriptionStore
from multistore_core import MultiStore, Settings
from projections.database import ViewStore
from projections.settings import ProjectionSettings, views_url


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("webhooks", help="deliver events to integrators' webhooks")
    commands = parser.add_subparsers(dest="webhooks_command", required=True, metavar="ACTION")
    commands.add_parser(
        "run", help="deliver to every active subscription until Ctrl-C or SIGTERM"
    ).set_defaults(run=run)
    commands.add_parser("list", help="each subscription's state and position").set_defaults(
        run=list_subscriptions
    )


def _open() -> tuple[MultiStore, ViewStore]:
    settings = Settings()
    return MultiStore(settings), ViewStore(views_url(settings, ProjectionSettings()))


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app, views = _open()
    worker = DeliveryWorker(app, SubscriptionStore(views))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    logging.info("delivering webhooks as %s (log head %d)", worker.name, app.log_position())
    worker.run(stop)
    logging.info("stopped")
    views.dispose()
    return 0


def list_subscriptions(args: argparse.Namespace) -> int:
    app, views = _open()
    head = app.log_position()
    table = Table("id", "url", "types", "store", "status", "position", "behind", "failures")
    table.add_column("last error", overflow="fold")
    for subscription in SubscriptionStore(views).all():
        table.add_row(
            subscription.id,
            subscription.url,
            ", ".join(subscription.types),
            subscription.store or "all",
            subscription.status,
            str(subscription.position),
            str(max(head - subscription.position, 0)),
            str(subscription.failures),
            subscription.last_error or "-",
        )
    Console().print(table)
    views.dispose()
    return 0
