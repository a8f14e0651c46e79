"""Verify: replay the whole log and check every rule at every step."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from multistore_core.application import MultiStore
from multistore_core.audit.log import read_pages
from multistore_core.audit.replay import Replay
from multistore_core.audit.rules import Violation
from multistore_core.log_reader import gc_paused


@dataclass(frozen=True)
class VerifyReport:
    """What verify read, how fast, what it checked and what it found."""

    events: int
    last_position: int
    seconds: float
    rules_checked: dict[str, int]
    violations: list[Violation]
    unmodelled: dict[str, int]

    @property
    def rate(self) -> float:
        """Events read and checked per second."""
        return self.events / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok(self) -> bool:
        return not self.violations


def verify(app: MultiStore, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Replay every event, checking every rule; ``progress`` gets each page's last position."""
    started = time.perf_counter()
    replay = Replay()
    events = 0
    with gc_paused():
        for page in read_pages(app):
            replay.apply_all(page)
            events += len(page)
            if progress is not None:
                progress(page[-1].position)
        replay.finish()
    return VerifyReport(
        events=events,
        last_position=replay.position,
        seconds=time.perf_counter() - started,
        rules_checked=replay.rules_checked(),
        violations=list(replay.violations),
        unmodelled=replay.unmodelled(),
    )
