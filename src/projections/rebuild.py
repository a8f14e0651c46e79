"""Rebuild views: drop their tables and replay the whole log into them, with a progress bar."""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from multistore_core import MultiStore
from multistore_core.log_reader import gc_paused
from projections.database import ViewStore
from projections.runner import Runner
from projections.views import build_views

# Events folded into the views' rows in memory before they are written, with the new
# position, in one transaction: few, large writes, and memory bounded on any log.
REBUILD_BATCH = 50_000


def rebuild(
    app: MultiStore,
    views: ViewStore,
    names: list[str] | None = None,
    batch_size: int = REBUILD_BATCH,
    show_progress: bool = True,
) -> int:
    """Empty the named views (all by default), replay the log up to its head; return the head.

    A runner following the log meanwhile notices that the positions moved and carries on
    from them, so the views are never counted twice.
    """
    projections = build_views(names)
    views.create(projections)
    with views.transaction() as connection:
        for projection in projections:
            views.reset(connection, projection)
    runner = Runner(app, views, projections, batch_size=batch_size)
    head = runner.head()
    label = ", ".join(projection.name for projection in projections)
    columns = (
        TextColumn(f"rebuilding {label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # The rows of a whole batch stay in memory: a collector pass over them all at every
    # allocation threshold would cost a third of the time, and they hold no reference cycles.
    with gc_paused(), Progress(*columns, disable=not show_progress) as progress:
        task = progress.add_task("rebuild", total=head)
        while runner.position < head and runner.step():
            progress.update(task, completed=min(runner.position, head))
    return head
