"""A seeded random history driven through the MultiStore API, with snapshots of the write side."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from multistore_core import CommandContext, MultiStore
from multistore_core import commands as c
from multistore_core.errors import MultiStoreError
from multistore_core.results import MemberSummary, OrderSummary, StockLevel, TransferSummary
from support import FakeClock, build_chain

STORES = ("SH01", "HZ01")
SKUS = ("TEA-001", "CUP-002")
MEMBERS = ("M1", "M2")
ACTORS = (
    CommandContext(actor="alice", role="hq_admin"),
    CommandContext(actor="bob", role="store_manager", store_scope="SH01"),
    CommandContext(actor="pos-key-7", role="storefront"),
)


@dataclass
class Snapshot:
    """What the write side said at one moment of the history."""

    position: int
    at: datetime
    stock: dict[tuple[str, str], StockLevel]
    orders: dict[str, OrderSummary]
    members: dict[str, MemberSummary]
    transfers: dict[str, TransferSummary]


@dataclass
class History:
    snapshots: list[Snapshot] = field(default_factory=list)
    orders: dict[str, str] = field(default_factory=dict)  # order -> status
    transfers: list[str] = field(default_factory=list)
    refused: int = 0


def snapshot(app: MultiStore, clock: FakeClock, history: History) -> Snapshot:
    return Snapshot(
        position=app.log_position(),
        at=clock.now,
        stock={(s, k): app.stock_level(s, k) for s in STORES for k in SKUS},
        orders={ref: app.order_summary(ref) for ref in history.orders},
        members={m: app.member_summary(m) for m in MEMBERS},
        transfers={ref: app.transfer_summary(ref) for ref in history.transfers},
    )


def random_history(app: MultiStore, clock: FakeClock, seed: int, steps: int) -> History:
    """Run ``steps`` random commands (refusals included), snapshotting about one step in four."""
    rng = random.Random(seed)
    history = History()
    build_chain(app, stock=20)
    for member in MEMBERS:
        app.enrol_member(c.EnrolMember(member_id=member, home_store="SH01"))
        app.grant_points(
            c.GrantPoints(member_id=member, store="SH01", points=500, reference="w", reason="hi")
        )
    for step in range(steps):
        clock.advance(minutes=rng.randint(1, 20))
        try:
            _random_command(app, clock, rng, history, step)
        except MultiStoreError:
            history.refused += 1
        if rng.random() < 0.25:
            history.snapshots.append(snapshot(app, clock, history))
    history.snapshots.append(snapshot(app, clock, history))
    return history


def _random_command(
    app: MultiStore, clock: FakeClock, rng: random.Random, history: History, step: int
) -> None:
    context = rng.choice(ACTORS)
    store, sku = rng.choice(STORES), rng.choice(SKUS)
    roll = rng.random()

    def pick(*statuses: str) -> str:
        found = [ref for ref, status in history.orders.items() if status in statuses]
        return rng.choice(found) if found else "none"

    if roll < 0.25:
        member = rng.choice((None, *MEMBERS))
        points = rng.choice((None, 100)) if member else None
        lines = [c.OrderLine(sku=k, quantity=rng.randint(1, 4)) for k in rng.sample(SKUS, 2)]
        ref = f"A-{step}"
        placed = app.place_order(
            c.PlaceOrder(
                order_id=ref,
                store=store,
                fulfilment=rng.choice(("pickup", "delivery", "ship")),
                lines=lines[: rng.randint(1, 2)],
                member_id=member,
                points=points,
            ),
            context,
        )
        history.orders[ref] = placed.status
    elif roll < 0.40:
        order = pick("placed")
        amount = app.get_order(order).amount_due
        paid = app.pay_order(c.PayOrder(order_id=order, amount=amount, payment_ref="p"), context)
        history.orders[order] = paid.status
    elif roll < 0.50:
        order = pick("paid")
        history.orders[order] = app.fulfil_order(c.FulfilOrder(order_id=order), context).status
    elif roll < 0.60:
        order = pick("ready_for_pickup", "out_for_delivery", "shipped")
        history.orders[order] = app.complete_order(c.CompleteOrder(order_id=order), context).status
    elif roll < 0.65:
        order = pick("placed", "paid")
        history.orders[order] = app.cancel_order(c.CancelOrder(order_id=order), context).status
    elif roll < 0.69:
        order = pick("completed", "partially_returned")
        lines = app.order_summary(order).lines
        some = [c.OrderLine(sku=line.sku, quantity=1) for line in lines[:1]]
        returned = app.return_order(
            c.ReturnOrder(order_id=order, lines=rng.choice(([], some)), restock=rng.random() < 0.7),
            context,
        )
        history.orders[order] = returned.status
    elif roll < 0.76:
        app.receive_stock(c.ReceiveStock(store=store, sku=sku, quantity=rng.randint(1, 10)))
    elif roll < 0.80:
        app.adjust_stock(
            c.AdjustStock(store=store, sku=sku, reason="damage", delta=-rng.randint(1, 3)),
            context,
        )
    elif roll < 0.85:
        app.adjust_stock(
            c.AdjustStock(store=store, sku=sku, reason="stocktake", counted=rng.randint(0, 12)),
            context,
        )
    elif roll < 0.88:
        clock.advance(minutes=app.settings.order_ttl_minutes)
        for ref in app.expire_unpaid_orders(context=context):
            history.orders[ref] = "expired"
    elif roll < 0.93:
        ref = f"T-{step}"
        other = STORES[1 - STORES.index(store)]
        app.request_transfer(
            c.RequestTransfer(
                transfer_id=ref,
                from_store=store,
                to_store=other,
                lines=[c.OrderLine(sku=sku, quantity=rng.randint(1, 5))],
            ),
            context,
        )
        history.transfers.append(ref)
    elif history.transfers:
        _advance_transfer(app, rng, rng.choice(history.transfers), context)


def _advance_transfer(
    app: MultiStore, rng: random.Random, ref: str, context: CommandContext
) -> None:
    summary = app.transfer_summary(ref)
    if summary.status == "requested":
        if rng.random() < 0.8:
            app.approve_transfer(c.ApproveTransfer(transfer_id=ref), context)
        else:
            app.reject_transfer(c.RejectTransfer(transfer_id=ref, reason="not now"), context)
    elif summary.status == "approved":
        app.ship_transfer(c.ShipTransfer(transfer_id=ref), context)
    elif summary.status == "shipped":
        line = summary.lines[0]
        arrived = line.quantity - rng.choice((0, 0, 1))
        app.receive_transfer(
            c.ReceiveTransfer(
                transfer_id=ref,
                lines=[c.ReceivedLine(sku=line.sku, quantity=arrived)],
                reason="broken in transit" if arrived != line.quantity else None,
            ),
            context,
        )
