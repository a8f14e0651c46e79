"""The webhook delivery worker: follows the log once per subscription and posts each event."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from uuid import uuid4

import httpx2

from integration.feed import EventFeed
from integration.mapping import PublicEvent
from integration.settings import WebhookSettings
from integration.signing import SIGNATURE_HEADER, sign
from integration.subscriptions import Attempt, Subscription, SubscriptionStore
from multistore_core import MultiStore
from multistore_core.context import Clock, utc_now
from projections.projection import naive_utc
from projections.runner import log_wakeups

log = logging.getLogger(__name__)
USER_AGENT = "multistore-webhooks/1"


class DeliveryWorker:
    """Posts each subscription's events in log order, at least once, with backoff and pausing.

    A subscription is served by one worker at a time (a lease in its row), so several workers
    (in ``serve`` and ``multistore webhooks run``) may share one database.
    """

    def __init__(
        self,
        app: MultiStore,
        store: SubscriptionStore,
        settings: WebhookSettings | None = None,
        feed: EventFeed | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.app = app
        self.store = store
        self.settings = settings or WebhookSettings()
        self.feed = feed or EventFeed(app)
        self.clock = clock
        self.name = f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid4().hex[:8]}"
        self.client = httpx2.Client(
            timeout=self.settings.timeout_seconds,
            follow_redirects=False,
            trust_env=self.settings.trust_env,
            headers={"User-Agent": USER_AGENT},
        )

    def run(self, stop: threading.Event) -> None:
        """Serve due subscriptions until ``stop`` is set, waking on new events or by polling."""
        running: dict[str, Future[None]] = {}
        with (
            ThreadPoolExecutor(self.settings.concurrency, "webhook") as pool,
            log_wakeups(self.app, stop) as wait,
        ):
            while not stop.is_set():
                for subscription_id in [key for key, done in running.items() if done.done()]:
                    running.pop(subscription_id)
                try:
                    due = self.store.due(self.clock())
                except Exception:  # keep serving: the database may come back
                    log.exception("could not read the webhook subscriptions; retrying")
                    due = []
                for subscription_id in due:
                    if subscription_id not in running and len(running) < self.settings.concurrency:
                        running[subscription_id] = pool.submit(self.serve, subscription_id, stop)
                wait(self.settings.poll_seconds)
        self.client.close()

    def serve(self, subscription_id: str, stop: threading.Event) -> None:
        """Deliver one subscription's pending events until it is caught up, fails or ``stop``."""
        try:
            while not stop.is_set() and self._turn(subscription_id, stop):
                pass
        except Exception:
            log.exception("webhook subscription %s: delivery failed; retrying", subscription_id)
        finally:
            self.store.release(subscription_id, self.name)

    def _turn(self, subscription_id: str, stop: threading.Event) -> bool:
        """Deliver one batch; True when more may be waiting."""
        lease = self.settings.lease_seconds
        subscription = self.store.claim(subscription_id, self.name, self.clock(), lease)
        if subscription is None:
            return False
        page = self.feed.page(
            subscription.position, self.settings.batch_size, subscription.types, subscription.store
        )
        failures = subscription.failures
        position = subscription.position
        for event in page.events:
            if stop.is_set():
                return False
            attempt = self.post(subscription, event, failures + 1)
            if attempt.outcome == "failed":
                self.store.failed(subscription, self.name, attempt, self.settings)
                log.warning(
                    "webhook %s: event %d attempt %d failed: %s",
                    subscription.id,
                    event.id,
                    attempt.attempt,
                    attempt.error,
                )
                return False
            if not self.store.delivered(subscription, self.name, attempt, lease):
                return False
            failures = 0
            position = event.id
        if page.next > position and not stop.is_set():
            if not self.store.advance(subscription, self.name, page.next):
                return False
        return page.next < page.head

    def post(self, subscription: Subscription, event: PublicEvent, attempt: int) -> Attempt:
        """Send one event, signed; the outcome as a delivery log entry."""
        body = json.dumps(event.body, separators=(",", ":")).encode()
        attempted_at = self.clock()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(subscription.secret, body, int(time.time())),
            "Multistore-Event-Id": str(event.id),
            "Multistore-Event-Type": event.type,
            "Multistore-Subscription": subscription.id,
            "Multistore-Attempt": str(attempt),
        }
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            response = self.client.post(subscription.url, content=body, headers=headers)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}: {response.text[:300]}"
        except httpx2.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
        return Attempt(
            id=0,
            event_id=event.id,
            event_type=event.type,
            attempt=attempt,
            attempted_at=naive_utc(attempted_at),
            outcome="failed" if error else "delivered",
            status_code=status,
            error=error,
            duration_ms=round((time.monotonic() - started) * 1000),
        )

    def start(self) -> DeliveryThread:
        """Deliver in a background thread of this process."""
        thread = DeliveryThread(self)
        thread.start()
        return thread


class DeliveryThread(threading.Thread):
    """A delivery worker in the background; ``stop()`` ends it after the request in flight."""

    def __init__(self, worker: DeliveryWorker) -> None:
        super().__init__(name="webhook-delivery", daemon=True)
        self.worker = worker
        self._stop_requested = threading.Event()

    def run(self) -> None:
        self.worker.run(self._stop_requested)

    def stop(self, timeout: float = 30) -> None:
        self._stop_requested.set()
        self.join(timeout)
