"""Helpers for read-side tests: apply a log without a database, random histories, view dumps."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from multistore_core import MultiStore
from multistore_core import commands as c
from multistore_core.errors import MultiStoreError
from multistore_core.log_reader import LoggedEvent, LogReader
from projections.database import ViewStore
from projections.projection import Projection
from projections.views import VIEW_CLASSES
from support import FakeClock

STORES = ("SH01", "HZ01", "JV01")
SKUS = ("TEA-001", "CUP-002")


def log_events(app: MultiStore) -> list[LoggedEvent]:
    return LogReader(app).read(0, 100_000)[0]


def project(app: MultiStore, projection: Projection) -> Projection:
    """Apply the whole log to a projection that has no database (its rows stay in memory)."""
    projection.apply_all(log_events(app))
    return projection


def dump(views: ViewStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view table, in a stable order, for comparing two view databases."""
    with views.reading() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for view in VIEW_CLASSES
            for table in view.tables
        }


def add_joint_venture(app: MultiStore) -> None:
    app.register_store(
        c.RegisterStore(
            code="JV01",
            name="Suzhou joint venture",
            region="east",
            kind="joint_venture",
            latitude=31.3,
            longitude=120.6,
            hq_revenue_share=Decimal("0.3000"),
        )
    )
    for sku in SKUS:
        app.receive_stock(c.ReceiveStock(store="JV01", sku=sku, quantity=10))


def random_history(
    app: MultiStore, clock: FakeClock, rng: random.Random, steps: int, prefix: str = ""
) -> None:
    """Random commands over the chain (with JV01), refusals included; orders, stock, members."""
    orders: list[str] = []
    transfers: list[str] = []
    for step in range(steps):
        clock.advance(minutes=rng.choice((1, 2, 3)))
        store, sku = rng.choice(STORES), rng.choice(SKUS)
        action = rng.randrange(12)
        try:
            if action < 3:
                ref = f"O{prefix}{step}"
                lines = [
                    c.OrderLine(sku=s, quantity=rng.randint(1, 3))
                    for s in SKUS[: rng.randint(1, 2)]
                ]
                member = f"M{rng.randrange(3)}" if rng.random() < 0.3 else None
                app.place_order(
                    c.PlaceOrder(
                        order_id=ref,
                        store=store,
                        fulfilment="pickup",
                        lines=lines,
                        member_id=member,
                    )
                )
                orders.append(ref)
            elif action < 8 and orders:
                _advance_order(app, rng.choice(orders), rng)
            elif action == 8:
                app.receive_stock(c.ReceiveStock(store=store, sku=sku, quantity=rng.randint(1, 8)))
            elif action == 9:
                if rng.random() < 0.5:
                    app.set_safety_stock(
                        c.SetSafetyStock(store=store, sku=sku, quantity=rng.randint(0, 9))
                    )
                else:
                    app.adjust_stock(
                        c.AdjustStock(
                            store=store, sku=sku, reason="stocktake", counted=rng.randint(0, 12)
                        )
                    )
            elif action == 10:
                app.enrol_member(c.EnrolMember(member_id=f"M{rng.randrange(3)}", home_store=store))
            elif action == 11:
                _advance_transfer(app, transfers, f"{prefix}{step}", rng)
        except MultiStoreError:
            pass
        if rng.random() < 0.02:
            clock.advance(minutes=40)
            app.expire_unpaid_orders()


def _advance_order(app: MultiStore, ref: str, rng: random.Random) -> None:
    order = app.order_summary(ref)
    if order.status == "placed":
        if rng.random() < 0.25:
            app.cancel_order(c.CancelOrder(order_id=ref))
        else:
            amount = order.total - app.get_order(ref).points_value
            app.pay_order(c.PayOrder(order_id=ref, amount=amount, payment_ref=f"P-{ref}"))
    elif order.status == "paid":
        if rng.random() < 0.1:
            app.cancel_order(c.CancelOrder(order_id=ref))
        else:
            app.fulfil_order(c.FulfilOrder(order_id=ref))
    elif order.status == "ready_for_pickup":
        app.complete_order(c.CompleteOrder(order_id=ref))
    elif order.status in ("completed", "partially_returned") and rng.random() < 0.3:
        line = rng.choice(order.lines)
        app.return_order(c.ReturnOrder(order_id=ref, lines=[c.OrderLine(sku=line.sku, quantity=1)]))


def _advance_transfer(app: MultiStore, transfers: list[str], step: str, rng: random.Random) -> None:
    if not transfers or rng.random() < 0.3:
        source, target = rng.sample(STORES, 2)
        ref = f"T{step}"
        app.request_transfer(
            c.RequestTransfer(
                transfer_id=ref,
                from_store=source,
                to_store=target,
                lines=[c.OrderLine(sku=rng.choice(SKUS), quantity=rng.randint(1, 3))],
            )
        )
        transfers.append(ref)
        return
    ref = rng.choice(transfers)
    status = app.transfer_summary(ref).status
    if status == "requested":
        app.approve_transfer(c.ApproveTransfer(transfer_id=ref))
    elif status == "approved":
        app.ship_transfer(c.ShipTransfer(transfer_id=ref))
    elif status == "shipped":
        app.receive_transfer(c.ReceiveTransfer(transfer_id=ref))
