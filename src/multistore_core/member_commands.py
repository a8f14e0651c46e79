"""Member use cases: enrolment, points granted and expired, settlement between stores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from multistore_core import commands as c
from multistore_core.application_base import ApplicationBase, Decision, _raise
from multistore_core.context import CommandContext
from multistore_core.domain.member import MemberAccount
from multistore_core.errors import (
    AlreadyExists,
    InvalidCommand,
    UnknownMember,
)
from multistore_core.ids import (
    member_id,
)
from multistore_core.results import (
    MemberSummary,
    PointsExpiry,
    SettlementLine,
)


class MemberCommands(ApplicationBase):
    """Members and their points, shared across every store of the chain."""

    def enrol_member(
        self, command: c.EnrolMember, context: CommandContext | None = None
    ) -> MemberSummary:
        """Open a member's points account at their home store."""

        def decide() -> Decision[MemberSummary]:
            if self._find(MemberAccount, member_id(command.member_id)):
                raise AlreadyExists("member_id", f"member {command.member_id!r} is enrolled")
            self._store(command.home_store, "home_store")
            now = self.clock()
            tier = self.settings.points_rules().tier_for(0).name
            member = MemberAccount(command.member_id, command.home_store, now, tier)
            return [member], MemberSummary.of(member, now)

        return self._execute(command, context, decide)

    def grant_points(
        self, command: c.GrantPoints, context: CommandContext | None = None
    ) -> MemberSummary:
        """Credit points outside an order; a repeated reference credits nothing more."""

        def decide() -> Decision[MemberSummary]:
            member = self._member(command.member_id)
            self._store(command.store)
            now = self.clock()
            days = self.settings.points_validity_days
            member.grant(
                command.reference, command.store, command.points, command.reason, now, days
            )
            return [member], MemberSummary.of(member, now)

        return self._execute(command, context, decide)

    def expire_points(
        self, now: datetime | None = None, context: CommandContext | None = None
    ) -> PointsExpiry:
        """Expire every member's points lots past their expiry date; return points per member."""
        now = now or self.clock()
        expired: dict[str, int] = {}
        position = None
        enrolled = MemberAccount.Enrolled  # type: ignore[attr-defined]
        for member_ref in sorted(self._keys_in_log(enrolled, _enrolled_member)):

            def decide(member_ref: str = member_ref) -> Decision[PointsExpiry]:
                member = self._member(member_ref)
                before = member.balance
                member.expire(now)
                return [member], PointsExpiry({member_ref: before - member.balance})

            result = self._execute(c.ExpirePoints(member_id=member_ref), context, decide)
            expired.update({ref: points for ref, points in result.expired.items() if points})
            position = result.position or position
        return PointsExpiry(expired, position)

    def get_member(self, member: str, version: int | None = None) -> MemberAccount:
        """A member account's state now, or at an earlier version."""
        found = self._find(MemberAccount, member_id(member), version)
        return found or _raise(UnknownMember(member))

    def member_summary(self, member: str) -> MemberSummary:
        """A member's tier, growth value and points balance."""
        return MemberSummary.of(self._member(member), self.clock())

    def points_settlement(self, start: datetime, end: datetime) -> list[SettlementLine]:
        """Points redeemed in [start, end), net of give-backs, by issuing and redeeming store."""
        if end <= start:
            raise InvalidCommand("end", "the period must end after it starts")
        net: dict[tuple[str, str], int] = {}
        redeemed = MemberAccount.PointsRedeemed  # type: ignore[attr-defined]
        restored = MemberAccount.PointsRestored  # type: ignore[attr-defined]
        for moved in self._events_in_log([redeemed, restored]):
            if not start <= moved.timestamp < end:
                continue
            sign, parts = (1, moved.taken) if isinstance(moved, redeemed) else (-1, moved.given)
            for part in parts:
                key = (part["issued_by"], moved.store)
                net[key] = net.get(key, 0) + sign * part["points"]
        return [
            SettlementLine(issued_by, redeemed_at, points, self.points_value(points))
            for (issued_by, redeemed_at), points in sorted(net.items())
            if points
        ]


def _enrolled_member(enrolled: Any) -> str:
    return str(enrolled.member)
