"""A traffic simulator for demos: random storefront orders, restocking when stock runs low."""

from __future__ import annotations

import logging
import random
import threading

from multistore_core import CommandContext, MultiStore
from multistore_core.commands import ReceiveStock
from multistore_core.demo import play_order
from projections.queries import ViewQueries

log = logging.getLogger(__name__)
CONTEXT = CommandContext(actor="simulator", role="hq_admin")


class TrafficSimulator(threading.Thread):
    """Places about ``rate`` orders a second until stopped; every 20 orders it restocks."""

    def __init__(self, app: MultiStore, views: ViewQueries, rate: float, seed: int | None) -> None:
        super().__init__(name="traffic-simulator", daemon=True)
        self.app = app
        self.views = views
        self.rate = rate
        self.rng = random.Random(seed)
        self._stop_requested = threading.Event()

    def run(self) -> None:
        played = 0
        while not self._stop_requested.wait(self.rng.expovariate(self.rate)):
            try:
                play_order(self.app, self.rng, CONTEXT)
                played += 1
                if played % 20 == 0:
                    self.restock()
            except Exception:  # a demo keeps going; the log says what failed
                log.exception("simulated order failed")

    def restock(self) -> None:
        """Bring every low-stock SKU back to three times its safety stock; expire unpaid orders."""
        for alert in self.views.low_stock():
            quantity = 3 * alert.safety_stock - alert.available
            if quantity > 0:
                command = ReceiveStock(
                    store=alert.store, sku=alert.sku, quantity=quantity, reference="restock"
                )
                self.app.receive_stock(command, CONTEXT)
        self.app.expire_unpaid_orders(context=CONTEXT)

    def stop(self, timeout: float = 5) -> None:
        self._stop_requested.set()
        self.join(timeout)
