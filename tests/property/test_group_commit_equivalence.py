"""A batch decided by the group committer ends as if its commands had run one by one."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from multistore_core import MultiStore, Settings
from multistore_core.commands import OrderLine, PlaceOrder
from multistore_core.results import OrderSummary
from support import FakeClock, build_chain
from support_group_commit import run_as_one_batch

SKUS = ("TEA-001", "CUP-002")
orders = st.lists(
    st.dictionaries(st.sampled_from(SKUS), st.integers(1, 6), min_size=1, max_size=2),
    min_size=1,
    max_size=12,
)


def _command(number: int, quantities: dict[str, int]) -> PlaceOrder:
    lines = [OrderLine(sku=sku, quantity=quantity) for sku, quantity in quantities.items()]
    return PlaceOrder(order_id=f"O-{number}", store="SH01", fulfilment="pickup", lines=lines)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders)
def test_one_batch_accepts_and_reserves_exactly_what_sequential_placement_would(
    wanted: list[dict[str, int]],
) -> None:
    commands = [_command(number, quantities) for number, quantities in enumerate(wanted)]
    one_by_one = MultiStore(Settings(database_url="memory://"), clock=FakeClock())
    grouped = MultiStore(Settings(database_url="memory://", group_commit=True), clock=FakeClock())
    for app in (one_by_one, grouped):
        build_chain(app)

    sequential = []
    for command in commands:
        try:
            sequential.append(one_by_one.place_order(command).order_id)
        except Exception as error:  # compared by type below
            sequential.append(type(error).__name__)
    batched = run_as_one_batch(
        grouped, [lambda command=command: grouped.place_order(command) for command in commands]
    )

    assert [
        outcome.order_id if isinstance(outcome, OrderSummary) else type(outcome).__name__
        for outcome in batched
    ] == sequential
    for sku in SKUS:
        assert grouped.stock_level("SH01", sku) == one_by_one.stock_level("SH01", sku)
    assert grouped.log_position() == one_by_one.log_position()
