"""Every view the read side keeps, by name."""

from __future__ import annotations

from projections.members import Members
from projections.projection import Projection
from projections.sales import Sales
from projections.stock import StockLevels
from projections.stores import StoreDirectory
from projections.transfers import Transfers

VIEW_CLASSES: tuple[type[Projection], ...] = (
    StoreDirectory,
    StockLevels,
    Sales,
    Members,
    Transfers,
)
VIEW_NAMES = tuple(view.name for view in VIEW_CLASSES)


def build_views(names: list[str] | None = None) -> list[Projection]:
    """Fresh projections for the named views (all when ``names`` is empty)."""
    unknown = sorted(set(names or ()) - set(VIEW_NAMES))
    if unknown:
        raise ValueError(
            f"name: unknown view(s) {', '.join(unknown)}; known: {', '.join(VIEW_NAMES)}"
        )
    return [view() for view in VIEW_CLASSES if not names or view.name in names]
