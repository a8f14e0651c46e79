"""The stock ledger: every movement of one store's SKU with its balance, reason and actor."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import IO

from multistore_core.application import MultiStore
from multistore_core.audit.log import Record, state_decoder, to_record
from multistore_core.audit.replay import Replay
from multistore_core.ids import stock_item_id

REASONS = {
    "StockItem.Opened": "opened",
    "StockItem.Received": "received",
    "StockItem.Counted": "stocktake",
    "StockItem.ShortageRecorded": "shortage",
    "StockItem.SafetyStockSet": "safety stock",
    "StockItem.Reserved": "reserved",
    "StockItem.Sold": "sold",
    "StockItem.Restocked": "returned",
    "StockItem.TransferredOut": "transferred out",
    "StockItem.IncomingAdded": "incoming",
    "StockItem.TransferredIn": "transferred in",
}

# the payload field a movement's quantity comes from, where it is not "quantity"
QUANTITY_FIELDS = {
    "StockItem.Adjusted": "delta",
    "StockItem.Counted": "counted",
    "StockItem.ShortageRecorded": "shortage",
}


@dataclass(frozen=True)
class Movement:
    """One stock event: what moved, the balances after it, why and who."""

    time: str
    version: int
    event: str
    quantity: int
    on_hand_change: int
    on_hand: int
    reserved: int
    available: int
    incoming: int
    reason: str
    actor: str
    role: str
    order: str
    transfer: str
    reference: str
    command: str


def stock_ledger(
    app: MultiStore,
    store: str,
    sku: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Movement]:
    """Movements of ``sku`` at ``store`` with time in [since, until), oldest first."""
    app.get_store(store)
    app.get_catalog_item(sku)
    decode = state_decoder(app)
    replay = Replay()
    movements = []
    for stored in app.recorder.select_events(stock_item_id(store, sku)):
        record = to_record(stored, 0, decode)
        tally_before = replay.stock.items.get(record.aggregate_id)
        before = tally_before.on_hand if tally_before else 0
        replay.apply(record)
        when = record.timestamp
        if (since is None or when >= since) and (until is None or when < until):
            movements.append(_movement(record, before, replay))
    return movements


def _movement(record: Record, before: int, replay: Replay) -> Movement:
    state, meta = record.state, record.meta
    tally = replay.stock.items[record.aggregate_id]
    quantity = state.get(QUANTITY_FIELDS.get(record.event, "quantity"), 0)
    reason = REASONS.get(record.event) or state.get("reason") or record.event
    return Movement(
        time=record.timestamp.isoformat(),
        version=record.version,
        event=record.event.partition(".")[2],
        quantity=quantity,
        on_hand_change=tally.on_hand - before,
        on_hand=tally.on_hand,
        reserved=tally.reserved,
        available=tally.on_hand - tally.reserved,
        incoming=tally.incoming,
        reason=str(reason),
        actor=str(meta.get("actor") or ""),
        role=str(meta.get("role") or ""),
        order=str(state.get("order_id") or ""),
        transfer=str(state.get("transfer_id") or ""),
        reference=str(state.get("reference") or state.get("note") or ""),
        command=str(meta.get("command") or ""),
    )


def write_csv(rows: Iterable[object], out: IO[str], columns: list[str]) -> None:
    """Rows (dataclasses) as CSV with a header line."""
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(asdict(row))  # type: ignore[call-overload]


def write_jsonl(rows: Iterable[object], out: IO[str]) -> None:
    """Rows (dataclasses) as JSON Lines: one object a line."""
    for row in rows:
        out.write(json.dumps(asdict(row), default=str) + "\n")  # type: ignore[call-overload]


MOVEMENT_COLUMNS = [f.name for f in fields(Movement)]
