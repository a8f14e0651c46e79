"""Closed-loop and open-loop load: client threads place purchases and time every attempt."""

from __future__ import annotations

import gc
import itertools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.oversell.scenarios import Purchase

Place = Callable[[Purchase], bool]


@dataclass
class ClientLog:
    """What one client thread saw: outcomes and latencies in seconds."""

    accepted: int = 0
    refused: int = 0
    failed: int = 0
    unserved: int = 0
    accepted_units: int = 0
    latencies: list[float] = field(default_factory=list)
    last_accepted_at: float = 0.0
    errors: list[str] = field(default_factory=list)


def _attempt(
    place: Place, purchase: Purchase, log: ClientLog, started: float, origin: float
) -> None:
    try:
        accepted = place(purchase)
    except Exception as error:  # noqa: BLE001 - every failure is counted and reported
        log.failed += 1
        if len(log.errors) < 3:
            log.errors.append(f"{type(error).__name__}: {error}")
        accepted = None
    finished = time.perf_counter()
    log.latencies.append(finished - started)
    if accepted:
        log.accepted += 1
        log.accepted_units += purchase.quantity
        log.last_accepted_at = finished - origin
    elif accepted is False:
        log.refused += 1


def closed_loop(
    place: Place, purchases: Sequence[Purchase], clients: int, duration: float
) -> tuple[list[ClientLog], float]:
    """Each client places the next purchase as soon as its previous one returns."""
    _collect_setup_garbage()
    counter = itertools.count()
    logs = [ClientLog() for _ in range(clients)]
    origin = time.perf_counter()
    deadline = origin + duration

    def client(log: ClientLog) -> None:
        while (started := time.perf_counter()) < deadline:
            index = next(counter)
            if index >= len(purchases):
                return
            _attempt(place, purchases[index], log, started, origin)

    _run_threads(client, logs)
    return logs, time.perf_counter() - origin


def open_loop(
    place: Place, purchases: Sequence[Purchase], clients: int, rate: float, duration: float
) -> tuple[list[ClientLog], float]:
    """Purchases arrive every 1/rate s; latency counts from the intended start, queueing included.

    Arrivals still waiting 3 x ``duration`` after the start are not attempted: they count as
    failed and ``unserved``, with the time they had waited as a lower bound of their latency.

    Measuring from the intended start avoids coordinated omission: a stalled system
    is charged for every arrival it made wait, not only for the one it was serving.
    """
    _collect_setup_garbage()
    counter = itertools.count()
    logs = [ClientLog() for _ in range(clients)]
    total = min(len(purchases), int(rate * duration))
    origin = time.perf_counter() + 0.05
    give_up = origin + 3 * duration

    def client(log: ClientLog) -> None:
        while (index := next(counter)) < total:
            intended = origin + index / rate
            delay = intended - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if time.perf_counter() > give_up:
                log.unserved += 1
                log.failed += 1
                log.latencies.append(time.perf_counter() - intended)
                continue
            _attempt(place, purchases[index], log, intended, origin)

    _run_threads(client, logs)
    return logs, time.perf_counter() - origin


def _collect_setup_garbage() -> None:
    """Collect before the clock starts: a full collection set off by the setup's garbage costs
    30-40 ms with the libraries loaded and would stall every client inside the measured run."""
    gc.collect()


def _run_threads(client: Callable[[ClientLog], None], logs: list[ClientLog]) -> None:
    threads = [threading.Thread(target=client, args=(log,), daemon=True) for log in logs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of an ascending sequence (0.0 when empty)."""
    if not ordered:
        return 0.0
    rank = max(1, int(fraction * len(ordered) + 0.999999))
    return ordered[min(rank, len(ordered)) - 1]


def summarise(logs: list[ClientLog], elapsed: float, conflicts: int) -> dict[str, Any]:
    """Every figure of one run: rates, conflicts, latency percentiles (ms) and fairness."""
    latencies = sorted(itertools.chain.from_iterable(log.latencies for log in logs))
    accepted = sum(log.accepted for log in logs)
    refused = sum(log.refused for log in logs)
    selling = max((log.last_accepted_at for log in logs), default=0.0) or elapsed
    return {
        "elapsed_s": round(elapsed, 3),
        "selling_s": round(selling, 3),
        "attempts": len(latencies),
        "accepted": accepted,
        "accepted_units": sum(log.accepted_units for log in logs),
        "refused": refused,
        "failed": sum(log.failed for log in logs),
        "unserved": sum(log.unserved for log in logs),
        "accepted_per_s": round(accepted / selling, 1) if selling else 0.0,
        "refused_per_s": round(refused / elapsed, 1) if elapsed else 0.0,
        "conflicts": conflicts,
        "conflicts_per_accepted": round(conflicts / accepted, 3) if accepted else 0.0,
        "p50_ms": round(1000 * percentile(latencies, 0.50), 2),
        "p99_ms": round(1000 * percentile(latencies, 0.99), 2),
        "p999_ms": round(1000 * percentile(latencies, 0.999), 2),
        "max_ms": round(1000 * (latencies[-1] if latencies else 0.0), 2),
        "fewest_accepted_by_a_client": min(log.accepted for log in logs),
        "errors": sorted({error for log in logs for error in log.errors})[:5],
    }
