"""The worker behind ``trustmart worker``: delivers domain events and runs timed jobs.

It runs in the foreground with two threads, so a long job never holds events back:

- events: claim a batch of due outbox events (``events.events_claim_due``), deliver each, and
  when none is due wait ``WORKER_POLL_SECONDS``, or on PostgreSQL until ``publish()``'s NOTIFY
  wakes it (LISTEN on a connection of its own);
- jobs: claim each due job (``jobs.job_claim``) and run it under a renewed lease.

Any number of workers may run on any number of machines, beside Celery or not: events are
claimed with a lease (and handlers are idempotent through ``HandledEvent``), job runs are
claimed once per period. ``request_stop()`` (SIGTERM, SIGINT) lets each thread finish the event
or job in hand, gives back the events it had claimed but not started, and returns.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, connections

from . import events, jobs

logger = logging.getLogger(__name__)

BATCH = 50
# How long a thread pauses after an unexpected error (a database restart) before going on.
ERROR_PAUSE_SECONDS = 5.0


@dataclass
class WorkerStats:
    events: int = 0
    job_runs: int = 0


class Worker:
    def __init__(self, *, deliver_events: bool = True, run_jobs: bool = True,
                 job_list: list[jobs.Job] | None = None, poll_seconds: float | None = None,
                 batch: int = BATCH, until_idle: bool = False, owner: str | None = None) -> None:
        self.deliver_events, self.run_jobs = deliver_events, run_jobs
        self.job_list = job_list
        self.poll_seconds = float(poll_seconds if poll_seconds is not None
                                  else settings.WORKER_POLL_SECONDS)
        self.batch = batch
        # Until idle: stop once nothing is due (events waiting only for a retry backoff do not
        # count). For a one-off catch-up and for tests; a deployment runs without it.
        self.until_idle = until_idle
        self.owner = owner or jobs.runner_id("worker")
        self.stats = WorkerStats()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        loops = [(self.deliver_events, self._events_loop, "events"),
                 (self.run_jobs, self._jobs_loop, "jobs")]
        self._threads = [threading.Thread(target=self._guarded, args=(loop,), daemon=True,
                                          name=f"worker-{name}")
                         for wanted, loop, name in loops if wanted]
        for thread in self._threads:
            thread.start()

    def request_stop(self) -> None:
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def run(self) -> WorkerStats:
        """Start, and return once both threads are done. Joins in short steps, so the main
        thread keeps handling signals."""
        self.start()
        while self.running:
            for thread in self._threads:
                thread.join(timeout=0.2)
        return self.stats

    def _guarded(self, loop: Any) -> None:
        try:
            loop()
        finally:
            connections.close_all()  # this thread's connections

    def _pause_after_error(self, what: str) -> None:
        logger.exception("worker %s: %s failed; going on in %.0fs", self.owner, what,
                         ERROR_PAUSE_SECONDS)
        connections.close_all()
        self._stop.wait(ERROR_PAUSE_SECONDS)

    # --- events --------------------------------------------------------------------------
    def _events_loop(self) -> None:
        listener = _Listener.open()
        try:
            while not self._stop.is_set():
                try:
                    claimed = events.events_claim_due(limit=self.batch)
                    self._deliver(claimed)
                    if claimed:
                        continue
                    if self.until_idle and not events.events_outstanding():
                        return
                except Exception:
                    self._pause_after_error("event delivery")
                    continue
                if listener is not None:
                    listener.wait(self.poll_seconds, self._stop)
                else:
                    self._stop.wait(self.poll_seconds)
        finally:
            if listener is not None:
                listener.close()

    def _deliver(self, claimed: list[uuid.UUID]) -> None:
        # Past half the claim's lease, the rest goes back and is claimed afresh: another worker
        # never finds an event of ours due while we may still be working through the batch.
        give_back_at = time.monotonic() + events.CLAIM_LEASE.total_seconds() / 2
        for n, event_id in enumerate(claimed):
            if self._stop.is_set() or (n and time.monotonic() > give_back_at):
                events.events_release(claimed[n:])
                if self._stop.is_set():
                    logger.info("worker %s: gave back %d claimed events", self.owner,
                                len(claimed) - n)
                return
            events.deliver(event_id)
            self.stats.events += 1

    # --- jobs ----------------------------------------------------------------------------
    def _jobs_loop(self) -> None:
        while not self._stop.is_set():
            try:
                due = jobs.jobs_due(self.job_list)
                for job in due:
                    if self._stop.is_set():
                        return
                    if jobs.job_run_if_due(job.name, owner=self.owner):
                        self.stats.job_runs += 1
                if self.until_idle and not due:
                    return
            except Exception:
                self._pause_after_error("a timed job")
                continue
            self._stop.wait(self.poll_seconds)


class _Listener:
    """LISTEN for ``publish()``'s NOTIFY on a PostgreSQL connection of its own (autocommit, so
    notifications arrive as soon as the publishing transaction commits)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    @classmethod
    def open(cls) -> _Listener | None:
        if connection.vendor != "postgresql":
            return None
        import psycopg

        params = {key: value for key, value in connection.get_connection_params().items()
                  if key not in {"cursor_factory", "context"}}
        try:
            raw = psycopg.connect(**params, autocommit=True)
            raw.execute(f"LISTEN {events.NOTIFY_CHANNEL}")
        except psycopg.Error:
            logger.exception("could not LISTEN for new events; polling only")
            return None
        return cls(raw)

    def wait(self, seconds: float, stop: threading.Event) -> None:
        """Return on a notification, on ``stop``, or after ``seconds``."""
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                for _notification in self.raw.notifies(timeout=min(left, 0.5), stop_after=1):
                    return
            except Exception:
                logger.exception("LISTEN connection lost; polling only")
                stop.wait(left)
                return

    def close(self) -> None:
        self.raw.close()
