"""Replaying a random history: the state as of any moment is what the write side said then."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from audit_support import History, Snapshot, random_history
from multistore_core import MultiStore, Settings
from multistore_core.audit.asof import member_as_of, order_as_of, replay_until, stock_as_of
from multistore_core.audit.verify import verify
from support import FakeClock


def check_replay_matches(app: MultiStore, snap: Snapshot, by_time: bool) -> None:
    if by_time:
        replay, cut = replay_until(app, at=snap.at)
    else:
        replay, cut = replay_until(app, position=snap.position)
    assert cut == snap.position
    stock = {key: tally.level() for key, tally in replay.stock.by_key.items()}
    assert stock == {k: replace(v, position=None) for k, v in snap.stock.items()}
    orders = {ref: order.summary() for ref, order in replay.orders.by_ref.items()}
    assert orders == {k: replace(v, created=False) for k, v in snap.orders.items()}
    members = {m: a.summary(snap.at) for m, a in replay.members.by_member.items()}
    assert members == snap.members
    transfers = {ref: t.summary() for ref, t in replay.transfers.by_ref.items()}
    assert transfers == {k: replace(v, created=False) for k, v in snap.transfers.items()}
    assert replay.violations == []


def history_of(seed: int, steps: int) -> tuple[MultiStore, History]:
    clock = FakeClock()
    app = MultiStore(Settings(database_url="memory://"), clock=clock)
    return app, random_history(app, clock, seed, steps)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_state_as_of_every_snapshot_equals_what_the_write_side_reported_then(seed: int) -> None:
    app, history = history_of(seed, steps=250)
    assert len(history.snapshots) > 20
    for snap in history.snapshots:
        check_replay_matches(app, snap, by_time=False)
    for snap in random.Random(seed).sample(history.snapshots, 10):
        check_replay_matches(app, snap, by_time=True)


def test_the_as_of_queries_answer_from_the_replay_at_random_moments() -> None:
    app, history = history_of(seed=11, steps=200)
    rng = random.Random(11)
    for snap in rng.sample(history.snapshots, 8):
        store = rng.choice(("SH01", "HZ01"))
        levels = stock_as_of(app, store, position=snap.position)
        assert levels == [
            replace(level, position=snap.position)
            for key, level in sorted(snap.stock.items())
            if key[0] == store
        ]
        assert stock_as_of(app, store, "CUP-002", at=snap.at) == [
            replace(snap.stock[(store, "CUP-002")], position=snap.position)
        ]
        assert member_as_of(app, "M1", at=snap.at) == replace(
            snap.members["M1"], position=snap.position
        )
        for ref in rng.sample(sorted(snap.orders), min(3, len(snap.orders))):
            assert order_as_of(app, ref, position=snap.position) == replace(
                snap.orders[ref], created=False, position=snap.position
            )


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_verify_finds_no_violation_in_a_history_made_through_the_api(seed: int) -> None:
    app, history = history_of(seed, steps=300)
    report = verify(app)
    assert report.events == app.log_position()
    assert report.violations == []
    assert report.unmodelled == {}
    assert report.rules_checked["stock.conserved"] > 50
    assert len(history.orders) > 30
