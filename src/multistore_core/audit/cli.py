"""``multistore audit verify | stock | order | member | transfer | ledger | activity``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from multistore_core import MultiStore, Settings
from multistore_core.audit.activity import ACTION_COLUMNS, activity
from multistore_core.audit.asof import member_as_of, order_as_of, stock_as_of, transfer_as_of
from multistore_core.audit.drift import drift
from multistore_core.audit.ledger import MOVEMENT_COLUMNS, stock_ledger, write_csv, write_jsonl
from multistore_core.audit.verify import VerifyReport, verify
from multistore_core.errors import MultiStoreError
from projections.database import ViewStore
from projections.settings import ProjectionSettings, views_url
from projections.views import build_views


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "audit", help="replay the event log: verify, state as of a moment, ledger, activity"
    )
    actions = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    checking = actions.add_parser("verify", help="replay the whole log and check every rule")
    checking.add_argument("--no-progress", action="store_true", help="no progress bar")
    checking.set_defaults(run=run_verify)

    for name, what, run in (
        ("stock", "a store's stock (one SKU or all) as of a moment", run_stock),
        ("order", "an order as of a moment", run_order),
        ("member", "a member's points as of a moment", run_member),
        ("transfer", "a transfer as of a moment", run_transfer),
    ):
        asking = actions.add_parser(name, help=what)
        asking.add_argument("key", help="store code" if name == "stock" else f"{name} id")
        if name == "stock":
            asking.add_argument("--sku", help="one SKU (default: every SKU of the store)")
        moment = asking.add_mutually_exclusive_group()
        moment.add_argument("--position", type=int, help="log position (default: the end)")
        moment.add_argument("--at", type=_moment, help="ISO time, e.g. 2026-11-01T12:00:00+00:00")
        asking.set_defaults(run=run)

    ledger = actions.add_parser("ledger", help="stock movements of a store's SKU")
    ledger.add_argument("store")
    ledger.add_argument("sku")
    _period_and_format(ledger)
    ledger.set_defaults(run=run_ledger)

    actions.add_parser(
        "drift", help="compare each read view with a fresh replay of the log"
    ).set_defaults(run=run_drift)

    acting = actions.add_parser("activity", help="what one actor (user or API key) did")
    acting.add_argument("actor")
    _period_and_format(acting)
    acting.set_defaults(run=run_activity)


def _period_and_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=_moment, help="ISO time, inclusive")
    parser.add_argument("--until", type=_moment, help="ISO time, exclusive")
    parser.add_argument("--format", choices=("table", "csv", "jsonl"), default="table")
    parser.add_argument("--output", type=argparse.FileType("w"), help="file (default: stdout)")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a time zone, e.g. {text}+00:00")
    return moment


def _console() -> Console:
    """Standard output; wide when it is a file or pipe, so exported tables keep every column."""
    return Console(width=None if sys.stdout.isatty() else 200)


def _guarded(action: Callable[[MultiStore], int]) -> int:
    try:
        return action(MultiStore(Settings()))
    except MultiStoreError as error:
        Console(stderr=True).print(f"[red]error:[/red] {error}")
        return 2


def run_verify(args: argparse.Namespace) -> int:
    def check(app: MultiStore) -> int:
        console = _console()
        if args.no_progress:
            report = verify(app)
        else:
            with Progress(
                TextColumn("verifying"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            ) as progress:
                task = progress.add_task("verify", total=app.log_position())
                report = verify(app, lambda position: progress.update(task, completed=position))
        print_report(report, console)
        return 0 if report.ok else 1

    return _guarded(check)


def print_report(report: VerifyReport, console: Console) -> None:
    """The verify report: events, rate, rules checked, violations with their events."""
    console.print(
        f"events read: {report.events:,} (log position {report.last_position:,})"
        f" in {report.seconds:.2f} s, {report.rate:,.0f} events/s"
    )
    rules = Table("rule", "checks", "violations", title="rules checked")
    broken: dict[str, int] = {}
    for violation in report.violations:
        broken[violation.rule] = broken.get(violation.rule, 0) + 1
    for rule, checks in report.rules_checked.items():
        rules.add_row(rule, f"{checks:,}", str(broken.get(rule, 0)))
    console.print(rules)
    for name, count in report.unmodelled.items():
        console.print(f"[yellow]not modelled:[/yellow] {count} {name} event(s)")
    if report.ok:
        console.print("[green]no violations[/green]")
        return
    found = Table("position", "aggregate", "version", "event", "rule", "subject", "what")
    for v in report.violations:
        found.add_row(
            str(v.position),
            str(v.aggregate_id),
            str(v.version),
            v.event,
            v.rule,
            v.subject,
            v.message,
        )
    console.print(found)
    console.print(f"[red]{len(report.violations)} violation(s)[/red]")


def _show(rows: list[Any], columns: list[str] | None = None) -> int:
    if not rows:
        _console().print("nothing found")
        return 0
    columns = columns or list(asdict(rows[0]))
    table = Table(*columns)
    for row in rows:
        values = asdict(row)
        table.add_row(*(_cell(values[column]) for column in columns))
    _console().print(table)
    return 0


def _cell(value: Any) -> str:
    if isinstance(value, tuple | list):
        return "; ".join(
            " ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item)
            for item in value
        )
    return str(value)


def run_stock(args: argparse.Namespace) -> int:
    return _guarded(
        lambda app: _show(stock_as_of(app, args.key, args.sku, position=args.position, at=args.at))
    )


def run_order(args: argparse.Namespace) -> int:
    return _guarded(
        lambda app: _show(
            [order_as_of(app, args.key, position=args.position, at=args.at)], ORDER_TABLE
        )
    )


def run_member(args: argparse.Namespace) -> int:
    return _guarded(
        lambda app: _show([member_as_of(app, args.key, position=args.position, at=args.at)])
    )


def run_transfer(args: argparse.Namespace) -> int:
    return _guarded(
        lambda app: _show(
            [transfer_as_of(app, args.key, position=args.position, at=args.at)], TRANSFER_TABLE
        )
    )


def _export(
    rows: list[Any], columns: list[str], args: argparse.Namespace, shown: list[str] | None = None
) -> int:
    out: IO[str] = args.output or sys.stdout
    if args.format == "csv":
        write_csv(rows, out, columns)
    elif args.format == "jsonl":
        write_jsonl(rows, out)
    else:
        _show(rows, shown)
    return 0


ORDER_TABLE = [
    "order_id", "store", "status", "fulfilment", "member_id", "lines", "total",
    "points_value", "amount_due", "refunded", "customer_order", "position",
]  # fmt: skip
TRANSFER_TABLE = ["transfer_id", "from_store", "to_store", "status", "lines", "reason", "position"]
# the ledger's columns in a table (CSV and JSON Lines carry every column)
LEDGER_TABLE = [
    "time", "event", "quantity", "on_hand_change", "on_hand", "reserved", "available",
    "incoming", "reason", "actor", "order", "transfer",
]  # fmt: skip


def run_ledger(args: argparse.Namespace) -> int:
    return _guarded(
        lambda app: _export(
            stock_ledger(app, args.store, args.sku, args.since, args.until),
            MOVEMENT_COLUMNS,
            args,
            LEDGER_TABLE,
        )
    )


def run_activity(args: argparse.Namespace) -> int:
    return _guarded(
        lambda app: _export(activity(app, args.actor, args.since, args.until), ACTION_COLUMNS, args)
    )


def run_drift(args: argparse.Namespace) -> int:
    def compare(app: MultiStore) -> int:
        views = ViewStore(views_url(app.settings, ProjectionSettings()))
        views.create(build_views())
        try:
            report = drift(app, views)
        finally:
            views.dispose()
        console = _console()
        console.print(f"log head: position {app.log_position()}")
        for name, rows in report.rows_compared.items():
            console.print(
                f"{name}: {rows} row(s) compared at log position {report.positions[name]}"
            )
        for name in report.not_compared:
            console.print(f"{name}: not compared (aggregated figures)")
        if report.ok:
            console.print("[green]no drift[/green]")
            return 0
        _show(report.differences)
        console.print(f"[red]{len(report.differences)} difference(s)[/red]")
        return 1

    return _guarded(compare)
