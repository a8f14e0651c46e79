"""Oversell checks: read the event log back and compare it with stock and with the clients."""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

from benchmarks.oversell.scenarios import Scenario
from multistore_core import MultiStore
from multistore_core.ids import stock_item_id


def _events(app: MultiStore, page: int = 2000) -> Any:
    position = 0
    while notifications := app.recorder.select_notifications(
        position, page, inclusive_of_start=False
    ):
        for notification in notifications:
            yield app.mapper.to_domain_event(notification)
        position = notifications[-1].id


def check_core_ledger(
    app: MultiStore, scenario: Scenario, accepted_orders: int, accepted_units: int
) -> dict[str, Any]:
    """Rebuild sales from the log; every accepted unit must be received and reserved once."""
    items = {stock_item_id(store, sku): (store, sku) for store, sku in scenario.items()}
    received: Counter[UUID] = Counter()
    reserved: Counter[UUID] = Counter()
    reservations: Counter[tuple[UUID, str]] = Counter()
    placed_lines: dict[str, list[dict[str, Any]]] = {}
    duplicates: list[str] = []
    for event in _events(app):
        kind = type(event).__qualname__
        if kind == "StockItem.Received":
            received[event.originator_id] += event.quantity
        elif kind == "StockItem.Reserved":
            reserved[event.originator_id] += event.quantity
            reservations[(event.originator_id, event.order_id)] += event.quantity
        elif kind == "Order.Placed":
            if event.order_ref in placed_lines:
                duplicates.append(event.order_ref)
            placed_lines[event.order_ref] = [dict(line, store=event.store) for line in event.lines]
    ordered: Counter[UUID] = Counter()
    unmatched: list[str] = []
    for ref, lines in placed_lines.items():
        for line in lines:
            item = stock_item_id(line["store"], line["sku"])
            ordered[item] += line["quantity"]
            if reservations.pop((item, ref), None) != line["quantity"]:
                unmatched.append(ref)
    unmatched.extend(ref for _, ref in reservations)
    per_item = {item: app.stock_level(store, sku).available for item, (store, sku) in items.items()}
    problems = []
    for item, (store, sku) in items.items():
        left = per_item[item]
        if ordered[item] != received[item] - left or left < 0 or reserved[item] != ordered[item]:
            problems.append(
                f"{store}/{sku}: received {received[item]}, ordered {ordered[item]}, "
                f"reserved {reserved[item]}, left {left}"
            )
    sold = sum(ordered.values())
    if len(placed_lines) != accepted_orders or sold != accepted_units:
        problems.append(
            f"clients were told {accepted_orders} orders / {accepted_units} units; "
            f"the log holds {len(placed_lines)} orders / {sold} units"
        )
    problems += [f"order {ref} placed twice" for ref in duplicates]
    problems += [f"order {ref} reserved other than placed" for ref in unmatched[:10]]
    return {
        "source": "event log",
        "received_units": sum(received.values()),
        "sold_units": sold,
        "left_units": sum(per_item.values()),
        "oversold_units": max(0, sold - sum(received.values())),
        "problems": problems[:10],
    }


def check_stock_table(received: int, left: int, lowest: int, accepted_units: int) -> dict[str, Any]:
    """The SQL baselines keep no log: compare the table's decrements with what clients were told.

    Units promised beyond what the table decremented were lost updates: the table still
    offers them, so they are sold twice (the naive CRUD's oversell).
    """
    return {
        "source": "stock table",
        "received_units": received,
        "sold_units": accepted_units,
        "left_units": left,
        "oversold_units": max(0, accepted_units - (received - left)),
        "problems": []
        if accepted_units == received - left and lowest >= 0
        else [f"clients were told {accepted_units} units; the table lost {received - left}"],
    }
