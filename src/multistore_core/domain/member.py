"""The MemberAccount aggregate: points lots earned and redeemed at any store, and tiers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from multistore_core.domain.base import Entity
from multistore_core.errors import InsufficientPoints, InvalidCommand
from multistore_core.ids import member_id


@dataclass(frozen=True)
class Tier:
    name: str
    growth: int
    multiplier: Decimal


@dataclass(frozen=True)
class PointsRules:
    """How points are earned and kept: rate per whole currency unit, validity, tiers."""

    earn_per_unit: Decimal
    validity_days: int
    tiers: tuple[Tier, ...]

    def tier_for(self, growth: int) -> Tier:
        """The highest tier whose growth threshold ``growth`` reaches."""
        reached = [tier for tier in self.tiers if growth >= tier.growth]
        return max(reached, key=lambda tier: tier.growth)

    def tier_named(self, name: str) -> Tier:
        return next(tier for tier in self.tiers if tier.name == name)


def _share(whole: int, part: Decimal, of: Decimal) -> int:
    """``whole * part / of`` rounded down, never more than ``whole``."""
    return min(whole, math.floor(whole * part / of))


class MemberAccount(Entity):
    """A member's points as lots (issuing store, expiry), growth value and tier.

    ``earnings`` and ``redemptions`` are keyed by order, so an order earns once, is reversed
    at most up to what it earned, and a redemption is given back at most once.
    """

    @staticmethod
    def create_id(member: str) -> UUID:
        return member_id(member)

    @event("Enrolled")
    def __init__(self, member: str, home_store: str, joined_at: datetime, tier: str) -> None:
        self.member = member
        self.home_store = home_store
        self.joined_at = joined_at
        self.tier = tier
        self.growth = 0
        self.lots: list[dict[str, Any]] = []
        self.earnings: dict[str, dict[str, Any]] = {}
        self.redemptions: dict[str, dict[str, Any]] = {}

    @property
    def balance(self) -> int:
        """Points held, including lots past their expiry date not yet expired."""
        return sum(lot["remaining"] for lot in self.lots)

    def usable(self, now: datetime) -> int:
        """Points that may be redeemed at ``now``."""
        return sum(lot["remaining"] for lot in self._by_expiry() if lot["expires_at"] > now)

    def _by_expiry(self) -> list[dict[str, Any]]:
        return sorted(
            (lot for lot in self.lots if lot["remaining"] > 0), key=lambda lot: lot["expires_at"]
        )

    def _lot(self, key: str) -> dict[str, Any]:
        return next(lot for lot in self.lots if lot["key"] == key)

    @staticmethod
    def _take(lots: list[dict[str, Any]], points: int) -> list[dict[str, Any]]:
        """Take ``points`` from ``lots`` in order, as far as they go."""
        taken = []
        for lot in lots:
            if points == 0:
                break
            part = min(points, lot["remaining"])
            if part:
                taken.append({"lot": lot["key"], "issued_by": lot["issued_by"], "points": part})
                points -= part
        return taken

    def _add_lot(self, key: str, issued_by: str, points: int, expires_at: datetime) -> None:
        self.lots.append(
            {
                "key": key,
                "issued_by": issued_by,
                "points": points,
                "remaining": points,
                "expires_at": expires_at,
            }
        )

    def _deduct(self, taken: list[dict[str, Any]]) -> None:
        for part in taken:
            self._lot(part["lot"])["remaining"] -= part["points"]

    # earning

    def earn(
        self, order_ref: str, store: str, paid: Decimal, now: datetime, rules: PointsRules
    ) -> None:
        """Earn points for a completed order's payment, once per order, at the current tier."""
        if order_ref in self.earnings:
            return
        units = math.floor(paid)
        multiplier = rules.tier_named(self.tier).multiplier
        self._earn(
            order_ref=order_ref,
            store=store,
            paid=paid,
            points=math.floor(units * rules.earn_per_unit * multiplier),
            growth=units,
            multiplier=multiplier,
            expires_at=now + timedelta(days=rules.validity_days),
        )
        self._retier(rules)

    @event("PointsEarned")
    def _earn(
        self,
        order_ref: str,
        store: str,
        paid: Decimal,
        points: int,
        growth: int,
        multiplier: Decimal,
        expires_at: datetime,
    ) -> None:
        self.earnings[order_ref] = {
            "paid": paid,
            "points": points,
            "growth": growth,
            "reversed": 0,
            "reversed_growth": 0,
        }
        self.growth += growth
        if points:
            self._add_lot(f"order:{order_ref}", store, points, expires_at)

    def grant(
        self, reference: str, store: str, points: int, reason: str, now: datetime, days: int
    ) -> None:
        """Credit points outside an order (opening balance, goodwill), once per reference."""
        if points <= 0:
            raise InvalidCommand("points", "must be a positive whole number")
        if any(lot["key"] == f"grant:{reference}" for lot in self.lots):
            return
        self._grant(
            reference=reference,
            store=store,
            points=points,
            reason=reason,
            expires_at=now + timedelta(days=days),
        )

    @event("PointsGranted")
    def _grant(
        self, reference: str, store: str, points: int, reason: str, expires_at: datetime
    ) -> None:
        self._add_lot(f"grant:{reference}", store, points, expires_at)

    # redeeming

    def redeem(self, order_ref: str, store: str, points: int, now: datetime) -> None:
        """Spend unexpired points on an order, the lots that expire first going first."""
        if points <= 0:
            raise InvalidCommand("points", "must be a positive whole number")
        if order_ref in self.redemptions:
            raise InvalidCommand("order_id", f"points were already redeemed for {order_ref!r}")
        usable = [lot for lot in self._by_expiry() if lot["expires_at"] > now]
        balance = sum(lot["remaining"] for lot in usable)
        if points > balance:
            raise InsufficientPoints(self.member, points, balance)
        self._redeem(
            order_ref=order_ref, store=store, points=points, taken=self._take(usable, points)
        )

    @event("PointsRedeemed")
    def _redeem(self, order_ref: str, store: str, points: int, taken: list[dict[str, Any]]) -> None:
        self._deduct(taken)
        self.redemptions[order_ref] = {
            "store": store,
            "points": points,
            "taken": [dict(part, restored=0) for part in taken],
            "restored": 0,
        }

    def restore(self, order_ref: str, up_to: int, reason: str) -> None:
        """Give an order's redeemed points back to their lots until ``up_to`` are given back."""
        redemption = self.redemptions.get(order_ref)
        if redemption is None:
            return
        points = min(up_to, redemption["points"]) - redemption["restored"]
        if points <= 0:
            return
        given = []
        for part in reversed(redemption["taken"]):
            back = min(points, part["points"] - part["restored"])
            if back:
                given.append({"lot": part["lot"], "issued_by": part["issued_by"], "points": back})
                points -= back
        self._restore(
            order_ref=order_ref,
            store=redemption["store"],
            points=sum(part["points"] for part in given),
            given=given,
            reason=reason,
        )

    @event("PointsRestored")
    def _restore(
        self, order_ref: str, store: str, points: int, given: list[dict[str, Any]], reason: str
    ) -> None:
        redemption = self.redemptions[order_ref]
        redemption["restored"] += points
        parts = {part["lot"]: part for part in redemption["taken"]}
        for part in given:
            self._lot(part["lot"])["remaining"] += part["points"]
            parts[part["lot"]]["restored"] += part["points"]

    # returns, expiry and tiers

    def reverse(self, order_ref: str, refunded: Decimal, rules: PointsRules) -> None:
        """Take back the share of an order's earned points and growth that was refunded."""
        earning = self.earnings.get(order_ref)
        if earning is None or refunded <= 0:
            return
        paid = Decimal(earning["paid"])
        points = _share(earning["points"], refunded, paid) - earning["reversed"]
        growth = _share(earning["growth"], refunded, paid) - earning["reversed_growth"]
        if points <= 0 and growth <= 0:
            return
        points, growth = max(points, 0), max(growth, 0)
        own = [lot for lot in self.lots if lot["key"] == f"order:{order_ref}"]
        others = [lot for lot in self._by_expiry() if lot["key"] != f"order:{order_ref}"]
        taken = self._take(own + others, points)
        self._reverse(
            order_ref=order_ref,
            points=points,
            taken=taken,
            unrecovered=points - sum(part["points"] for part in taken),
            growth=growth,
        )
        self._retier(rules)

    @event("PointsReversed")
    def _reverse(
        self,
        order_ref: str,
        points: int,
        taken: list[dict[str, Any]],
        unrecovered: int,
        growth: int,
    ) -> None:
        self._deduct(taken)
        earning = self.earnings[order_ref]
        earning["reversed"] += points
        earning["reversed_growth"] += growth
        self.growth -= growth

    def expire(self, now: datetime) -> None:
        """Expire every lot whose expiry date has passed."""
        due = [lot for lot in self._by_expiry() if lot["expires_at"] <= now]
        if due:
            lots = [
                {"lot": lot["key"], "issued_by": lot["issued_by"], "points": lot["remaining"]}
                for lot in due
            ]
            self._expire(lots=lots, points=sum(lot["points"] for lot in lots))

    @event("PointsExpired")
    def _expire(self, lots: list[dict[str, Any]], points: int) -> None:
        self._deduct(lots)

    def _retier(self, rules: PointsRules) -> None:
        tier = rules.tier_for(self.growth).name
        if tier != self.tier:
            self._change_tier(tier=tier, growth=self.growth)

    @event("TierChanged")
    def _change_tier(self, tier: str, growth: int) -> None:
        self.tier = tier
