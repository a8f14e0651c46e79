"""Rebuild views: drop their tables and replay the whole log into them, with a progress bar."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, wait
from multiprocessing import get_context

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from multistore_core import MultiStore, Settings
from multistore_core.audit.replay import gc_paused
from projections.database import ViewStore
from projections.projection import Projection
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
    processes: int = 1,
    show_progress: bool = True,
) -> int:
    """Empty the named views (all by default), replay the log up to its head; return the head.

    With ``processes`` > 1 (and both databases durable) the views are shared out among that
    many worker processes, each replaying the log into its own views. A runner following the
    log meanwhile notices that the positions moved and carries on from them, so the views are
    never counted twice.
    """
    projections = build_views(names)
    views.create(projections)
    with views.transaction() as connection:
        for projection in projections:
            views.reset(connection, projection)
    head = app.log_position()
    label = ", ".join(projection.name for projection in projections)
    columns = (
        TextColumn(f"rebuilding {label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    durable = not views.is_memory and app.settings.backend != "memory"
    groups = share_out(projections, processes if durable else 1)
    # The rows of a whole batch stay in memory: a collector pass over them all at every
    # allocation threshold would cost a third of the time, and they hold no reference cycles.
    with gc_paused(), Progress(*columns, disable=not show_progress) as progress:
        task = progress.add_task("rebuild", total=head)
        if len(groups) == 1:
            runner = Runner(app, views, projections, batch_size=batch_size)
            while runner.position < head and runner.step():
                progress.update(task, completed=min(runner.position, head))
            return head
        context = get_context("spawn")
        with ProcessPoolExecutor(len(groups), mp_context=context) as pool:
            running = [
                pool.submit(
                    replay, app.settings, views.url, [p.name for p in group], head, batch_size
                )
                for group in groups
            ]
            while wait(running, timeout=0.5).not_done:
                positions = views.positions()
                progress.update(task, completed=min(positions[p.name] for p in projections))
            for done in running:
                done.result()
        progress.update(task, completed=head)
    return head


def share_out(projections: list[Projection], processes: int) -> list[list[Projection]]:
    """At most ``processes`` groups, views with the most kinds of events first, dealt round."""
    ordered = sorted(projections, key=lambda projection: -len(projection.handlers))
    count = max(1, min(processes, len(ordered)))
    return [ordered[start::count] for start in range(count)]


def replay(
    settings: Settings, views_url: str, names: list[str], head: int, batch_size: int
) -> None:
    """A worker process's part of a rebuild: replay the log up to ``head`` into ``names``."""
    # The parent's application has created the event store's tables. Workers creating them
    # again at the same moment collide in PostgreSQL's catalog ("tuple concurrently updated").
    os.environ["CREATE_TABLE"] = "false"
    app = MultiStore(settings)
    views = ViewStore(views_url)
    try:
        runner = Runner(app, views, build_views(names), batch_size=batch_size)
        with gc_paused():
            while runner.position < head and runner.step():
                pass
    finally:
        views.dispose()
        app.close()
