"""Helpers of the integration tests: a history with every public event type, a local receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from integration.settings import WebhookSettings
from multistore_core import CommandContext, MultiStore
from multistore_core import commands as c
from support import FakeClock

# Small waits so retries, pauses and restarts take milliseconds.
QUICK = WebhookSettings(
    timeout_seconds=2,
    backoff_seconds=0.01,
    backoff_max_seconds=0.05,
    pause_after=4,
    poll_seconds=0.02,
    batch_size=5,
    lease_seconds=5,
)


def full_history(app: MultiStore, clock: FakeClock) -> None:
    """Commands on the test chain that cause every public event type at least once."""
    hq = CommandContext(actor="hq-key", role="hq_admin", correlation_id="req-1")
    app.adjust_stock(c.AdjustStock(store="SH01", sku="TEA-001", reason="damage", delta=-1), hq)
    app.adjust_stock(c.AdjustStock(store="HZ01", sku="CUP-002", reason="stocktake", counted=9))
    app.enrol_member(c.EnrolMember(member_id="M1", home_store="SH01"))
    app.grant_points(
        c.GrantPoints(member_id="M1", store="SH01", points=500, reference="G1", reason="welcome")
    )
    lines = [c.OrderLine(sku="TEA-001", quantity=2), c.OrderLine(sku="CUP-002", quantity=1)]
    app.place_order(
        c.PlaceOrder(
            order_id="A1",
            store="SH01",
            fulfilment="pickup",
            lines=lines,
            member_id="M1",
            points=100,
        )
    )
    due = app.get_order("A1").amount_due
    app.pay_order(c.PayOrder(order_id="A1", amount=due, payment_ref="PAY-1"))
    app.fulfil_order(c.FulfilOrder(order_id="A1"))
    app.complete_order(c.CompleteOrder(order_id="A1"))
    app.return_order(c.ReturnOrder(order_id="A1", lines=[c.OrderLine(sku="CUP-002", quantity=1)]))
    one = [c.OrderLine(sku="TEA-001", quantity=1)]
    app.place_order(c.PlaceOrder(order_id="A2", store="HZ01", fulfilment="delivery", lines=one))
    app.cancel_order(c.CancelOrder(order_id="A2", reason="changed mind"))
    app.place_order(c.PlaceOrder(order_id="A3", store="HZ01", fulfilment="ship", lines=one))
    clock.advance(hours=2)
    app.expire_unpaid_orders()
    transfer = [c.OrderLine(sku="CUP-002", quantity=3)]
    app.request_transfer(
        c.RequestTransfer(transfer_id="T1", from_store="HZ01", to_store="SH01", lines=transfer)
    )
    app.approve_transfer(c.ApproveTransfer(transfer_id="T1"))
    app.ship_transfer(c.ShipTransfer(transfer_id="T1"))
    app.receive_transfer(
        c.ReceiveTransfer(
            transfer_id="T1", lines=[c.ReceivedLine(sku="CUP-002", quantity=2)], reason="broken"
        )
    )
    app.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=5, reference="PO-77"))


def wait_for(condition: Callable[[], object], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(self.body)
        return event


class Receiver:
    """An HTTP endpoint on 127.0.0.1 (a free port) that records every POST it answers 2xx.

    ``status`` decides each answer from the request number (1, 2, ...); ``on_delivery`` runs
    after a delivery was recorded (a test may stop a worker there).
    """

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.requests = 0
        self.status: Callable[[int], int] = lambda number: 200
        self.on_delivery: Callable[[Delivery], None] = lambda delivery: None
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver._lock:
                    receiver.requests += 1
                    status = receiver.status(receiver.requests)
                    delivery = Delivery(dict(self.headers.items()), body)
                    if 200 <= status < 300:
                        receiver.deliveries.append(delivery)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok" if status < 300 else b"no")
                except OSError:  # the sender is gone (a test killed it)
                    return
                if 200 <= status < 300:
                    receiver.on_delivery(delivery)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/multistore"

    def ids(self) -> list[int]:
        with self._lock:
            return [delivery.event["id"] for delivery in self.deliveries]

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
