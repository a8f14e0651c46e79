"""Member balances and tiers, and new members per hour and home store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Date, DateTime, Index, Integer, String, Table

from multistore_core.domain.member import MemberAccount
from projections.projection import Projection, handles, hour_of, metadata, naive_utc
from projections.rows import Row

members = Table(
    "view_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("member", String(64), nullable=False, unique=True),
    Column("home_store", String(64), nullable=False),
    Column("tier", String(32), nullable=False),
    Column("growth", BigInteger, nullable=False),
    Column("balance", BigInteger, nullable=False),
    Column("joined_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_view_members_home_store", "home_store"),
)

member_signups = Table(
    "view_member_signups",
    metadata,
    Column("hour", DateTime, primary_key=True),
    Column("store", String(64), primary_key=True),
    Column("day", Date, nullable=False),
    Column("members", Integer, nullable=False),
)


class Members(Projection):
    """Each member's points balance (all lots held), growth value and tier."""

    name = "members"
    tables = (members, member_signups)

    @handles(MemberAccount, "Enrolled")
    def enrolled(self, event: Any) -> None:
        joined = naive_utc(event.timestamp)
        row = self.rows[members.name].insert(
            {
                "member_id": str(event.originator_id),
                "member": event.member,
                "home_store": event.home_store,
                "tier": event.tier,
                "growth": 0,
                "balance": 0,
                "joined_at": joined,
            }
        )
        self._touched(row, event)
        signups = self.rows[member_signups.name]
        hour = signups.get_or_insert(
            (hour_of(joined), event.home_store), {"day": joined.date(), "members": 0}
        )
        hour["members"] += 1
        signups.changed(hour)

    @handles(MemberAccount, "PointsEarned")
    def points_earned(self, event: Any) -> None:
        self._move(event, points=event.points, growth=event.growth)

    @handles(MemberAccount, "PointsGranted", "PointsRestored")
    def points_credited(self, event: Any) -> None:
        self._move(event, points=event.points)

    @handles(MemberAccount, "PointsRedeemed", "PointsExpired")
    def points_debited(self, event: Any) -> None:
        self._move(event, points=-event.points)

    @handles(MemberAccount, "PointsReversed")
    def points_reversed(self, event: Any) -> None:
        taken = sum(part["points"] for part in event.taken)
        self._move(event, points=-taken, growth=-event.growth)

    @handles(MemberAccount, "TierChanged")
    def tier_changed(self, event: Any) -> None:
        row = self._row(event)
        row["tier"] = event.tier
        self._touched(row, event)

    def _move(self, event: Any, points: int, growth: int = 0) -> None:
        row = self._row(event)
        row["balance"] += points
        row["growth"] += growth
        self._touched(row, event)

    def _row(self, event: Any) -> Row:
        row = self.rows[members.name].get(str(event.originator_id))
        if row is None:
            raise LookupError(f"members view: {event.log_name} for a member never enrolled")
        return row

    def _touched(self, row: Row, event: Any) -> None:
        row["updated_at"] = naive_utc(event.timestamp)
        self.rows[members.name].changed(row)
