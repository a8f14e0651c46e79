"""Webhook delivery to a real receiver on 127.0.0.1: order, signatures, retries, pauses, restart."""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.delivery import DeliveryWorker
from integration.feed import EventFeed
from integration.public import EVENT_TYPES
from integration.settings import WebhookSettings
from integration.signing import verify
from integration.subscriptions import Subscription, SubscriptionStore
from integration_support import QUICK, Receiver, full_history, wait_for
from multistore_core import MultiStore, Settings
from multistore_core import commands as c
from multistore_core.context import utc_now
from projections.database import ViewStore
from projections.settings import MEMORY_VIEWS_URL
from support import FakeClock, build_chain

ALL_TYPES = ["stock.received", "stock.reserved", "order.placed", "order.paid", "stock.sold"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver().running() as running:
        yield running


@pytest.fixture
def history(chain: MultiStore, clock: FakeClock) -> MultiStore:
    full_history(chain, clock)
    return chain


@pytest.fixture
def store() -> Iterator[SubscriptionStore]:
    views = ViewStore(MEMORY_VIEWS_URL)
    yield SubscriptionStore(views)
    views.dispose()


def subscribe(
    subscriptions: SubscriptionStore, url: str, types: list[str] | None = None, **options: object
) -> Subscription:
    return subscriptions.create(url, types or list(EVENT_TYPES), 0, utc_now(), **options)


def quick(**changes: object) -> WebhookSettings:
    """The quick test settings with some changed."""
    return WebhookSettings.model_validate(QUICK.model_dump() | changes)


def expected_ids(app: MultiStore, subscription: Subscription) -> list[int]:
    page = EventFeed(app).page(0, 100_000, subscription.types, subscription.store)
    return [event.id for event in page.events]


class Running:
    """A delivery worker in a thread, stopped on leaving the block."""

    def __init__(self, worker: DeliveryWorker) -> None:
        self.worker = worker
        self.stop = threading.Event()
        self.thread = threading.Thread(target=worker.run, args=(self.stop,), daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(20)
        assert not self.thread.is_alive()


def test_every_event_arrives_once_in_log_order_signed_with_the_secret(
    history: MultiStore, store: SubscriptionStore, receiver: Receiver
) -> None:
    hook = subscribe(store, receiver.url, secret="whsec_a-secret-of-the-erp")
    expected = expected_ids(history, hook)
    with Running(DeliveryWorker(history, store, QUICK)):
        wait_for(lambda: len(receiver.deliveries) >= len(expected))
    assert receiver.ids() == expected
    for delivery in receiver.deliveries:
        stamp, mac = (
            part.split("=", 1)[1] for part in delivery.headers["Multistore-Signature"].split(",")
        )
        signed = f"{stamp}.".encode() + delivery.body
        digest = hmac.new(b"whsec_a-secret-of-the-erp", signed, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(mac, digest)
        assert abs(time.time() - int(stamp)) < 60
        assert verify(
            "whsec_a-secret-of-the-erp", delivery.headers["Multistore-Signature"], delivery.body
        )
        assert delivery.headers["Multistore-Event-Id"] == str(delivery.event["id"])
        assert delivery.headers["Multistore-Event-Type"] == delivery.event["type"]
        assert delivery.headers["Content-Type"] == "application/json"
    done = store.get(hook.id)
    assert done.position == history.log_position() and done.delivered == len(expected)
    log = store.attempts(hook.id, limit=1000)
    assert [a.event_id for a in reversed(log)] == expected
    assert {(a.outcome, a.status_code, a.attempt) for a in log} == {("delivered", 200, 1)}


def test_a_failing_receiver_is_retried_with_backoff_until_it_recovers(
    history: MultiStore, store: SubscriptionStore, receiver: Receiver
) -> None:
    receiver.status = lambda number: 500 if number <= 3 else 200
    hook = subscribe(store, receiver.url, ["order.paid", "order.completed", "stock.sold"])
    expected = expected_ids(history, hook)
    with Running(DeliveryWorker(history, store, QUICK)):
        wait_for(lambda: len(receiver.deliveries) == len(expected))
    assert receiver.ids() == expected and receiver.requests == len(expected) + 3
    log = list(reversed(store.attempts(hook.id)))
    first = [a for a in log if a.event_id == expected[0]]
    assert [(a.attempt, a.outcome, a.status_code) for a in first] == [
        (1, "failed", 500),
        (2, "failed", 500),
        (3, "failed", 500),
        (4, "delivered", 200),
    ]
    assert first[0].error == "HTTP 500: no"
    for earlier, later in zip(first, first[1:], strict=False):
        waited = (later.attempted_at - earlier.attempted_at).total_seconds()
        assert waited >= QUICK.backoff(earlier.attempt)
    assert store.get(hook.id).failures == 0 and store.get(hook.id).last_error is None


def test_a_subscription_that_keeps_failing_is_paused_and_resumes_where_it_stopped(
    history: MultiStore, store: SubscriptionStore, receiver: Receiver
) -> None:
    up = threading.Event()
    receiver.status = lambda number: 200 if up.is_set() else 503
    hook = subscribe(store, receiver.url, ["order.placed", "order.cancelled"])
    expected = expected_ids(history, hook)
    with Running(DeliveryWorker(history, store, QUICK)):
        wait_for(lambda: store.get(hook.id).status == "paused")
        time.sleep(10 * QUICK.poll_seconds)
        paused = store.get(hook.id)
        assert receiver.requests == QUICK.pause_after and receiver.deliveries == []
        assert paused.position == 0 and paused.failures == QUICK.pause_after
        assert paused.last_error == "HTTP 503: no" and paused.paused_at is not None
        up.set()
        store.resume(hook.id)
        wait_for(lambda: len(receiver.deliveries) == len(expected))
    assert receiver.ids() == expected
    assert store.get(hook.id).status == "active"


def test_an_unreachable_endpoint_is_logged_as_a_connection_error(
    history: MultiStore, store: SubscriptionStore
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    hook = subscribe(store, f"http://127.0.0.1:{closed_port}/hook", ["order.paid"])
    with Running(DeliveryWorker(history, store, quick(pause_after=2))):
        wait_for(lambda: store.get(hook.id).status == "paused")
    log = store.attempts(hook.id)
    assert [(a.attempt, a.outcome, a.status_code) for a in log] == [
        (2, "failed", None),
        (1, "failed", None),
    ]
    assert all(a.error is not None and a.error.startswith("ConnectError") for a in log)


def test_a_store_filter_delivers_only_the_events_concerning_that_store(
    history: MultiStore, store: SubscriptionStore, receiver: Receiver
) -> None:
    hook = subscribe(store, receiver.url, store="SH01")
    expected = expected_ids(history, hook)
    with Running(DeliveryWorker(history, store, QUICK)):
        wait_for(lambda: len(receiver.deliveries) == len(expected))
        wait_for(lambda: store.get(hook.id).position == history.log_position())
    events = [delivery.event for delivery in receiver.deliveries]
    assert [event["id"] for event in events] == expected
    assert {event["store"] for event in events} == {"SH01", "HZ01"}
    assert all(event["store"] == "SH01" or event["type"] == "transfer.shipped" for event in events)


def test_new_events_are_delivered_as_they_are_written(
    chain: MultiStore, store: SubscriptionStore, receiver: Receiver
) -> None:
    hook = store.create(receiver.url, ["stock.received"], chain.log_position(), utc_now())
    with Running(DeliveryWorker(chain, store, QUICK)):
        for quantity in (1, 2, 3):
            chain.receive_stock(c.ReceiveStock(store="HZ01", sku="TEA-001", quantity=quantity))
        wait_for(lambda: len(receiver.deliveries) == 3)
    assert [d.event["data"]["quantity"] for d in receiver.deliveries] == [1, 2, 3]
    assert receiver.ids() == expected_ids(chain, store.get(hook.id))[-3:]


def test_a_worker_stopped_mid_stream_hands_over_to_a_new_one_without_loss_or_reordering(
    history: MultiStore, store: SubscriptionStore, receiver: Receiver
) -> None:
    hook = subscribe(store, receiver.url)
    expected = expected_ids(history, hook)
    first = Running(DeliveryWorker(history, store, QUICK))
    receiver.on_delivery = lambda delivery: len(receiver.deliveries) >= 7 and first.stop.set()
    with first:
        wait_for(first.stop.is_set)
    stopped_at = len(receiver.deliveries)
    assert 7 <= stopped_at < len(expected)
    assert store.get(hook.id).position == receiver.ids()[-1]
    receiver.on_delivery = lambda delivery: None
    with Running(DeliveryWorker(history, store, QUICK)):
        wait_for(lambda: len(receiver.deliveries) >= len(expected))
    assert receiver.ids() == expected


def test_a_killed_worker_process_is_replaced_and_delivery_is_at_least_once_in_order(
    database_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    clock = FakeClock()
    app = MultiStore(Settings(database_url=database_url), clock=clock)
    build_chain(app)
    full_history(app, clock)
    views = ViewStore(database_url)
    store = SubscriptionStore(views)
    hook = subscribe(store, receiver.url)
    expected = expected_ids(app, hook)
    env = {
        **os.environ,
        "MULTISTORE_DATABASE_URL": database_url,
        "MULTISTORE_WEBHOOK_TIMEOUT_SECONDS": "1",
        "MULTISTORE_WEBHOOK_LEASE_SECONDS": "1.5",
        "MULTISTORE_WEBHOOK_POLL_SECONDS": "0.05",
        "MULTISTORE_WEBHOOK_BATCH_SIZE": "3",
    }
    command = [sys.executable, "-m", "multistore_core.cli", "webhooks", "run"]
    processes: list[subprocess.Popen[bytes]] = []

    def kill_on_sixth(number: int) -> int:
        if number == 6:
            os.kill(processes[0].pid, signal.SIGKILL)
            processes[0].wait()
        return 200

    receiver.status = kill_on_sixth
    log = (tmp_path / "worker.log").open("wb")
    try:
        processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=log))
        wait_for(lambda: processes[0].poll() is not None, timeout=60)
        assert processes[0].returncode == -signal.SIGKILL
        assert receiver.ids() == expected[:6]
        assert store.get(hook.id).position == expected[4]
        processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=log))
        wait_for(lambda: len(receiver.deliveries) >= len(expected) + 1, timeout=60)
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(20)
        log.close()
    assert receiver.ids() == expected[:6] + expected[5:]
    assert store.get(hook.id).position == app.log_position()
    views.dispose()
    app.close()


@pytest.mark.postgres
def test_two_workers_on_postgresql_share_subscriptions_and_keep_each_in_order(
    postgres_url: str,
) -> None:
    app = MultiStore(Settings(database_url=postgres_url))
    build_chain(app)
    views = ViewStore(postgres_url)
    store = SubscriptionStore(views)
    settings = quick(concurrency=2, batch_size=2)
    with Receiver().running() as receiver:
        hooks = [subscribe(store, receiver.url, ALL_TYPES) for _ in range(3)]
        with (
            Running(DeliveryWorker(app, store, settings)),
            Running(DeliveryWorker(app, store, settings)),
        ):
            for number in range(15):
                app.place_order(
                    c.PlaceOrder(
                        order_id=f"R{number}",
                        store=("SH01", "HZ01")[number % 2],
                        fulfilment="pickup",
                        lines=[
                            c.OrderLine(sku=("TEA-001", "CUP-002")[number // 2 % 2], quantity=1)
                        ],
                    )
                )
            expected = expected_ids(app, hooks[0])
            wait_for(lambda: len(receiver.deliveries) >= 3 * len(expected), timeout=60)
            time.sleep(0.2)
        for hook in hooks:
            got = [
                d.event["id"]
                for d in receiver.deliveries
                if d.headers["Multistore-Subscription"] == hook.id
            ]
            assert got == expected, hook.id
    views.dispose()
    app.close()
