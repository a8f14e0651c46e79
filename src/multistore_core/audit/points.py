"""The replay model of member points: lots, balances and per-order earnings and redemptions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from multistore_core.audit.log import Record, moment
from multistore_core.audit.orders import OrderBook
from multistore_core.audit.rules import Book, Checker, handles
from multistore_core.results import MemberSummary


@dataclass(slots=True)
class Lot:
    remaining: int
    expires_at: Any


@dataclass(slots=True)
class Account:
    """One member's points as their events tell it."""

    member: str
    home_store: str
    tier: str
    growth: int = 0
    lots: dict[str, Lot] = field(default_factory=dict)
    earned: dict[str, int] = field(default_factory=dict)
    reversed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    redeemed: dict[str, int] = field(default_factory=dict)
    restored: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def balance(self) -> int:
        return sum(lot.remaining for lot in self.lots.values())

    def summary(self, now: datetime, position: int | None = None) -> MemberSummary:
        usable = sum(lot.remaining for lot in self.lots.values() if moment(lot.expires_at) > now)
        return MemberSummary(
            member_id=self.member,
            home_store=self.home_store,
            tier=self.tier,
            growth=self.growth,
            balance=self.balance,
            usable=usable,
            position=position,
        )


class MemberBook(Book):
    """Member accounts, with every points movement checked against the lots it names."""

    def __init__(self, checker: Checker, orders: OrderBook) -> None:
        super().__init__(checker)
        self.orders = orders
        self.accounts: dict[UUID, Account] = {}
        self.by_member: dict[str, Account] = {}

    def _account(self, record: Record) -> Account | None:
        account = self.accounts.get(record.aggregate_id)
        if account is None:
            self.checker.fail(
                "log.sequence", record, str(record.aggregate_id), "member event before Enrolled"
            )
        return account

    def _parts(
        self, record: Record, account: Account, parts: list[dict[str, Any]], sign: int, total: int
    ) -> None:
        """Move each part's points into (+1) or out of (-1) its lot; the parts sum to ``total``."""
        subject = f"member {account.member}"
        if sum(part["points"] for part in parts) != total:
            self.checker.fail(
                "points.conserved",
                record,
                subject,
                f"parts sum to {sum(part['points'] for part in parts)}, the event says {total}",
            )
        for part in parts:
            lot = account.lots.get(part["lot"])
            if lot is None:
                self.checker.fail("points.conserved", record, subject, f"no lot {part['lot']!r}")
                continue
            lot.remaining += sign * part["points"]
            if lot.remaining < 0:
                self.checker.fail(
                    "points.non_negative",
                    record,
                    subject,
                    f"lot {part['lot']!r} at {lot.remaining} points",
                )

    @handles("MemberAccount.Enrolled", "log.sequence")
    def enrolled(self, record: Record) -> None:
        state = record.state
        account = Account(state["member"], state["home_store"], state["tier"])
        self.accounts[record.aggregate_id] = account
        self.by_member[account.member] = account

    @handles("MemberAccount.PointsEarned", "points.earned_once", "points.non_negative")
    def points_earned(self, record: Record) -> None:
        account = self._account(record)
        if account is None:
            return
        state = record.state
        ref, points = state["order_ref"], state["points"]
        subject = f"member {account.member}"
        order = self.orders.by_ref.get(ref)
        if ref in account.earned:
            self.checker.fail("points.earned_once", record, subject, f"order {ref!r} earned again")
        elif order is None or order.status != "completed" or order.member != account.member:
            status = "never placed" if order is None else f"{order.status}, member {order.member}"
            self.checker.fail(
                "points.earned_once", record, subject, f"earned on order {ref!r} ({status})"
            )
        if points < 0:
            self.checker.fail("points.non_negative", record, subject, f"earned {points}")
        account.earned[ref] = account.earned.get(ref, 0) + points
        account.growth += state["growth"]
        if points:
            account.lots[f"order:{ref}"] = Lot(points, state["expires_at"])

    @handles("MemberAccount.PointsGranted", "points.non_negative")
    def points_granted(self, record: Record) -> None:
        account = self._account(record)
        if account is None:
            return
        points = record.state["points"]
        if points <= 0:
            self.checker.fail(
                "points.non_negative", record, f"member {account.member}", f"granted {points}"
            )
        account.lots[f"grant:{record.state['reference']}"] = Lot(points, record.state["expires_at"])

    @handles(
        "MemberAccount.PointsRedeemed",
        "points.redeemed_once",
        "points.conserved",
        "points.non_negative",
    )
    def points_redeemed(self, record: Record) -> None:
        account = self._account(record)
        if account is None:
            return
        ref, points = record.state["order_ref"], record.state["points"]
        if ref in account.redeemed:
            self.checker.fail(
                "points.redeemed_once", record, f"member {account.member}", f"order {ref!r}"
            )
        account.redeemed[ref] = account.redeemed.get(ref, 0) + points
        self._parts(record, account, record.state["taken"], -1, points)

    @handles(
        "MemberAccount.PointsRestored",
        "points.restored_within_redeemed",
        "points.conserved",
        "points.non_negative",
    )
    def points_restored(self, record: Record) -> None:
        account = self._account(record)
        if account is None:
            return
        ref, points = record.state["order_ref"], record.state["points"]
        account.restored[ref] += points
        if account.restored[ref] > account.redeemed.get(ref, 0):
            self.checker.fail(
                "points.restored_within_redeemed",
                record,
                f"member {account.member}",
                f"{account.restored[ref]} given back to order {ref!r}, which redeemed"
                f" {account.redeemed.get(ref, 0)}",
            )
        self._parts(record, account, record.state["given"], 1, points)

    @handles(
        "MemberAccount.PointsReversed",
        "points.reversed_within_earned",
        "points.conserved",
        "points.non_negative",
    )
    def points_reversed(self, record: Record) -> None:
        account = self._account(record)
        if account is None:
            return
        state = record.state
        ref, points = state["order_ref"], state["points"]
        account.reversed[ref] += points
        if account.reversed[ref] > account.earned.get(ref, 0):
            self.checker.fail(
                "points.reversed_within_earned",
                record,
                f"member {account.member}",
                f"{account.reversed[ref]} reversed for order {ref!r}, which earned"
                f" {account.earned.get(ref, 0)}",
            )
        account.growth -= state["growth"]
        self._parts(record, account, state["taken"], -1, points - state["unrecovered"])

    @handles("MemberAccount.PointsExpired", "points.conserved", "points.non_negative")
    def points_expired(self, record: Record) -> None:
        account = self._account(record)
        if account is None:
            return
        self._parts(record, account, record.state["lots"], -1, record.state["points"])

    @handles("MemberAccount.TierChanged")
    def tier_changed(self, record: Record) -> None:
        account = self._account(record)
        if account is not None:
            account.tier = record.state["tier"]
