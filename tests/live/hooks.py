"""The live app's handlers and timed job (see the package docstring)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.utils import timezone

from trustmart.core.events import Event, publish, subscribe
from trustmart.core.jobs import job


def _trace(line: str) -> None:
    path = os.environ.get("LIVE_TRACE_FILE")
    if path:
        with Path(path).open("a") as trace:
            trace.write(f"{line} {os.getpid()}\n")


@subscribe("live.ping")
def ping(event: Event) -> None:
    publish("live.handled", {"event": str(event.id), "pid": os.getpid()})


@subscribe("live.slow")
def slow(event: Event) -> None:
    _trace(f"start {event.id}")
    time.sleep(float(event.payload.get("seconds", 3)))
    publish("live.handled", {"event": str(event.id), "pid": os.getpid()})
    _trace(f"end {event.id}")


@job("live.tick", every_seconds=int(os.environ.get("LIVE_TICK_SECONDS", "3")))
def tick() -> int:
    publish("live.ticked", {"pid": os.getpid(), "at": timezone.now().isoformat()})
    return 1
