"""Drift report: each read view compared, row by row, with a fresh replay at the view's position."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select

from multistore_core.application import MultiStore
from multistore_core.audit.log import money, read_pages
from multistore_core.audit.replay import Replay
from multistore_core.log_reader import gc_paused
from projections.database import ViewStore
from projections.members import members
from projections.sales import orders
from projections.stock import stock_levels
from projections.stores import store_directory
from projections.transfers import transfers

Rows = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Difference:
    """One value the view holds that the replay does not (``None``: no such row)."""

    view: str
    table: str
    key: str
    field: str
    in_view: Any
    in_replay: Any


@dataclass(frozen=True)
class DriftReport:
    positions: dict[str, int]
    rows_compared: dict[str, int]
    differences: list[Difference]
    not_compared: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.differences


def _cents(value: Any) -> int:
    return int(money(value) * 100)


def _stock(replay: Replay) -> Rows:
    fields = ("on_hand", "reserved", "available", "incoming", "safety_stock", "shortage")
    return {
        f"{store}/{sku}": {f: getattr(tally.level(), f) for f in fields}
        for (store, sku), tally in replay.stock.by_key.items()
    }


def _orders(replay: Replay) -> Rows:
    return {
        ref: {
            "store": order.store,
            "fulfilment": order.fulfilment,
            "member_id": order.member,
            "status": order.status,
            "total_cents": _cents(order.total),
            "points_value_cents": _cents(order.points_value),
            "refunded_cents": _cents(order.refunded),
        }
        for ref, order in replay.orders.by_ref.items()
    }


def _members(replay: Replay) -> Rows:
    return {
        member: {
            "home_store": account.home_store,
            "tier": account.tier,
            "growth": account.growth,
            "balance": account.balance,
        }
        for member, account in replay.members.by_member.items()
    }


def _transfers(replay: Replay) -> Rows:
    return {
        ref: {
            "from_store": t.from_store,
            "to_store": t.to_store,
            "status": t.status,
            "reason": t.reason,
        }
        for ref, t in replay.transfers.by_ref.items()
    }


def _stores(replay: Replay) -> Rows:
    fields = ("name", "region", "kind", "is_open", "delivery_radius_km")
    return {
        store["code"]: {f: store[f] for f in fields} for store in replay.directory.stores.values()
    }


# view name -> (table, how a row is keyed, the replay's rows)
COMPARED: dict[str, tuple[Table, Callable[[Any], str], Callable[[Replay], Rows]]] = {
    "stock": (stock_levels, lambda row: f"{row.store}/{row.sku}", _stock),
    "sales": (orders, lambda row: row.order_ref, _orders),
    "members": (members, lambda row: row.member, _members),
    "transfers": (transfers, lambda row: row.transfer_ref, _transfers),
    "stores": (store_directory, lambda row: row.code, _stores),
}


def drift(app: MultiStore, views: ViewStore) -> DriftReport:
    """Compare every view with the replay of the log up to the position that view has reached."""
    with gc_paused():
        return _drift(app, views)


def _drift(app: MultiStore, views: ViewStore) -> DriftReport:
    positions = views.positions()
    replay = Replay()
    differences: list[Difference] = []
    compared: dict[str, int] = {}
    for name in sorted(positions, key=positions.__getitem__):
        if name not in COMPARED:
            continue
        for page in read_pages(app, after=replay.position, upto=positions[name]):
            replay.apply_all(page)
        table, key_of, expected_of = COMPARED[name]
        with views.reading() as connection:
            found = {key_of(row): row._asdict() for row in connection.execute(select(table))}
        expected = expected_of(replay)
        compared[name] = len(found.keys() | expected.keys())
        differences.extend(_compare(name, table.name, found, expected))
    return DriftReport(
        positions=positions,
        rows_compared=compared,
        differences=sorted(differences, key=lambda d: (d.view, d.key, d.field)),
        not_compared=tuple(sorted(set(positions) - set(COMPARED))),
    )


def _compare(view: str, table: str, found: Rows, expected: Rows) -> list[Difference]:
    differences = []
    for key in sorted(found.keys() | expected.keys()):
        in_view, in_replay = found.get(key), expected.get(key)
        if in_view is None or in_replay is None:
            differences.append(
                Difference(
                    view, table, key, "(row)", in_view and "present", in_replay and "present"
                )
            )
            continue
        for field, value in in_replay.items():
            if not _same(in_view[field], value):
                differences.append(Difference(view, table, key, field, in_view[field], value))
    return differences


def _same(in_view: Any, in_replay: Any) -> bool:
    if isinstance(in_replay, float | Decimal) or isinstance(in_view, float | Decimal):
        return abs(float(in_view) - float(in_replay)) < 1e-9
    return bool(in_view == in_replay)
