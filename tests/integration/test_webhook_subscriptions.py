"""The subscription tables on SQLite and PostgreSQL: leases, backoff, pausing, log trimming."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from integration import subscriptions as s
from integration.subscriptions import Attempt, SubscriptionStore
from integration_support import QUICK
from multistore_core.context import utc_now
from projections.database import ViewStore
from projections.projection import naive_utc


@pytest.fixture
def store(database_url: str) -> Iterator[SubscriptionStore]:
    views = ViewStore(database_url)
    yield SubscriptionStore(views)
    views.dispose()


def attempt(event_id: int, number: int = 1, error: str | None = None) -> Attempt:
    return Attempt(
        id=0,
        event_id=event_id,
        event_type="order.paid",
        attempt=number,
        attempted_at=naive_utc(utc_now()),
        outcome="failed" if error else "delivered",
        status_code=500 if error else 200,
        error=error,
        duration_ms=3,
    )


def test_only_one_of_many_racing_workers_holds_a_subscription(store: SubscriptionStore) -> None:
    hook = store.create("http://127.0.0.1:9/h", ["order.paid"], 0, utc_now())
    barrier = threading.Barrier(8)
    winners: list[str] = []

    def race(worker: str) -> None:
        barrier.wait()
        if store.claim(hook.id, worker, utc_now(), lease=30) is not None:
            winners.append(worker)

    threads = [threading.Thread(target=race, args=(f"w{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    assert store.due(utc_now()) == []
    loser = "w0" if winners[0] != "w0" else "w1"
    assert not store.delivered(store.get(hook.id), loser, attempt(5), lease=30)
    assert store.get(hook.id).position == 0 and store.attempts(hook.id) == []


def test_a_lapsed_lease_lets_another_worker_take_over(store: SubscriptionStore) -> None:
    hook = store.create("http://127.0.0.1:9/h", ["order.paid"], 0, utc_now())
    assert store.claim(hook.id, "crashed", utc_now(), lease=1) is not None
    assert store.claim(hook.id, "next", utc_now(), lease=1) is None
    later = utc_now() + timedelta(seconds=2)
    assert store.due(later) == [hook.id]
    taken = store.claim(hook.id, "next", later, lease=30)
    assert taken is not None
    assert not store.advance(taken, "crashed", 9)
    assert store.advance(taken, "next", 9) and store.get(hook.id).position == 9


def test_failures_back_off_then_pause_and_resume_clears_them(store: SubscriptionStore) -> None:
    hook = store.create("http://127.0.0.1:9/h", ["order.paid"], 3, utc_now())
    for number in range(1, QUICK.pause_after + 1):
        claimed = store.claim(hook.id, "w", utc_now() + timedelta(seconds=1), lease=30)
        assert claimed is not None
        failed = attempt(7, number, error="HTTP 500: no")
        store.failed(claimed, "w", failed, QUICK)
        after = store.get(hook.id)
        assert after.failures == number and after.position == 3
        if number < QUICK.pause_after:
            assert after.status == "active"
            wait = timedelta(seconds=QUICK.backoff(number))
            assert after.next_attempt_at == failed.attempted_at + wait
    paused = store.get(hook.id)
    assert paused.status == "paused" and paused.last_error == "HTTP 500: no"
    assert store.due(utc_now() + timedelta(hours=1)) == []
    resumed = store.resume(hook.id)
    assert (resumed.status, resumed.failures, resumed.position) == ("active", 0, 3)
    assert resumed.next_attempt_at is None and resumed.paused_at is None


def test_the_delivery_log_keeps_the_newest_attempts_of_each_subscription(
    store: SubscriptionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s, "KEEP_DELIVERIES", 5)
    hook = store.create("http://127.0.0.1:9/h", ["order.paid"], 0, utc_now())
    claimed = store.claim(hook.id, "w", utc_now(), lease=30)
    assert claimed is not None
    for event_id in range(1, 121):
        assert store.delivered(claimed, "w", attempt(event_id), lease=30)
    kept = [a.event_id for a in store.attempts(hook.id, limit=1000)]
    assert len(kept) < 120 and kept[:5] == [120, 119, 118, 117, 116]
    assert kept == sorted(kept, reverse=True)
    assert store.get(hook.id).delivered == 120 and store.get(hook.id).position == 120
