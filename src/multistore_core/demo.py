"""``multistore demo``: a small chain, a few hundred orders, and a summary of what happened."""

from __future__ import annotations

import argparse
import random
from collections import Counter
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.progress import track
from rich.table import Table

from multistore_core.application import MultiStore
from multistore_core.commands import (
    ApproveTransfer,
    CancelOrder,
    CompleteOrder,
    EnrolMember,
    FulfilOrder,
    OrderLine,
    PayOrder,
    PlaceOrder,
    ReceivedLine,
    ReceiveStock,
    ReceiveTransfer,
    RegisterSku,
    RegisterStore,
    RequestTransfer,
    SetSafetyStock,
    ShipTransfer,
)
from multistore_core.context import CommandContext
from multistore_core.errors import InsufficientPoints, InsufficientStock, StoreClosed
from multistore_core.settings import Settings

DEMO_STORES = [
    RegisterStore(code="SH01", name="Shanghai Xuhui", region="east", kind="direct",
                  latitude=31.19, longitude=121.44),
    RegisterStore(code="SH02", name="Shanghai Pudong", region="east", kind="joint_venture",
                  latitude=31.22, longitude=121.54, hq_revenue_share=Decimal("0.30")),
    RegisterStore(code="HZ01", name="Hangzhou Xihu", region="east", kind="franchise",
                  latitude=30.25, longitude=120.15),
    RegisterStore(code="GZ01", name="Guangzhou Tianhe", region="south", kind="direct",
                  latitude=23.13, longitude=113.32),
    RegisterStore(code="SZ01", name="Shenzhen Nanshan", region="south", kind="franchise",
                  latitude=22.53, longitude=113.93),
]  # fmt: skip

PRODUCTS = [
    ("TEA", "Jasmine tea 250g", "12.50"), ("OOL", "Oolong tea 200g", "28.00"),
    ("PUE", "Pu'er cake 357g", "88.00"), ("CUP", "Porcelain cup", "19.90"),
    ("POT", "Clay teapot", "129.00"), ("MOO", "Mooncake box", "66.00"),
    ("NUT", "Mixed nuts 500g", "35.50"), ("DAT", "Red dates 1kg", "24.80"),
    ("HON", "Wildflower honey", "45.00"), ("GOJ", "Goji berries 250g", "18.60"),
]  # fmt: skip


def demo_skus() -> list[RegisterSku]:
    """Twenty SKUs: each product in a regular and a gift size, dearer in the east."""
    skus = []
    for code, name, price in PRODUCTS:
        for size, factor in (("001", Decimal(1)), ("002", Decimal("1.8"))):
            base = (Decimal(price) * factor).quantize(Decimal("0.01"))
            skus.append(
                RegisterSku(
                    sku=f"{code}-{size}",
                    name=name if size == "001" else f"{name} gift box",
                    base_price=base,
                    region_price_factors={"east": Decimal("1.05")},
                    franchise_min_price=(base * Decimal("0.95")).quantize(Decimal("0.01")),
                )
            )
    return skus


DEMO_MEMBERS = [f"M{number:03d}" for number in range(1, 31)]


def build_demo_chain(app: MultiStore, units: int = 60) -> None:
    """Register the demo stores, SKUs and members and receive stock: ``units`` of each SKU at
    each store, but only 12 at one store per SKU, so that transfers get suggested."""
    for store in DEMO_STORES:
        app.register_store(store)
    for index, member in enumerate(DEMO_MEMBERS):
        home = DEMO_STORES[index % len(DEMO_STORES)].code
        app.enrol_member(EnrolMember(member_id=member, home_store=home))
    for row, sku in enumerate(demo_skus()):
        app.register_sku(sku)
        for column, store in enumerate(DEMO_STORES):
            # Each SKU starts scarce at one store, so that transfers get suggested.
            quantity = 12 if (row + column) % len(DEMO_STORES) == 0 else units
            app.receive_stock(ReceiveStock(store=store.code, sku=sku.sku, quantity=quantity))
            app.set_safety_stock(SetSafetyStock(store=store.code, sku=sku.sku, quantity=10))


def random_order(app: MultiStore, rng: random.Random) -> PlaceOrder:
    """A storefront order of 1 to 3 lines at a random store; members sometimes pay in points."""
    skus = rng.sample([sku.sku for sku in demo_skus()], k=rng.randint(1, 3))
    member = rng.choice(DEMO_MEMBERS) if rng.random() < 0.4 else None
    points = None
    if member is not None and rng.random() < 0.3:
        usable = app.member_summary(member).usable
        points = min(usable, 500) if usable >= 100 else None
    return PlaceOrder(
        store=rng.choice(DEMO_STORES).code,
        fulfilment=rng.choice(["pickup", "delivery", "ship"]),
        lines=[OrderLine(sku=sku, quantity=rng.randint(1, 3)) for sku in skus],
        member_id=member,
        points=points,
    )


def play_order(app: MultiStore, rng: random.Random, context: CommandContext | None = None) -> str:
    """Place one random order and take it to a random end; return what became of it."""
    try:
        placed = app.place_order(random_order(app, rng), context)
    except (InsufficientStock, InsufficientPoints, StoreClosed):
        return "refused"
    fate = rng.random()
    if fate < 0.1:
        return "placed"
    if fate < 0.2:
        app.cancel_order(CancelOrder(order_id=placed.order_id), context)
        return "cancelled"
    payment = PayOrder(order_id=placed.order_id, amount=placed.amount_due, payment_ref="demo")
    app.pay_order(payment, context)
    if fate < 0.3:
        return "paid"
    app.fulfil_order(FulfilOrder(order_id=placed.order_id), context)
    app.complete_order(CompleteOrder(order_id=placed.order_id), context)
    return "completed"


def play_transfers(app: MultiStore, rng: random.Random, limit: int = 5) -> Counter[str]:
    """Carry out up to ``limit`` suggested transfers; one in four arrives a unit short."""
    outcomes: Counter[str] = Counter()
    for suggestion in app.suggest_transfers()[:limit]:
        requested = app.request_transfer(
            RequestTransfer(
                from_store=suggestion.from_store,
                to_store=suggestion.to_store,
                lines=[OrderLine(sku=suggestion.sku, quantity=suggestion.quantity)],
            )
        )
        app.approve_transfer(ApproveTransfer(transfer_id=requested.transfer_id))
        app.ship_transfer(ShipTransfer(transfer_id=requested.transfer_id))
        short = suggestion.quantity > 1 and rng.random() < 0.25
        arrived = suggestion.quantity - 1 if short else suggestion.quantity
        app.receive_transfer(
            ReceiveTransfer(
                transfer_id=requested.transfer_id,
                lines=[ReceivedLine(sku=suggestion.sku, quantity=arrived)],
                reason="one unit broken in transit" if short else None,
            )
        )
        outcomes["received short" if short else "received in full"] += 1
        outcomes["units moved"] += arrived
    return outcomes


def run(args: argparse.Namespace) -> int:
    console = Console()
    settings = Settings()
    app = MultiStore(settings)
    if app.log_position() == 0:
        with console.status("Registering 5 stores and 20 SKUs, receiving stock..."):
            build_demo_chain(app)
    rng = random.Random(args.seed)
    outcomes: Counter[str] = Counter()
    for _ in track(range(args.orders), description="Placing orders", console=console):
        outcomes[play_order(app, rng)] += 1
    with console.status("Moving stock between stores as suggested..."):
        transfers = play_transfers(app, rng)
    _print_summary(console, app, outcomes, transfers, settings)
    return 0


def _counts_table(title: str, column: str, counts: Counter[str]) -> Table:
    table = Table(title=title)
    table.add_column(column)
    table.add_column("count", justify="right")
    for name, count in sorted(counts.items()):
        table.add_row(name, str(count))
    return table


def _print_summary(
    console: Console,
    app: MultiStore,
    outcomes: Counter[str],
    transfers: Counter[str],
    settings: Settings,
) -> None:
    console.print(_counts_table("Orders by outcome", "outcome", outcomes))
    console.print(_counts_table("Transfers between stores", "outcome", transfers))
    members = [app.get_member(member) for member in DEMO_MEMBERS]
    console.print(_counts_table("Members by tier", "tier", Counter(m.tier for m in members)))
    earned = sum(e["points"] for m in members for e in m.earnings.values())
    redeemed = sum(r["points"] - r["restored"] for m in members for r in m.redemptions.values())
    console.print(
        f"Member points: {earned} earned, {redeemed} redeemed in orders, "
        f"{sum(m.balance for m in members)} held by {len(members)} members"
    )

    stock = Table(title="Stock left per store (all SKUs)")
    for column in ("store", "on hand", "reserved", "available"):
        stock.add_column(column, justify="left" if column == "store" else "right")
    for store in DEMO_STORES:
        levels = [app.stock_level(store.code, sku.sku) for sku in demo_skus()]
        totals: dict[str, Any] = {
            name: sum(getattr(level, name) for level in levels)
            for name in ("on_hand", "reserved", "available")
        }
        stock.add_row(store.code, *(str(totals[k]) for k in ("on_hand", "reserved", "available")))
    console.print(stock)
    console.print(f"Events written in all: {app.log_position()} ({settings.database_url})")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help="build a demo chain and play a few hundred orders through it"
    )
    parser.add_argument("--orders", type=int, default=300, help="orders to place (default 300)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.set_defaults(run=run)
