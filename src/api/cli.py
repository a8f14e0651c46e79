"""``multistore serve [--demo]``: the API and dashboard with the projections runner in-process."""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
from typing import Any

import uvicorn
from rich.console import Console
from rich.table import Table

from api.app import create_app
from api.auth import KEYS_VARIABLE, ApiKey, KeyRing, Role
from api.simulator import TrafficSimulator
from integration.delivery import DeliveryWorker
from multistore_core import MultiStore, Settings
from multistore_core.demo import DEMO_STORES, build_demo_chain
from projections.database import ViewStore
from projections.queries import ViewQueries
from projections.runner import Runner
from projections.settings import ProjectionSettings, views_url


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the REST API and live dashboard (with the projections runner and webhooks)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="build the demo chain if the database is empty, make demo API keys "
        f"(unless {KEYS_VARIABLE} is set) and simulate storefront traffic",
    )
    parser.add_argument(
        "--rate", type=float, default=3.0, help="simulated orders per second with --demo (3)"
    )
    parser.add_argument("--seed", type=int, default=None, help="simulator random seed")
    parser.set_defaults(run=serve)


def demo_keys() -> dict[str, ApiKey]:
    """Fresh random keys: HQ, auditor, storefront, and a manager for each demo store."""
    keys = {
        secrets.token_urlsafe(18): ApiKey("demo-hq", Role.HQ_ADMIN),
        secrets.token_urlsafe(18): ApiKey("demo-auditor", Role.AUDITOR),
        secrets.token_urlsafe(18): ApiKey("demo-storefront", Role.STOREFRONT),
    }
    for store in DEMO_STORES:
        name = f"demo-manager-{store.code.lower()}"
        keys[secrets.token_urlsafe(18)] = ApiKey(name, Role.STORE_MANAGER, store.code)
    return keys


def serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    console = Console()
    settings = Settings()
    try:
        keys = KeyRing.from_environment()
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        return 2
    printed: dict[str, ApiKey] = {}
    if args.demo and not len(keys):
        printed = demo_keys()
        keys = KeyRing(printed.items())
    if not len(keys):
        console.print(
            f"[red]No API keys: set {KEYS_VARIABLE} (see docs/api.md), "
            "or run `multistore serve --demo`.[/red]"
        )
        return 2
    app = MultiStore(settings)
    if args.demo and app.log_position() == 0:
        with console.status("Building the demo chain: 5 stores, 20 SKUs, stock..."):
            build_demo_chain(app)
    options = ProjectionSettings()
    view_store = ViewStore(views_url(settings, options))
    runner = Runner(
        app,
        view_store,
        batch_size=options.projections_batch_size,
        poll_seconds=min(options.projections_poll_seconds, 0.2),
    )
    views = ViewQueries(view_store, app.log_position)
    following = runner.start()
    simulator = TrafficSimulator(app, views, args.rate, args.seed) if args.demo else None
    if simulator is not None:
        simulator.start()
    api = create_app(app, keys, views)
    delivering = DeliveryWorker(app, api.state.webhooks, feed=api.state.feed).start()
    base = f"http://{args.host}:{args.port}"
    _announce(console, settings, base, printed)
    try:
        uvicorn.run(api, host=args.host, port=args.port, log_level="info")
    finally:
        if simulator is not None:
            simulator.stop()
        delivering.stop()
        following.stop()
        view_store.dispose()
    return 0


def _announce(console: Console, settings: Settings, base: str, keys: dict[str, ApiKey]) -> None:
    console.print(f"Event store: {settings.database_url}")
    if keys:
        table = Table("key name", "role", "store", title="Demo API keys (this run only)")
        table.add_column("API key", no_wrap=True)
        for secret, key in keys.items():
            table.add_row(key.name, key.role.value, key.store or "all", secret)
        console.print(table)
        hq = next(secret for secret, key in keys.items() if key.role is Role.HQ_ADMIN)
        print(f"\nOpen the live dashboard: {base}/dashboard?key={hq}")
        print(f"API docs: {base}/docs   (Authorization: Bearer <API key>)\n")
    else:
        print(f"\nDashboard: {base}/dashboard   API docs: {base}/docs\n")
    sys.stdout.flush()
