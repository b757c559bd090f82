import threading

from trustmart.core import jobs

ran: list[str] = []


@jobs.job("test.tick", every_seconds=3600)
def tick() -> None:
    ran.append("tick")


def test_core_jobs_are_registered() -> None:
    names = {j.name for j in jobs.registered_jobs()}
    assert {"core.events.deliver_due", "core.idempotency.purge_expired"} <= names


def test_run_forever_runs_each_job_at_its_interval_until_stopped(monkeypatch: object) -> None:
    stop = threading.Event()
    only_tick = [j for j in jobs.registered_jobs() if j.name == "test.tick"]
    monkeypatch.setattr(jobs, "registered_jobs", lambda: only_tick)  # type: ignore[attr-defined]
    thread = threading.Thread(target=jobs.run_forever, args=(stop,), kwargs={"tick_seconds": 0.01})
    thread.start()
    stop.wait(0.2)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert ran == ["tick"]  # hourly job ran once, not every tick
