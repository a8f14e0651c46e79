"""The replay model of stock items: balances and flows per store and SKU, from payloads alone."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from uuid import UUID

from multistore_core.audit.log import Record
from multistore_core.audit.rules import Book, Checker, handles
from multistore_core.results import StockLevel

LEVEL_RULES = ("stock.non_negative", "stock.reserved_within_on_hand", "stock.conserved")


@dataclass(slots=True)
class Tally:
    """One store's SKU: balances, the flows that explain on_hand, and open commitments."""

    store: str
    sku: str
    received: int = 0
    sold: int = 0
    adjusted: int = 0  # units removed by adjustments, stocktakes and write-offs (net)
    transferred_out: int = 0
    transferred_in: int = 0
    restocked: int = 0
    reserved: int = 0
    shortage: int = 0
    incoming: int = 0
    safety_stock: int = 0
    reservations: dict[str, int] = field(default_factory=dict)
    reserved_orders: set[str] = field(default_factory=set)
    sales: dict[str, int] = field(default_factory=dict)
    restocks: dict[str, int] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)
    shipped: set[str] = field(default_factory=set)
    booked_in: set[str] = field(default_factory=set)

    @property
    def on_hand(self) -> int:
        return (
            self.received
            - self.sold
            - self.adjusted
            - self.transferred_out
            + self.transferred_in
            + self.restocked
        )

    @property
    def subject(self) -> str:
        return f"{self.store}/{self.sku}"

    def level(self, position: int | None = None) -> StockLevel:
        on_hand = self.on_hand
        return StockLevel(
            store=self.store,
            sku=self.sku,
            on_hand=on_hand,
            reserved=self.reserved,
            available=on_hand - self.reserved,
            incoming=self.incoming,
            safety_stock=self.safety_stock,
            shortage=self.shortage,
            position=position,
        )


@dataclass(slots=True)
class Movements:
    """What one order or transfer did to stock, per (store, sku)."""

    reserved: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    sold: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    released: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    shipped: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    incoming: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    booked_in: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    first: Record | None = None


class StockBook(Book):
    """Stock per store and SKU, recomputed from every StockItem event's payload."""

    def __init__(self, checker: Checker) -> None:
        super().__init__(checker)
        self.items: dict[UUID, Tally] = {}
        self.by_key: dict[tuple[str, str], Tally] = {}
        self.orders: dict[str, Movements] = defaultdict(Movements)
        self.transfers: dict[str, Movements] = defaultdict(Movements)

    def _tally(self, record: Record) -> Tally | None:
        tally = self.items.get(record.aggregate_id)
        if tally is None:
            self.checker.fail(
                "log.sequence", record, str(record.aggregate_id), "stock event before Opened"
            )
        return tally

    @staticmethod
    def _movements(book: dict[str, Movements], ref: str, record: Record) -> Movements:
        movements = book[ref]
        movements.first = movements.first or record
        return movements

    def _check(self, tally: Tally, record: Record) -> None:
        on_hand = tally.on_hand
        fail = self.checker.fail
        if on_hand < 0 or tally.reserved < 0 or tally.shortage < 0 or tally.incoming < 0:
            fail(
                "stock.non_negative",
                record,
                tally.subject,
                f"on_hand {on_hand}, reserved {tally.reserved}, shortage {tally.shortage},"
                f" incoming {tally.incoming}",
            )
        elif on_hand - tally.shortage < 0:
            fail(
                "stock.non_negative",
                record,
                tally.subject,
                f"physical count {on_hand - tally.shortage} (on_hand {on_hand} less shortage"
                f" {tally.shortage})",
            )
        if tally.reserved > on_hand:
            fail(
                "stock.reserved_within_on_hand",
                record,
                tally.subject,
                f"reserved {tally.reserved} exceeds on_hand {on_hand}",
            )

    def _positive(self, tally: Tally, record: Record, quantity: int, zero_ok: bool = False) -> bool:
        if isinstance(quantity, int) and (quantity > 0 or (zero_ok and quantity == 0)):
            return True
        self.checker.fail(
            "stock.positive_quantities", record, tally.subject, f"quantity {quantity!r}"
        )
        return False

    def _covered(self, tally: Tally, record: Record, quantity: int, covered: int) -> None:
        """Check that ``covered`` units of ``quantity`` fill the shortage as the rules say."""
        if covered != min(quantity, tally.shortage):
            self.checker.fail(
                "stock.conserved",
                record,
                tally.subject,
                f"covered_shortage {covered} but {quantity} units against a shortage of"
                f" {tally.shortage} cover {min(quantity, tally.shortage)}",
            )

    @handles("StockItem.Opened", "log.sequence")
    def opened(self, record: Record) -> None:
        state = record.state
        tally = Tally(state["store"], state["sku"])
        self.items[record.aggregate_id] = tally
        self.by_key[(tally.store, tally.sku)] = tally

    @handles("StockItem.Received", "stock.positive_quantities", *LEVEL_RULES)
    def received(self, record: Record) -> None:
        tally = self._tally(record)
        if tally is None:
            return
        quantity, covered = record.state["quantity"], record.state["covered_shortage"]
        self._positive(tally, record, quantity)
        self._covered(tally, record, quantity, covered)
        tally.received += quantity
        tally.adjusted += covered
        tally.shortage -= covered
        self._check(tally, record)

    @handles("StockItem.Adjusted", *LEVEL_RULES)
    def adjusted(self, record: Record) -> None:
        tally = self._tally(record)
        if tally is None:
            return
        tally.adjusted -= record.state["delta"]
        self._check(tally, record)

    @handles("StockItem.Counted", *LEVEL_RULES)
    def counted(self, record: Record) -> None:
        tally = self._tally(record)
        if tally is None:
            return
        counted, delta = record.state["counted"], record.state["delta"]
        booked = max(counted, tally.reserved)
        if tally.on_hand + delta != booked:
            self.checker.fail(
                "stock.conserved",
                record,
                tally.subject,
                f"stocktake counted {counted} with {tally.reserved} reserved, so on_hand must"
                f" become {booked}, but delta {delta} makes it {tally.on_hand + delta}",
            )
        tally.adjusted -= delta
        tally.shortage = 0
        self._check(tally, record)

    @handles("StockItem.ShortageRecorded", *LEVEL_RULES)
    def shortage_recorded(self, record: Record) -> None:
        tally = self._tally(record)
        if tally is None:
            return
        counted, shortage = record.state["counted"], record.state["shortage"]
        if shortage != tally.reserved - counted or tally.on_hand != tally.reserved:
            self.checker.fail(
                "stock.conserved",
                record,
                tally.subject,
                f"shortage {shortage} for a count of {counted} with {tally.reserved} reserved"
                f" and on_hand {tally.on_hand}",
            )
        tally.shortage = shortage
        self._check(tally, record)

    @handles("StockItem.SafetyStockSet", "stock.non_negative")
    def safety_stock_set(self, record: Record) -> None:
        tally = self._tally(record)
        if tally is None:
            return
        tally.safety_stock = record.state["quantity"]
        if tally.safety_stock < 0:
            self.checker.fail(
                "stock.non_negative", record, tally.subject, f"safety stock {tally.safety_stock}"
            )

    @handles("StockItem.Reserved", "stock.positive_quantities", "order.reserved_once", *LEVEL_RULES)
    def reserved(self, record: Record) -> None:
        tally = self._tally(record)
        if tally is None:
            return
        order, quantity = record.state["order_id"], record.state["quantity"]
        if not self._positive(tally, record, quantity):
            return
        if order in tally.reserved_orders:
            self.checker.fail(
                "order.reserved_once", record, tally.subject, f"order {order!r} reserved again"
            )
        tally.reserved_orders.add(order)
        tally.reservations[order] = tally.reservations.get(order, 0) + quantity
        tally.reserved += quantity
        self._movements(self.orders, order, record).reserved[(tally.store, tally.sku)] += quantity
        self._check(tally, record)

    def _take_reservation(self, tally: Tally, record: Record, what: str) -> int:
        order: str = record.state["order_id"]
        quantity: int = record.state["quantity"]
        held = tally.reservations.pop(order, None)
        if held != quantity:
            self.checker.fail(
                "stock.reservation_honoured",
                record,
                tally.subject,
                f"{what} {quantity} for order {order!r}, which "
                + ("has nothing reserved" if held is None else f"reserved {held}"),
            )
        tally.reserved -= quantity
        return quantity

    @handles("StockItem.Released", "stock.reservation_honoured", *LEVEL_RULES)
    def released(self, record: Record) -> None:
        tally = self._tally(record)
        if tally is None:
            return
        quantity = self._take_reservation(tally, record, "released")
        written_off = record.state["written_off"]
        if written_off != min(quantity, tally.shortage):
            self.checker.fail(
                "stock.conserved",
                record,
                tally.subject,
                f"written_off {written_off} but releasing {quantity} against a shortage of"
                f" {tally.shortage} writes off {min(quantity, tally.shortage)}",
            )
        tally.adjusted += written_off
        tally.shortage -= written_off
        self._movements(self.orders, record.state["order_id"], record).released[
            (tally.store, tally.sku)
        ] += quantity
        self._check(tally, record)

    @handles("StockItem.Sold", "stock.reservation_honoured", "order.completed_once", *LEVEL_RULES)
    def sold(self, record: Record) -> None:
        tally = self._tally(record)
        if tally is None:
            return
        order = record.state["order_id"]
        if order in tally.sales:
            self.checker.fail(
                "order.completed_once", record, tally.subject, f"order {order!r} sold again"
            )
        quantity = self._take_reservation(tally, record, "sold")
        tally.sold += quantity
        tally.sales[order] = tally.sales.get(order, 0) + quantity
        self._movements(self.orders, order, record).sold[(tally.store, tally.sku)] += quantity
        self._check(tally, record)

    @handles(
        "StockItem.Restocked",
        "stock.positive_quantities",
        "stock.restock_within_sale",
        *LEVEL_RULES,
    )
    def restocked(self, record: Record) -> None:
        tally = self._tally(record)
        if tally is None:
            return
        order, quantity = record.state["order_id"], record.state["quantity"]
        if not self._positive(tally, record, quantity):
            return
        tally.restocks[order] = tally.restocks.get(order, 0) + quantity
        if tally.restocks[order] > tally.sales.get(order, 0):
            self.checker.fail(
                "stock.restock_within_sale",
                record,
                tally.subject,
                f"{tally.restocks[order]} restocked for order {order!r}, which bought"
                f" {tally.sales.get(order, 0)} here",
            )
        tally.restocked += quantity
        self._check(tally, record)

    @handles(
        "StockItem.TransferredOut",
        "stock.positive_quantities",
        "transfer.shipped_once",
        *LEVEL_RULES,
    )
    def transferred_out(self, record: Record) -> None:
        tally = self._tally(record)
        if tally is None:
            return
        transfer, quantity = record.state["transfer_id"], record.state["quantity"]
        if not self._positive(tally, record, quantity):
            return
        if transfer in tally.shipped:
            self.checker.fail(
                "transfer.shipped_once", record, tally.subject, f"{transfer!r} left again"
            )
        tally.shipped.add(transfer)
        tally.transferred_out += quantity
        self._movements(self.transfers, transfer, record).shipped[(tally.store, tally.sku)] += (
            quantity
        )
        self._check(tally, record)

    @handles(
        "StockItem.IncomingAdded",
        "stock.positive_quantities",
        "transfer.shipped_once",
        *LEVEL_RULES,
    )
    def incoming_added(self, record: Record) -> None:
        tally = self._tally(record)
        if tally is None:
            return
        transfer, quantity = record.state["transfer_id"], record.state["quantity"]
        if not self._positive(tally, record, quantity):
            return
        if transfer in tally.expected or transfer in tally.booked_in:
            self.checker.fail(
                "transfer.shipped_once", record, tally.subject, f"{transfer!r} incoming again"
            )
        tally.expected[transfer] = quantity
        tally.incoming += quantity
        self._movements(self.transfers, transfer, record).incoming[(tally.store, tally.sku)] += (
            quantity
        )
        self._check(tally, record)

    @handles(
        "StockItem.TransferredIn",
        "stock.positive_quantities",
        "transfer.received_once",
        *LEVEL_RULES,
    )
    def transferred_in(self, record: Record) -> None:
        tally = self._tally(record)
        if tally is None:
            return
        state = record.state
        transfer, quantity = state["transfer_id"], state["quantity"]
        expected, covered = state["expected"], state["covered_shortage"]
        self._positive(tally, record, quantity, zero_ok=True)
        incoming = tally.expected.pop(transfer, None)
        if incoming is None:
            self.checker.fail(
                "transfer.received_once",
                record,
                tally.subject,
                f"{transfer!r} booked in "
                + ("again" if transfer in tally.booked_in else "but never incoming"),
            )
        elif incoming != expected:
            self.checker.fail(
                "stock.conserved",
                record,
                tally.subject,
                f"{transfer!r} expected {expected} but {incoming} were incoming",
            )
        self._covered(tally, record, quantity, covered)
        tally.booked_in.add(transfer)
        tally.incoming -= expected
        tally.transferred_in += quantity
        tally.adjusted += covered
        tally.shortage -= covered
        self._movements(self.transfers, transfer, record).booked_in[(tally.store, tally.sku)] += (
            quantity
        )
        self._check(tally, record)
