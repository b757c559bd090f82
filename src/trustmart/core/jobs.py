"""Timed jobs: sweeps of rows whose ``due_at`` has passed.

Each app registers its jobs here. Production runs them from Celery beat (see ``celery.py``);
the embedded default runs them in a background thread of the web process (``run_forever``).
Jobs are safe to run concurrently and repeatedly: the services they call are idempotent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    fn: Callable[[], object]


_jobs: dict[str, Job] = {}


def job(name: str, *, every_seconds: int) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def register(fn: Callable[[], object]) -> Callable[[], object]:
        _jobs[name] = Job(name, every_seconds, fn)
        return fn

    return register


def registered_jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda j: j.name)


def run_job(name: str) -> object:
    return _jobs[name].fn()


def run_forever(stop: threading.Event, *, tick_seconds: float = 1.0) -> None:
    """Run each job at its interval until ``stop`` is set (embedded mode only)."""
    last_run: dict[str, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        for j in registered_jobs():
            previous = last_run.get(j.name)
            if previous is None or now - previous >= j.every_seconds:
                last_run[j.name] = now
                try:
                    j.fn()
                except Exception:
                    logger.exception("timed job %s failed", j.name)
                finally:
                    close_old_connections()
        stop.wait(tick_seconds)


@job("core.events.deliver_due", every_seconds=30)
def _deliver_due_events() -> object:
    from .events import deliver_due

    return deliver_due()


@job("core.idempotency.purge_expired", every_seconds=3600)
def _purge_idempotency_keys() -> object:
    from .idempotency import purge_expired

    return purge_expired()
