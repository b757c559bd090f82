"""What tests of every app share: real-thread races and the state-machine check.

``race`` and ``run_all`` start callables at the same instant in real threads (behind a barrier),
each on its own database connection, closed afterwards; results come back in order, an exception
in place of a result. They belong in ``@pytest.mark.postgres`` tests with
``django_db(transaction=True)``: SQLite serialises writers, so it shows no race.

``assert_state_machine`` proves a ``core.states.StateMachine`` against real rows.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

from django.db import connection, models

from .states import StateMachine

JOIN_TIMEOUT_SECONDS = 120
M = TypeVar("M", bound=models.Model)


def run_all(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, all released at once; results (or exceptions) in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [RuntimeError("did not run")] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except Exception as exc:  # collected for the test's assertions
            results[i] = exc
        finally:
            connection.close()  # each thread opened its own connection: do not leak it

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (a deadlock?)"
    return results


def race(fn: Callable[[int], Any], n: int) -> list[Any]:
    """``fn(0)`` … ``fn(n - 1)`` at once in ``n`` threads; results (or exceptions) in order."""
    return run_all([partial(fn, i) for i in range(n)])


def errors(results: Iterable[object]) -> list[Exception]:
    """The exceptions among ``race``/``run_all`` results."""
    return [r for r in results if isinstance(r, Exception)]


def reachable(machine: StateMachine[Any], initial: Iterable[str]) -> set[str]:
    """Every status that some sequence of declared moves reaches from ``initial``."""
    seen = {str(s) for s in initial}
    queue = deque(seen)
    while queue:
        for target in machine.targets(queue.popleft()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def assert_state_machine(machine: StateMachine[M], make: Callable[[], M], *,
                         initial: Iterable[str],
                         record: Callable[[str, str], Mapping[str, Any]] | None = None,
                         prepare: Callable[[str], Mapping[str, Any]] | None = None,
                         fields: Callable[[str, str], Mapping[str, Any]] | None = None) -> None:
    """Check ``machine`` on real rows made by ``make()``.

    - every status of the field is reachable from ``initial`` through declared moves;
    - every declared move wins: the row is put in ``from`` (with ``prepare(from)``'s columns,
      where constraints need them), moved (with ``fields(from, to)``'s columns, as the
      service would set them), and reads back ``to``; with a timeline, one row more is
      recorded (``record(from, to)`` fills its columns);
    - every undeclared move is refused and writes nothing;
    - a move from a status the row no longer has (another request moved it) loses.
    """
    statuses = machine.statuses()
    unreached = set(statuses) - reachable(machine, initial)
    assert not unreached, f"statuses no declared move reaches: {sorted(unreached)}"
    manager = machine.model._default_manager
    history = machine.timeline.model._default_manager if machine.timeline else None

    def fresh(status: str) -> M:
        obj = make()
        extra = prepare(status) if prepare else {}
        manager.filter(pk=obj.pk).update(**{machine.field: status, **extra})
        obj.refresh_from_db()
        return obj

    for from_status, to_status in machine.pairs():
        obj = fresh(from_status)
        before = history.count() if history is not None else 0
        moved = machine.move(obj, to_status,
                             record=record(from_status, to_status) if record else None,
                             **(fields(from_status, to_status) if fields else {}))
        assert moved, f"declared move {from_status} → {to_status} did not win"
        stored = manager.values_list(machine.field, flat=True).get(pk=obj.pk)
        assert stored == to_status == getattr(obj, machine.field)
        if history is not None:
            assert history.count() == before + 1, f"{from_status} → {to_status} not recorded"
    sample = fresh(statuses[0])
    for from_status in statuses:
        for to_status in statuses:
            if from_status == to_status or machine.allows(from_status, to_status):
                continue
            setattr(sample, machine.field, from_status)
            assert not machine.move(sample, to_status), (
                f"undeclared move {from_status} → {to_status} was allowed")
    if machine.pairs():
        from_status, to_status = machine.pairs()[0]
        other = next((s for s in statuses if s != from_status), from_status)
        obj = fresh(other)
        setattr(obj, machine.field, from_status)  # what a stale read would believe
        assert not machine.move(obj, to_status), "a stale move won against the current row"
        assert manager.values_list(machine.field, flat=True).get(pk=obj.pk) == other
