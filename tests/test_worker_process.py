"""``trustmart worker`` as a real process on a SQLite file: SIGTERM finishes the event in hand,
gives back the rest and exits 0; ``--until-idle`` catches up; two workers share the work.

The processes run with production settings plus the ``tests.live`` app (its handlers leave
countable traces), on a database of their own in a temporary folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.server import REPO_ROOT, prepare, production_env

from tests.live import probe

NOT_INHERITED = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "TRUSTMART_TESTING",
                 "DJANGO_SETTINGS_MODULE", "TRUSTMART_DATA_DIR")


@pytest.fixture
def live_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    base = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env = production_env(tmp_path, base, settings_module="tests.live.settings")
    env.update(TRUSTMART_WORKER="1", WORKER_POLL_SECONDS="1", LOG_LEVEL="INFO",
               LIVE_TRACE_FILE=str(tmp_path / "trace.txt"), LIVE_TICK_SECONDS="3600")
    prepare(env, static=False)
    yield env


def publish(env: dict[str, str], name: str, payload: dict[str, object],
            count: int = 1) -> list[str]:
    done = subprocess.run([sys.executable, "-m", "tests.live", "publish", name,
                           json.dumps(payload), str(count)], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    ids: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return ids


def start_worker(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([str(Path(sys.executable).with_name("trustmart")), "worker",
                                 *args], env=env, cwd=env["TRUSTMART_DATA_DIR"],
                                stdout=out, stderr=subprocess.STDOUT)


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def statuses(env: dict[str, str], ids: list[str]) -> dict[str, str]:
    return {row["id"]: row["status"] for row in probe.outbox(env) if row["id"] in ids}


def handled_counts(env: dict[str, str]) -> Counter[str]:
    return Counter(row["payload"]["event"] for row in probe.outbox(env)
                   if row["name"] == "live.handled")


def test_sigterm_finishes_the_event_in_hand_gives_back_the_rest_and_exits_0(
        live_env: dict[str, str], tmp_path: Path) -> None:
    [slow] = publish(live_env, "live.slow", {"seconds": 2})
    pings = publish(live_env, "live.ping", {}, count=3)
    trace = tmp_path / "trace.txt"
    worker = start_worker(live_env, tmp_path / "worker.log", "--no-jobs")
    try:
        wait_for(lambda: trace.exists() and "start" in trace.read_text(), 60,
                 "the slow handler to start")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        worker.kill()
    assert [line.split()[0] for line in trace.read_text().splitlines()] == ["start", "end"]
    assert statuses(live_env, [slow]) == {slow: "delivered"}
    assert set(statuses(live_env, pings).values()) == {"pending"}  # given back, not started
    assert handled_counts(live_env) == Counter({slow: 1})
    log = (tmp_path / "worker.log").read_text()
    assert "SIGTERM: finishing the work in hand" in log and "gave back 3 claimed events" in log

    catch_up = subprocess.run([str(Path(sys.executable).with_name("trustmart")), "worker",
                               "--until-idle"], env=live_env, cwd=live_env["TRUSTMART_DATA_DIR"],
                              capture_output=True, text=True, timeout=120, check=False)
    assert catch_up.returncode == 0, catch_up.stderr[-3000:]
    assert set(statuses(live_env, [slow, *pings]).values()) == {"delivered"}
    assert handled_counts(live_env) == Counter({event: 1 for event in [slow, *pings]})
    # --until-idle also ran every job that was due (all of them, on a fresh database), once.
    runs = dict(probe.query(live_env, "SELECT name, runs FROM core_jobclaim"))
    assert runs["live.tick"] == 1 and runs["orders.expire_unpaid"] == 1


def test_two_worker_processes_deliver_each_event_once(live_env: dict[str, str],
                                                      tmp_path: Path) -> None:
    logs = [tmp_path / f"worker-{n}.log" for n in range(2)]
    workers = [start_worker(live_env, log) for log in logs]
    try:
        # Each worker announces itself once its signal handlers are in place; a SIGTERM sent
        # before that (one worker can deliver all 60 while the other still starts) would kill
        # it instead of stopping it.
        for log in logs:
            wait_for(lambda log=log: log.exists() and "timed jobs, events" in log.read_text(),
                     90, f"{log.name} to start")
        ids = publish(live_env, "live.ping", {}, count=60)
        wait_for(lambda: set(statuses(live_env, ids).values()) == {"delivered"}, 120,
                 "every event to be delivered")
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        assert [worker.wait(timeout=30) for worker in workers] == [0, 0]
    finally:
        for worker in workers:
            worker.kill()
    assert handled_counts(live_env) == Counter({event: 1 for event in ids})
    assert len([row for row in probe.handled(live_env) if row[0] in ids]) == 60
    runs = dict(probe.query(live_env, "SELECT name, runs FROM core_jobclaim"))
    assert runs["live.tick"] == 1  # an hourly job, two workers: one run
    logs = [(tmp_path / f"worker-{n}.log").read_text() for n in range(2)]
    delivered = [int(log.rsplit("stopped: ", 1)[1].split()[0]) for log in logs]
    # No event was claimed by both (some may have gone through the core.events.deliver_due job,
    # which counts as a job run; live.handled, which nobody subscribes to, is never pending).
    assert sum(delivered) <= 60


def test_a_second_signal_exits_at_once_and_the_event_waits_for_its_claim_to_expire(
        live_env: dict[str, str], tmp_path: Path) -> None:
    [slow] = publish(live_env, "live.slow", {"seconds": 60})
    trace = tmp_path / "trace.txt"
    worker = start_worker(live_env, tmp_path / "worker.log", "--no-jobs")
    try:
        wait_for(lambda: trace.exists() and "start" in trace.read_text(), 60,
                 "the slow handler to start")
        worker.send_signal(signal.SIGINT)
        time.sleep(0.5)
        worker.send_signal(signal.SIGINT)
        assert worker.wait(timeout=20) == 1  # not the minute the handler would take
    finally:
        worker.kill()
    assert "SIGINT again: exiting without finishing" in (tmp_path / "worker.log").read_text()
    [(status, attempts)] = probe.query(
        live_env, "SELECT status, attempts FROM core_outboxevent WHERE id = ?",
        (slow.replace("-", ""),))
    assert (status, attempts) == ("pending", 0) and handled_counts(live_env) == Counter()
