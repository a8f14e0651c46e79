"""The MultiStore application: every command loads aggregates, decides, and saves them together."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4, uuid5

from eventsourcing.utils import get_topic

from multistore_core import commands as c
from multistore_core.application_base import Decision, StaleRead, _raise
from multistore_core.context import Clock, CommandContext, utc_now
from multistore_core.domain.base import Entity
from multistore_core.domain.catalog import CatalogItem
from multistore_core.domain.customer_order import CustomerOrder
from multistore_core.domain.member import MemberAccount
from multistore_core.domain.order import Order, line_total
from multistore_core.domain.stock import StockItem
from multistore_core.domain.store import Store
from multistore_core.errors import (
    AlreadyExists,
    Attempt,
    IdempotencyConflict,
    InsufficientStock,
    InvalidCommand,
    NoStoreCanServe,
    Shortage,
    StoreClosed,
    UnknownOrder,
    UnknownSku,
    UnknownStore,
)
from multistore_core.ids import (
    NAMESPACE,
    catalog_item_id,
    member_id,
    order_id,
    stock_item_id,
    store_id,
)
from multistore_core.member_commands import MemberCommands
from multistore_core.results import (
    OrderSummary,
    Receipt,
    StockLevel,
    at_position,
)
from multistore_core.routing import Route, RouteRequest, StockSource, StoreStock, choose, with_truth
from multistore_core.settings import Settings
from multistore_core.transfer_commands import TransferCommands


class MultiStore(MemberCommands, TransferCommands):
    """The chain's write side. Each public command method is one use case."""

    name = "MultiStore"

    def __init__(
        self,
        settings: Settings | None = None,
        clock: Clock = utc_now,
        stock_source: StockSource | None = None,
    ) -> None:
        # Where routed orders find candidate stores: the stock view when serving the API,
        # else this application's own stock items (exact, slower).
        self.stock_source: StockSource = stock_source or self
        super().__init__(settings, clock)

    # stores

    def register_store(
        self, command: c.RegisterStore, context: CommandContext | None = None
    ) -> Receipt:
        """Add a store or warehouse to the chain."""

        def decide() -> Decision[Receipt]:
            if self._find(Store, store_id(command.code)):
                raise AlreadyExists("code", f"store {command.code!r} is already registered")
            return [Store(**command.model_dump())], Receipt()

        return self._execute(command, context, decide)

    def update_store(
        self, command: c.UpdateStore, context: CommandContext | None = None
    ) -> Receipt:
        """Change a store's name, region, location, revenue share or delivery radius."""

        def decide() -> Decision[Receipt]:
            store = self._store(command.code, "code")
            share = command.hq_revenue_share
            if share is not None and (store.kind == "joint_venture") != (share > 0):
                raise InvalidCommand(
                    "hq_revenue_share", "only joint-venture stores share revenue, and they must"
                )
            store.update(command.changes())
            return [store], Receipt()

        return self._execute(command, context, decide)

    def close_store(self, command: c.CloseStore, context: CommandContext | None = None) -> Receipt:
        """Close a store: it takes no new orders; open orders carry on."""

        def decide() -> Decision[Receipt]:
            store = self._store(command.code, "code")
            store.close(command.reason)
            return [store], Receipt()

        return self._execute(command, context, decide)

    def reopen_store(
        self, command: c.ReopenStore, context: CommandContext | None = None
    ) -> Receipt:
        """Open a closed store again."""

        def decide() -> Decision[Receipt]:
            store = self._store(command.code, "code")
            store.reopen()
            return [store], Receipt()

        return self._execute(command, context, decide)

    # catalog

    def register_sku(
        self, command: c.RegisterSku, context: CommandContext | None = None
    ) -> Receipt:
        """Add a SKU to the chain's catalog."""

        def decide() -> Decision[Receipt]:
            if self._find(CatalogItem, catalog_item_id(command.sku)):
                raise AlreadyExists("sku", f"SKU {command.sku!r} is already registered")
            return [CatalogItem(**command.model_dump())], Receipt()

        return self._execute(command, context, decide)

    def change_price(
        self, command: c.ChangePrice, context: CommandContext | None = None
    ) -> Receipt:
        """Set a SKU's base price, region factors and franchise minimum price."""

        def decide() -> Decision[Receipt]:
            item = self._catalog_item(command.sku)
            item.change_price(
                command.base_price, command.region_price_factors, command.franchise_min_price
            )
            return [item], Receipt()

        return self._execute(command, context, decide)

    # stock

    def receive_stock(
        self, command: c.ReceiveStock, context: CommandContext | None = None
    ) -> StockLevel:
        """Book units delivered to a store."""

        def decide() -> Decision[StockLevel]:
            item = self._stock_item(command.store, command.sku)
            item.receive(command.quantity, command.reference)
            return [item], StockLevel.of(item)

        return self._execute(command, context, decide)

    def adjust_stock(
        self, command: c.AdjustStock, context: CommandContext | None = None
    ) -> StockLevel:
        """Book a stocktake count, damage, shrinkage or correction."""

        def decide() -> Decision[StockLevel]:
            item = self._stock_item(command.store, command.sku)
            if command.counted is not None:
                item.count(command.counted, command.note)
            else:
                assert command.delta is not None
                item.adjust(command.reason, command.delta, command.note)
            return [item], StockLevel.of(item)

        return self._execute(command, context, decide)

    def set_safety_stock(
        self, command: c.SetSafetyStock, context: CommandContext | None = None
    ) -> StockLevel:
        """Set the level below which a store's SKU counts as low on stock."""

        def decide() -> Decision[StockLevel]:
            item = self._stock_item(command.store, command.sku)
            item.set_safety_stock(command.quantity)
            return [item], StockLevel.of(item)

        return self._execute(command, context, decide)

    def stock_level(self, store: str, sku: str, version: int | None = None) -> StockLevel:
        """Exact stock of one SKU at one store, now or at an earlier version of its item."""
        self._store(store)
        self._catalog_item(sku)
        item = self._find(StockItem, stock_item_id(store, sku), version)
        return StockLevel.of(item or StockItem(store=store, sku=sku))

    # orders

    def place_order(
        self, command: c.PlaceOrder, context: CommandContext | None = None
    ) -> OrderSummary:
        """Reserve every line at the store and place the order, or reserve nothing.

        Without a store the order is routed from the buyer's location (docs/routing.md).
        """
        if command.store is None:
            return self._place_routed(command, context)
        code = command.store
        ref = _order_reference(command)

        def decide() -> Decision[OrderSummary]:
            existing = self._find(Entity, order_id(ref))
            if existing is not None:
                if not isinstance(existing, Order):
                    raise IdempotencyConflict("order_id", f"{ref!r} was placed as a split order")
                _check_same_order(existing, command)
                return [], at_position(OrderSummary.of(existing, False), self.log_position())
            store = self._store(code)
            store.check_open()
            lines = [(index, line.sku, line.quantity) for index, line in enumerate(command.lines)]
            items, priced = self._reserve(ref, store, lines)
            order, members = self._new_order(ref, store, command, priced)
            return [order, *items, *members], OrderSummary.of(order)

        skus = [line.sku for line in command.lines]
        reads = [order_id(ref), store_id(code), *map(catalog_item_id, skus)]
        reads += [stock_item_id(code, sku) for sku in skus]
        if command.member_id is not None and command.points:
            reads.append(member_id(command.member_id))
        return self._execute(command, context, decide, reads)

    def _reserve(
        self, ref: str, store: Store, lines: Sequence[tuple[int, str, int]]
    ) -> tuple[list[StockItem], list[dict[str, Any]]]:
        """Reserve ``(index, sku, quantity)`` lines at ``store`` for order ``ref``, every line
        or none; return the stock items and the lines priced for the store."""
        items: list[StockItem] = []
        priced: list[dict[str, Any]] = []
        shortages: list[Shortage] = []
        for index, sku, quantity in lines:
            field = f"lines[{index}]"
            catalog = self._catalog_item(sku, f"{field}.sku")
            item = self._find(StockItem, stock_item_id(store.code, sku))
            if item is None:
                shortages.append(Shortage(field, sku, quantity, 0))
                continue
            if ref in item.reservations:
                raise _placed_meanwhile(ref)
            try:
                item.reserve(ref, quantity, field)
            except InsufficientStock as refusal:
                shortages.extend(refusal.shortages)
                continue
            items.append(item)
            unit_price = catalog.unit_price(store.region, store.kind)
            priced.append({"sku": sku, "quantity": quantity, "unit_price": unit_price})
        if shortages:
            raise InsufficientStock(store.code, shortages)
        return items, priced

    def _new_order(
        self,
        ref: str,
        store: Store,
        command: c.PlaceOrder,
        priced: list[dict[str, Any]],
        routing: dict[str, Any] | None = None,
        customer_order: str | None = None,
    ) -> tuple[Order, list[MemberAccount]]:
        """The placed order at ``store``, and the member account its points come from."""
        total = sum((line_total(line) for line in priced), Decimal(0))
        members = self._redeem_for(ref, command, store.code, total)
        order = Order.place(
            order_ref=ref,
            store=store.code,
            region=store.region,
            store_kind=store.kind,
            fulfilment=command.fulfilment,
            member_id=command.member_id,
            lines=priced,
            total=total,
            expires_at=self.clock() + timedelta(minutes=self.settings.order_ttl_minutes),
            points_used=command.points or 0,
            points_value=self.points_value(command.points or 0),
            routing=routing,
            customer_order=customer_order,
        )
        return order, members

    # routing

    def _place_routed(self, command: c.PlaceOrder, context: CommandContext | None) -> OrderSummary:
        """Route an order that names no store: rank stores by the stock source (which may be
        behind), let the stock items confirm, and re-route with what they said when they
        refuse, up to ``routing_attempts`` routes."""
        assert command.buyer_location is not None
        ref = _order_reference(command)
        wanted = {line.sku: line.quantity for line in command.lines}
        location = command.buyer_location
        request = RouteRequest(
            command.fulfilment, location.latitude, location.longitude, wanted, command.allow_split
        )
        rules = self.settings.routing_rules()
        snapshot = self.stock_source.stock_for(list(wanted))

        def decide() -> Decision[OrderSummary]:
            existing = self._find(Entity, order_id(ref))
            if existing is not None:
                _check_same_routed(existing, command)
                if isinstance(existing, CustomerOrder):
                    parts = [self._order(part) for part in existing.part_ids]
                    summary = OrderSummary.of_split(existing, parts, False)
                else:
                    assert isinstance(existing, Order)
                    summary = OrderSummary.of(existing, False)
                return [], at_position(summary, self.log_position())
            for index, line in enumerate(command.lines):
                self._catalog_item(line.sku, f"lines[{index}].sku")
            known = snapshot
            tried: list[Attempt] = []
            route = None
            for _ in range(self.settings.routing_attempts):
                route = choose(request, known, rules)
                if route is None:
                    break
                refused = False
                for part in route.parts:
                    store, available = self._exact_stock(part.store, list(wanted))
                    serves = {sku: wanted[sku] for sku in part.skus}
                    outcome = _refusal(store, serves, available)
                    if outcome is not None:
                        tried.append(Attempt(part.store, outcome))
                        known = with_truth(known, part.store, store.is_open, available)
                        refused = True
                if not refused:
                    tried.extend(Attempt(part.store, "reserved") for part in route.parts)
                    try:
                        return self._reserve_route(ref, command, route, tried)
                    except (InsufficientStock, StoreClosed) as changed:
                        raise StaleRead("stock moved between checking and reserving") from changed
            if self._find(Entity, order_id(ref)) is not None:
                raise _placed_meanwhile(ref)
            if route is None:
                reason = _unroutable(command)
            else:
                reason = f"the stock items refused {self.settings.routing_attempts} routes"
            raise NoStoreCanServe(reason, tried)

        return self._execute(command, context, decide)

    def _reserve_route(
        self, ref: str, command: c.PlaceOrder, route: Route, tried: list[Attempt]
    ) -> Decision[OrderSummary]:
        """Place the order along ``route``: one order, or a split order and one part per store,
        every line reserved in the same save."""
        assert command.buyer_location is not None
        routing = {
            "policy": self.settings.routing_policy,
            "reason": route.reason,
            "tried": [asdict(attempt) for attempt in tried],
            "latitude": command.buyer_location.latitude,
            "longitude": command.buyer_location.longitude,
            "allow_split": command.allow_split,
        }
        index = {line.sku: n for n, line in enumerate(command.lines)}
        wanted = {line.sku: line.quantity for line in command.lines}
        if len(route.parts) == 1:
            store = self._store(route.parts[0].store)
            store.check_open()
            lines = [(index[sku], sku, wanted[sku]) for sku in route.parts[0].skus]
            items, priced = self._reserve(ref, store, lines)
            order, members = self._new_order(ref, store, command, priced, routing)
            return [order, *items, *members], OrderSummary.of(order)
        orders: list[Order] = []
        all_items: list[StockItem] = []
        for number, part in enumerate(route.parts, 1):
            part_ref = f"{ref}.{number}"
            taken = self._find(Entity, order_id(part_ref))
            if isinstance(taken, Order) and taken.customer_order == ref:
                raise _placed_meanwhile(ref)
            if taken is not None:
                raise InvalidCommand(
                    "order_id", f"{part_ref!r}, the id of a part, is taken: use another order id"
                )
            store = self._store(part.store)
            store.check_open()
            lines = [(index[sku], sku, wanted[sku]) for sku in part.skus]
            items, priced = self._reserve(part_ref, store, lines)
            order, _ = self._new_order(part_ref, store, command, priced, customer_order=ref)
            orders.append(order)
            all_items.extend(items)
        customer = CustomerOrder(
            order_ref=ref,
            fulfilment=command.fulfilment,
            member_id=command.member_id,
            lines=[line.model_dump() for line in command.lines],
            parts=[{"order_id": o.order_ref, "store": o.store} for o in orders],
            total=sum((Decimal(o.total) for o in orders), Decimal(0)),
            routing=routing,
        )
        return [customer, *orders, *all_items], OrderSummary.of_split(customer, orders)

    def _exact_stock(self, code: str, skus: Sequence[str]) -> tuple[Store, dict[str, int]]:
        """A store and its available units of ``skus``, from the aggregates."""
        store = self._store(code)
        available = {}
        for sku in skus:
            item = self._find(StockItem, stock_item_id(code, sku))
            available[sku] = item.available if item is not None else 0
        return store, available

    def stock_for(self, skus: Sequence[str]) -> list[StoreStock]:
        """Every store with its exact available units of ``skus``: the write-side stock source
        (one load per store and SKU; the API routes from the stock view instead)."""
        found = []
        registered = Store.Registered  # type: ignore[attr-defined]
        for code in sorted(self._keys_in_log(registered, _store_code)):
            store, available = self._exact_stock(code, skus)
            found.append(
                StoreStock(
                    code,
                    store.region,
                    store.kind,
                    store.latitude,
                    store.longitude,
                    store.delivery_radius_km,
                    store.is_open,
                    available,
                )
            )
        return found

    def pay_order(self, command: c.PayOrder, context: CommandContext | None = None) -> OrderSummary:
        """Record the payment of a placed order; the amount must equal its total."""

        def decide() -> Decision[OrderSummary]:
            customer, orders = self._split_or_order(command.order_id)
            if customer is None:
                order = orders[0]
                order.pay(command.amount, command.payment_ref)
                return [order], OrderSummary.of(order)
            if customer.order_ref != command.order_id:
                raise InvalidCommand(
                    "order_id",
                    f"{command.order_id!r} is a part of {customer.order_ref!r}: pay that whole",
                )
            due = sum((order.amount_due for order in orders), Decimal(0))
            if command.amount != due:
                raise InvalidCommand(
                    "amount", f"must equal the amount due {due}, not {command.amount}"
                )
            for order in orders:
                order.pay(order.amount_due, command.payment_ref)
            return orders, OrderSummary.of_split(customer, orders)

        return self._execute(command, context, decide)

    def fulfil_order(
        self, command: c.FulfilOrder, context: CommandContext | None = None
    ) -> OrderSummary:
        """Mark a paid order ready for pickup, out for delivery or shipped."""

        def decide() -> Decision[OrderSummary]:
            order = self._order(command.order_id)
            order.fulfil()
            return [order], OrderSummary.of(order)

        return self._execute(command, context, decide)

    def complete_order(
        self, command: c.CompleteOrder, context: CommandContext | None = None
    ) -> OrderSummary:
        """Complete a fulfilled order: its reserved units leave the store."""

        def decide() -> Decision[OrderSummary]:
            order = self._order(command.order_id)
            order.complete()
            items = self._order_stock(order)
            for item in items:
                item.sell(order.order_ref)
            return [order, *items, *self._member_follows(order)], OrderSummary.of(order)

        return self._execute(command, context, decide)

    def cancel_order(
        self, command: c.CancelOrder, context: CommandContext | None = None
    ) -> OrderSummary:
        """Cancel a placed or paid order, release its stock and refund any payment.

        A split order is cancelled whole, by its own id or any part's, or not at all.
        """

        def decide() -> Decision[OrderSummary]:
            customer, orders = self._split_or_order(command.order_id)
            changed: list[Entity] = []
            for order in orders:
                order.cancel(command.reason)
                items = self._order_stock(order)
                for item in items:
                    item.release(order.order_ref, "cancelled")
                changed.extend([order, *items, *self._member_follows(order)])
            if customer is not None:
                return changed, OrderSummary.of_split(customer, orders)
            return changed, OrderSummary.of(orders[0])

        return self._execute(command, context, decide)

    def return_order(
        self, command: c.ReturnOrder, context: CommandContext | None = None
    ) -> OrderSummary:
        """Take back a completed order, whole or by line, restocking if asked."""

        def decide() -> Decision[OrderSummary]:
            order = self._order(command.order_id)
            if command.lines:
                quantities = {line.sku: line.quantity for line in command.lines}
            else:
                quantities = order.unreturned()
            order.return_lines(quantities, command.restock, command.reason)
            items = []
            if command.restock:
                for sku, quantity in quantities.items():
                    item = self._stock_item(order.store, sku)
                    item.restock(order.order_ref, quantity)
                    items.append(item)
            return [order, *items, *self._member_follows(order)], OrderSummary.of(order)

        return self._execute(command, context, decide)

    def expire_unpaid_orders(
        self, now: datetime | None = None, context: CommandContext | None = None
    ) -> list[str]:
        """Expire every unpaid order past its time to live; return their ids."""
        now = now or self.clock()
        with self._expiry_lock:
            self._follow_placed_orders()
            due = [ref for ref, expires_at in self._unpaid.items() if expires_at <= now]
        expired = []
        for ref in due:
            command = c.CancelOrder(order_id=ref, reason="expired")

            def decide(ref: str = ref) -> Decision[OrderSummary]:
                order = self._order(ref)
                if not order.is_expired_at(now):
                    return [], OrderSummary.of(order)
                order.expire(now)
                items = self._order_stock(order)
                for item in items:
                    item.release(ref, "expired")
                return [order, *items, *self._member_follows(order)], OrderSummary.of(order)

            summary = self._execute(command, context, decide)
            if summary.status == "expired":
                expired.append(ref)
            if summary.status != "placed":
                with self._expiry_lock:
                    self._unpaid.pop(ref, None)
        return expired

    def _follow_placed_orders(self) -> None:
        """Read newly placed orders from the log into the unpaid candidates."""
        topic = get_topic(Order.Placed)
        while True:
            notifications = self.recorder.select_notifications(
                self._expiry_position, 500, topics=[topic], inclusive_of_start=False
            )
            if not notifications:
                return
            for notification in notifications:
                placed: Any = self.mapper.to_domain_event(notification)
                self._unpaid[placed.order_ref] = placed.expires_at
            self._expiry_position = notifications[-1].id

    def _order_stock(self, order: Order) -> list[StockItem]:
        items = []
        for line in order.lines:
            item = self._find(StockItem, stock_item_id(order.store, line["sku"]))
            assert item is not None, f"order {order.order_ref} reserved {line['sku']} nowhere"
            items.append(item)
        return items

    # points on orders

    def _redeem_for(
        self, ref: str, command: c.PlaceOrder, store: str, total: Decimal
    ) -> list[MemberAccount]:
        """Take the points a placement redeems from its member's account (none if no points)."""
        if not command.points:
            return []
        assert command.member_id is not None
        value = self.points_value(command.points)
        if value >= total:
            raise InvalidCommand(
                "points", f"{command.points} points are worth {value}: not below the total {total}"
            )
        member = self._member(command.member_id)
        member.redeem(ref, store, command.points, self.clock())
        return [member]

    def _member_follows(self, order: Order) -> list[MemberAccount]:
        """Bring the order's member account in line with the order's status.

        Completed: earn on the amount paid. Cancelled or expired: give back the redeemed
        points. Returned: reverse the refunded share of the earned points and give back the
        same share of the redeemed points. Each step is bounded per order, so repeating it
        changes nothing.
        """
        if order.member_id is None:
            return []
        member = self._find(MemberAccount, member_id(order.member_id))
        if member is None:
            return []
        rules = self.settings.points_rules()
        ref = order.order_ref
        if order.status == "completed":
            member.earn(ref, order.store, Decimal(order.paid_amount), self.clock(), rules)
        elif order.status in ("cancelled", "expired"):
            member.restore(ref, order.points_used, order.status)
        elif order.status in ("returned", "partially_returned"):
            refunded, paid = Decimal(order.refunded), Decimal(order.paid_amount)
            member.reverse(ref, refunded, rules)
            member.restore(ref, math.floor(order.points_used * refunded / paid), "returned")
        return [member]

    # reading aggregates

    def get_store(self, code: str, version: int | None = None) -> Store:
        """A store's state now, or at an earlier version."""
        return self._find(Store, store_id(code), version) or _raise(UnknownStore(code, "code"))

    def get_catalog_item(self, sku: str, version: int | None = None) -> CatalogItem:
        """A catalog item's state now, or at an earlier version."""
        return self._find(CatalogItem, catalog_item_id(sku), version) or _raise(UnknownSku(sku))

    def get_stock_item(self, store: str, sku: str, version: int | None = None) -> StockItem:
        """A stock item's state now, or at an earlier version."""
        item = self._find(StockItem, stock_item_id(store, sku), version)
        return item or _raise(InvalidCommand("sku", f"no stock history for {sku!r} at {store!r}"))

    def get_order(self, order_ref: str, version: int | None = None) -> Order:
        """An order's state now, or at an earlier version (a split order's parts are orders)."""
        found = self._find(Entity, order_id(order_ref), version)
        return found if isinstance(found, Order) else _raise(UnknownOrder(order_ref))

    def get_customer_order(self, order_ref: str, version: int | None = None) -> CustomerOrder:
        """A split order's link to its parts, now or at an earlier version."""
        found = self._find(Entity, order_id(order_ref), version)
        return found if isinstance(found, CustomerOrder) else _raise(UnknownOrder(order_ref))

    def order_summary(self, order_ref: str) -> OrderSummary:
        """An order, or a split order with its parts, as the write side knows it now."""
        found = self._find(Entity, order_id(order_ref))
        if isinstance(found, CustomerOrder):
            parts = [self._order(part) for part in found.part_ids]
            return OrderSummary.of_split(found, parts, created=False)
        return OrderSummary.of(self._order(order_ref), created=False)


def _store_code(registered: Any) -> str:
    return str(registered.code)


def _refusal(store: Store, lines: dict[str, int], available: dict[str, int]) -> str | None:
    """Why the aggregates refuse to serve ``lines`` at ``store`` (None if they would)."""
    if not store.is_open:
        return "refused: the store is closed (the stock view was behind)"
    short = [f"{sku} {available[sku]} of {q}" for sku, q in lines.items() if available[sku] < q]
    if short:
        return f"refused: the stock view was behind ({', '.join(short)} available)"
    return None


def _placed_meanwhile(ref: str) -> StaleRead:
    """A retry of order ``ref`` saw the stock another retry of it had just reserved."""
    return StaleRead(f"order {ref!r} was placed while this placement was deciding")


def _unroutable(command: c.PlaceOrder) -> str:
    place = {
        "pickup": "open store",
        "delivery": "open store delivering to the buyer",
        "ship": "open warehouse",
    }[command.fulfilment]
    if command.allow_split and len(command.lines) > 1:
        return f"no {place} has every line, and no split over few enough stores covers them"
    return f"no {place} has every line"


def _check_same_routed(found: Entity, command: c.PlaceOrder) -> None:
    """A repeated routed placement must ask for what the first one asked for."""
    assert command.buyer_location is not None
    routing = getattr(found, "routing", None)
    asked = (command.buyer_location.latitude, command.buyer_location.longitude)
    same = (
        isinstance(found, Order | CustomerOrder)
        and routing is not None
        and (routing["latitude"], routing["longitude"]) == asked
        and routing["allow_split"] == command.allow_split
        and found.fulfilment == command.fulfilment
        and found.member_id == command.member_id
        and getattr(found, "points_used", 0) == (command.points or 0)
        and {line["sku"]: line["quantity"] for line in found.lines}
        == {line.sku: line.quantity for line in command.lines}
    )
    if not same:
        field = "idempotency_key" if command.order_id is None else "order_id"
        ref = getattr(found, "order_ref", "")
        raise IdempotencyConflict(field, f"order {ref!r} was placed with other content")


def _order_reference(command: c.PlaceOrder) -> str:
    if command.order_id:
        return command.order_id
    if command.idempotency_key:
        return "K-" + uuid5(NAMESPACE, f"idempotency/{command.idempotency_key}").hex[:20]
    return "O-" + uuid4().hex[:20]


def _check_same_order(order: Order, command: c.PlaceOrder) -> None:
    wanted = {line.sku: line.quantity for line in command.lines}
    placed = {line["sku"]: line["quantity"] for line in order.lines}
    same = (
        order.store == command.store
        and order.fulfilment == command.fulfilment
        and order.member_id == command.member_id
        and order.points_used == (command.points or 0)
        and wanted == placed
    )
    if not same:
        field = "idempotency_key" if command.order_id is None else "order_id"
        raise IdempotencyConflict(field, f"order {order.order_ref!r} was placed with other content")
