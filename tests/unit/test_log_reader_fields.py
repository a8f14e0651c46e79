"""A logged event's own attributes never hide a field of any domain event."""

from __future__ import annotations

import inspect

from multistore_core.domain.base import Entity
from multistore_core.domain.catalog import CatalogItem
from multistore_core.domain.customer_order import CustomerOrder
from multistore_core.domain.member import MemberAccount
from multistore_core.domain.order import Order
from multistore_core.domain.stock import StockItem
from multistore_core.domain.store import Store
from multistore_core.domain.transfer import Transfer
from multistore_core.log_reader import LoggedEvent

AGGREGATES = (Store, CatalogItem, StockItem, Order, MemberAccount, Transfer, CustomerOrder)
SHARED_WITH_DOMAIN_EVENTS = {"originator_id", "originator_version"}


def test_no_event_field_is_hidden_by_an_attribute_of_the_logged_record() -> None:
    own = {name for name in dir(LoggedEvent) if not name.startswith("__")}
    own -= SHARED_WITH_DOMAIN_EVENTS
    checked = 0
    for aggregate in AGGREGATES:
        for event_class in vars(aggregate).values():
            if isinstance(event_class, type) and issubclass(event_class, Entity.Event):
                fields = set(inspect.signature(event_class.__init__).parameters) - {"self"}
                assert not fields & own, (event_class, fields & own)
                checked += 1
    assert checked > 40
