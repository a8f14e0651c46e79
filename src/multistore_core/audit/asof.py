"""State as of a moment: stock, orders, members and transfers at a log position or a time."""

from __future__ import annotations

from datetime import datetime

from multistore_core.application import MultiStore
from multistore_core.audit.log import read_pages, topics_of
from multistore_core.audit.replay import Replay
from multistore_core.domain.base import Entity
from multistore_core.domain.member import MemberAccount
from multistore_core.domain.order import Order
from multistore_core.domain.stock import StockItem
from multistore_core.domain.transfer import Transfer
from multistore_core.errors import (
    InvalidCommand,
    UnknownMember,
    UnknownOrder,
    UnknownTransfer,
)
from multistore_core.log_reader import gc_paused
from multistore_core.results import MemberSummary, OrderSummary, StockLevel, TransferSummary


def replay_until(
    app: MultiStore,
    position: int | None = None,
    at: datetime | None = None,
    aggregates: tuple[type[Entity], ...] = (),
) -> tuple[Replay, int]:
    """Replay the log up to ``position`` (inclusive) or up to time ``at``; return the cut.

    With ``at``, the replay stops at the first event issued after ``at``: events carry the
    time their command was issued and writers commit in turns, so a later command may reach
    the log first; the longest prefix of events at or before ``at`` is always a state the log
    really passed through. With a position, only the events of ``aggregates`` are read (all
    when empty).
    """
    with gc_paused():
        return _replay_until(app, position, at, aggregates)


def _replay_until(
    app: MultiStore,
    position: int | None,
    at: datetime | None,
    aggregates: tuple[type[Entity], ...],
) -> tuple[Replay, int]:
    if position is not None and at is not None:
        raise InvalidCommand("at", "give a log position or a time, not both")
    if position is not None and position < 0:
        raise InvalidCommand("position", "a log position is 0 or more")
    replay = Replay()
    cut = 0
    if at is not None:
        for page in read_pages(app):
            for record in page:
                if record.timestamp > at:
                    return replay, cut
                replay.apply(record)
                cut = record.position
        return replay, cut
    cut = app.log_position() if position is None else min(position, app.log_position())
    for page in read_pages(app, upto=cut, topics=topics_of(*aggregates)):
        replay.apply_all(page)
    return replay, cut


def stock_as_of(
    app: MultiStore,
    store: str,
    sku: str | None = None,
    *,
    position: int | None = None,
    at: datetime | None = None,
) -> list[StockLevel]:
    """A store's stock of one SKU or of every SKU it has a history for, as of the cut."""
    app.get_store(store)
    if sku is not None:
        app.get_catalog_item(sku)
    replay, cut = replay_until(app, position, at, (StockItem,))
    tallies = replay.stock.by_key
    if sku is not None:
        tally = tallies.get((store, sku))
        if tally is None:
            return [StockLevel(store, sku, 0, 0, 0, 0, 0, 0, cut)]
        return [tally.level(cut)]
    return [tallies[key].level(cut) for key in sorted(tallies) if key[0] == store]


def order_as_of(
    app: MultiStore, order_ref: str, *, position: int | None = None, at: datetime | None = None
) -> OrderSummary:
    """An order as of the cut; unknown if it was not placed by then."""
    replay, cut = replay_until(app, position, at, (Order,))
    order = replay.orders.by_ref.get(order_ref)
    if order is None:
        raise UnknownOrder(order_ref)
    return order.summary(cut)


def member_as_of(
    app: MultiStore, member: str, *, position: int | None = None, at: datetime | None = None
) -> MemberSummary:
    """A member's points as of the cut; ``usable`` counts lots unexpired at that moment."""
    replay, cut = replay_until(app, position, at, (MemberAccount,))
    account = replay.members.by_member.get(member)
    if account is None:
        raise UnknownMember(member)
    now = at or _time_of(app, cut)
    return account.summary(now, cut)


def transfer_as_of(
    app: MultiStore, transfer_ref: str, *, position: int | None = None, at: datetime | None = None
) -> TransferSummary:
    """A transfer as of the cut; unknown if it was not requested by then."""
    replay, cut = replay_until(app, position, at, (Transfer,))
    transfer = replay.transfers.by_ref.get(transfer_ref)
    if transfer is None:
        raise UnknownTransfer(transfer_ref)
    return transfer.summary(cut)


def _time_of(app: MultiStore, position: int) -> datetime:
    """The time of the event at ``position``."""
    page = next(read_pages(app, after=position - 1, upto=position))
    return page[0].timestamp
