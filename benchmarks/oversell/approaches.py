"""The ways to sell stock that the benchmark compares, each on a fresh database of its own."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlsplit
from uuid import uuid4

import psycopg
from eventsourcing.persistence import IntegrityError
from psycopg_pool import ConnectionPool

from benchmarks.oversell.ledger import check_core_ledger, check_stock_table
from benchmarks.oversell.scenarios import Purchase, Scenario
from multistore_core import MultiStore, Settings
from multistore_core.commands import OrderLine, PlaceOrder, RegisterSku, RegisterStore
from multistore_core.context import CommandContext, issuing
from multistore_core.domain.base import Entity
from multistore_core.domain.catalog import CatalogItem
from multistore_core.domain.stock import StockItem
from multistore_core.domain.store import Store
from multistore_core.errors import InsufficientStock

POSTGRES_URL = os.environ.get(
    "MULTISTORE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SQL_APPROACHES = ("raw-sql", "naive-crud")
CORE_APPROACHES = ("core-plain", "core-group")


class Approach(Protocol):
    def place(self, purchase: Purchase) -> bool:
        """Sell the purchase: True if accepted, False if refused as sold out."""
        ...

    def conflicts(self) -> int:
        """Version conflicts (retries) so far."""
        ...

    def check(self, accepted_orders: int, accepted_units: int) -> dict[str, Any]:
        """Compare what clients were told with what the database holds."""
        ...


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """A PostgreSQL schema or an SQLite file that exists only for one run."""
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="oversell-")
        try:
            yield f"sqlite:///{folder}/multistore.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    schema = f"bench_{uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?schema={schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def open_approach(name: str, url: str, scenario: Scenario, clients: int) -> Iterator[Approach]:
    """Stock the scenario with ``name``'s schema and yield the approach, closing it after."""
    if name in SQL_APPROACHES:
        with SqlStock(url, scenario, clients, naive=name == "naive-crud") as sql:
            yield sql
        return
    core = CoreStock(url, scenario, group_commit=name == "core-group")
    try:
        yield core
    finally:
        core.close()


class SqlStock:
    """A ``stock`` table written by hand: the raw-SQL ceiling, or naive read-then-write CRUD."""

    def __init__(self, url: str, scenario: Scenario, clients: int, naive: bool) -> None:
        schema = urlsplit(url).query.removeprefix("schema=")
        self.naive = naive
        self.pool = ConnectionPool(
            POSTGRES_URL,
            min_size=clients,
            max_size=clients,
            kwargs={"autocommit": True, "options": f"-c search_path={schema}"},
            open=True,
        )
        with self.pool.connection() as conn:
            conn.execute(
                "CREATE TABLE stock (id text PRIMARY KEY, qty integer NOT NULL,"
                " received integer NOT NULL)"
            )
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO stock VALUES (%s, %s, %s)",
                    [
                        (f"{store}/{sku}", scenario.units_per_item, scenario.units_per_item)
                        for store, sku in scenario.items()
                    ],
                )

    def __enter__(self) -> SqlStock:
        return self

    def __exit__(self, *_: object) -> None:
        self.pool.close()

    def place(self, purchase: Purchase) -> bool:
        key = f"{purchase.store}/{purchase.sku}"
        with self.pool.connection() as conn:
            if not self.naive:
                cursor = conn.execute(
                    "UPDATE stock SET qty = qty - %s WHERE id = %s AND qty >= %s",
                    (purchase.quantity, key, purchase.quantity),
                    prepare=True,
                )
                return cursor.rowcount == 1
            row = conn.execute("SELECT qty FROM stock WHERE id = %s", (key,), prepare=True)
            qty = row.fetchone()[0]  # type: ignore[index]
            if qty < purchase.quantity:
                return False
            conn.execute(
                "UPDATE stock SET qty = %s WHERE id = %s",
                (qty - purchase.quantity, key),
                prepare=True,
            )
            return True

    def conflicts(self) -> int:
        return 0

    def check(self, accepted_orders: int, accepted_units: int) -> dict[str, Any]:
        with self.pool.connection() as conn:
            received, left, lowest = conn.execute(
                "SELECT sum(received), sum(qty), min(qty) FROM stock"
            ).fetchone()  # type: ignore[misc]
        return check_stock_table(int(received), int(left), int(lowest), accepted_units)


class CountingMultiStore(MultiStore):
    """The application, counting the saves refused by a version conflict."""

    def __init__(self, settings: Settings) -> None:
        self.version_conflicts = 0
        self._conflicts_lock = threading.Lock()
        super().__init__(settings=settings)

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        try:
            return super().save(*objs, **kwargs)
        except IntegrityError:
            with self._conflicts_lock:
                self.version_conflicts += 1
            raise


class CoreStock:
    """The multistore library: ``place_order`` on the plain path or with group commit."""

    def __init__(self, url: str, scenario: Scenario, group_commit: bool) -> None:
        settings = Settings(database_url=url, group_commit=group_commit)
        self.app = CountingMultiStore(settings)
        self.scenario = scenario
        _stock_in_bulk(self.app, scenario)

    def place(self, purchase: Purchase) -> bool:
        command = PlaceOrder(
            order_id=purchase.ref,
            store=purchase.store,
            fulfilment="pickup",
            lines=[OrderLine(sku=purchase.sku, quantity=purchase.quantity)],
        )
        try:
            self.app.place_order(command)
        except InsufficientStock:
            return False
        return True

    def conflicts(self) -> int:
        return self.app.version_conflicts

    def check(self, accepted_orders: int, accepted_units: int) -> dict[str, Any]:
        return check_core_ledger(self.app, self.scenario, accepted_orders, accepted_units)

    def close(self) -> None:
        self.app.close()


def _stock_in_bulk(app: MultiStore, scenario: Scenario, chunk: int = 500) -> None:
    """Register the stores and SKUs and receive the stock, saving many aggregates per call."""
    items = scenario.items()
    aggregates: list[Entity] = []
    with issuing("BenchmarkSetup", CommandContext(actor="benchmark"), app.clock):
        for store in sorted({store for store, _ in items}):
            command = RegisterStore(
                code=store,
                name=f"Store {store}",
                region="east",
                kind="direct",
                latitude=31.2,
                longitude=121.4,
            )
            aggregates.append(Store(**command.model_dump()))
        for store, sku in items:
            command_sku = RegisterSku(sku=sku, name=f"Item {sku}", base_price=Decimal("9.90"))
            aggregates.append(CatalogItem(**command_sku.model_dump()))
            stock = StockItem(store=store, sku=sku)
            stock.receive(scenario.units_per_item, "flash-sale allocation")
            aggregates.append(stock)
    for start in range(0, len(aggregates), chunk):
        app.save(*aggregates[start : start + chunk])
