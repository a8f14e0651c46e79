"""Helpers for group-commit tests: hold the committer busy so queued commands form one batch."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from multistore_core import MultiStore
from multistore_core.group_commit import GroupCommitter
from multistore_core.results import Receipt


def run_as_one_batch(app: MultiStore, calls: list[Callable[[], Any]]) -> list[Any]:
    """Queue ``calls`` in order behind a held batch, release them together; results or errors."""
    committer = app._committer
    assert isinstance(committer, GroupCommitter)
    release, started = threading.Event(), threading.Event()

    def hold() -> tuple[list[Any], Receipt]:
        started.set()
        release.wait()
        return [], Receipt()

    holder = threading.Thread(target=committer.execute, args=("Hold", hold))
    holder.start()
    started.wait()
    outcomes: list[Any] = [None] * len(calls)

    def call(index: int) -> None:
        try:
            outcomes[index] = calls[index]()
        except Exception as error:  # the caller's outcome, compared by the test
            outcomes[index] = error

    threads = []
    for index in range(len(calls)):
        threads.append(threading.Thread(target=call, args=(index,)))
        threads[-1].start()
        while committer._queue.qsize() < index + 1:
            time.sleep(0.001)
    release.set()
    for thread in [holder, *threads]:
        thread.join()
    return outcomes
