"""Real Celery workers and beats against a real broker, on a PostgreSQL database of their own.

The processes run production settings plus the ``tests.live`` app, with this run's own queue
(so concurrent runs on one broker never take each other's messages), on a sibling database
made and dropped like the benchmarks' (``bench.server.fresh_database``).

The broker is ``CELERY_TEST_BROKER_URL`` (default: RabbitMQ on 127.0.0.1:5672). When that
variable is set the broker must be reachable (conftest fails the run otherwise); when it is
not, an unreachable default broker skips these tests with a note.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bench.server import fresh_database, prepare, production_env

from tests.live import probe
from tests.test_worker_process import handled_counts, publish, wait_for

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
TICK_PERIOD = 3  # seconds between runs of the live.tick job


def _broker_reachable() -> bool:
    parts = urlsplit(BROKER)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), 3):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not _broker_reachable(),
                       reason=f"no Celery broker at {urlsplit(BROKER).netloc} "
                              "(set CELERY_TEST_BROKER_URL)"),
]


@pytest.fixture
def live_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    queue = f"trustmart-test-{secrets.token_hex(6)}"
    with fresh_database(os.environ) as db_env:
        base = {key: value for key, value in db_env.items()
                if key not in ("TRUSTMART_TESTING", "DJANGO_SETTINGS_MODULE")}
        env = production_env(tmp_path, base, settings_module="tests.live.settings")
        env.update(CELERY_BROKER_URL=BROKER, LIVE_CELERY_QUEUE=queue, LOG_LEVEL="INFO",
                   LIVE_TRACE_FILE=str(tmp_path / "trace.txt"),
                   LIVE_TICK_SECONDS=str(TICK_PERIOD), WORKER_POLL_SECONDS="1")
        env.pop("TRUSTMART_WORKER", None)
        prepare(env, static=False)
        try:
            yield env
        finally:
            from kombu import Connection

            with Connection(BROKER) as connection, suppress(Exception):
                connection.default_channel.queue_delete(queue)
                connection.default_channel.exchange_delete(queue)


class Processes:
    """The Celery processes of one test, each in its own process group, all killed at the end."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env, self.folder = env, folder
        self.started: list[subprocess.Popen[bytes]] = []

    def _start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.folder / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "trustmart", *args], env=self.env,
                cwd=self.folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append(process)
        return process

    def worker(self, name: str, concurrency: int) -> subprocess.Popen[bytes]:
        queue = self.env["LIVE_CELERY_QUEUE"]
        return self._start(name, "worker", "-Q", queue, "-c", str(concurrency), "-P", "prefork",
                           "-n", f"{name}-{queue}@%h", "--without-gossip", "--without-mingle",
                           "--without-heartbeat", "-l", "INFO")

    def beat(self, name: str) -> subprocess.Popen[bytes]:
        return self._start(name, "beat", "-s", str(self.folder / f"{name}-schedule"),
                           "--pidfile", str(self.folder / f"{name}.pid"), "-l", "INFO")

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def kill_all(self) -> None:
        for process in self.started:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def celery(live_env: dict[str, str], tmp_path: Path) -> Iterator[Processes]:
    processes = Processes(live_env, tmp_path)
    try:
        yield processes
    finally:
        processes.kill_all()


def _ticks(env: dict[str, str]) -> list[datetime]:
    return sorted(datetime.fromisoformat(row["payload"]["at"]) for row in probe.outbox(env)
                  if row["name"] == "live.ticked")


def _trace(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


def test_events_are_delivered_once_and_the_job_runs_once_per_period_with_two_beats(
        live_env: dict[str, str], celery: Processes) -> None:
    started = time.monotonic()
    celery.worker("worker", concurrency=2)
    celery.beat("beat-1")
    celery.beat("beat-2")
    ids = publish(live_env, "live.ping", {}, count=40)
    published = time.monotonic()

    def all_delivered() -> bool:
        states = {row["id"]: row["status"] for row in probe.outbox(live_env)}
        return all(states.get(event_id) == "delivered" for event_id in ids)

    wait_for(all_delivered, 120, "the 40 events to be delivered")
    delivered = time.monotonic()
    wait_for(lambda: len(_ticks(live_env)) >= 4, 120, "four runs of the live.tick job")
    ticked = time.monotonic()

    assert handled_counts(live_env) == Counter({event_id: 1 for event_id in ids})
    handled = Counter(event for event, _handler in probe.handled(live_env))
    assert all(handled[event_id] == 1 for event_id in ids)
    ticks = _ticks(live_env)
    span = (ticks[-1] - ticks[0]).total_seconds()
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(ticks)]
    # Two beats tick every second each. Were the schedule each beat's own (as with one beat
    # entry per job), the job would run twice a period; were runs not claimed, on every tick.
    assert len(ticks) <= span / TICK_PERIOD + 2, (len(ticks), span, gaps)
    assert min(gaps) > 0.5, gaps
    [(runs,)] = probe.query(live_env, "SELECT runs FROM core_jobclaim WHERE name = 'live.tick'")
    assert runs >= len(ticks)  # (a run may have finished since the ticks were read)
    for beat in ("beat-1", "beat-2"):  # both beats really were ticking
        assert "Sending due task trustmart.core.jobs_tick" in celery.log(beat), celery.log(beat)
    print(f"\ncelery-live: 40 events delivered {delivered - published:.1f}s after publishing "
          f"(processes started {published - started:.1f}s earlier); {len(ticks)} job runs in "
          f"{span:.1f}s, gaps {[round(gap, 1) for gap in gaps]}; total {ticked - started:.1f}s")


def test_a_delivery_killed_mid_handler_is_redelivered_and_handled_once(
        live_env: dict[str, str], celery: Processes, tmp_path: Path) -> None:
    started = time.monotonic()
    trace = tmp_path / "trace.txt"
    first = celery.worker("worker-a", concurrency=1)
    [event_id] = publish(live_env, "live.slow", {"seconds": 4})

    def starts() -> list[list[str]]:
        return [line for line in _trace(trace) if line[0] == "start"]

    wait_for(lambda: len(starts()) == 1, 120, "the handler to start")
    # 1. The pool process dies: the worker's master requeues the unacknowledged message
    #    (acks_late + reject_on_worker_lost) and a new pool process runs it again.
    os.kill(int(starts()[0][2]), signal.SIGKILL)
    wait_for(lambda: len(starts()) == 2, 120, "the redelivery after the pool process died")
    # 2. The whole worker dies: the broker requeues the message when its connection drops.
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert probe.query(live_env, "SELECT status FROM core_outboxevent WHERE id = ?",
                       (event_id,)) == [("pending",)]
    killed = time.monotonic()
    celery.worker("worker-b", concurrency=1)
    wait_for(lambda: any(line[0] == "end" for line in _trace(trace)), 120,
             "the handler to finish on the restarted worker")
    wait_for(lambda: probe.query(live_env, "SELECT status FROM core_outboxevent WHERE id = ?",
                                 (event_id,)) == [("delivered",)], 60, "the event delivered")
    redelivered = time.monotonic()

    assert [line[0] for line in _trace(trace)] == ["start", "start", "start", "end"]
    assert len({line[2] for line in _trace(trace)}) == 3  # three processes ran it
    assert handled_counts(live_env)[event_id] == 1  # the killed attempts rolled back
    assert [row for row in probe.handled(live_env) if row[0] == event_id] == [
        (event_id, "tests.live.hooks.slow")]
    [(attempts,)] = probe.query(live_env, "SELECT attempts FROM core_outboxevent WHERE id = ?",
                                (event_id,))
    assert attempts == 0  # no handler failure was recorded: the deaths left no trace
    assert "WorkerLostError" in celery.log("worker-a")
    print(f"\ncelery-live: killed twice, delivered once {redelivered - killed:.1f}s after the "
          f"restart; total {redelivered - started:.1f}s")

