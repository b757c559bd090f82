"""The live app's handlers and timed job (see the package docstring)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from django.utils import timezone

from trustmart.core.events import Event, EventType, Payload, publish, subscribe
from trustmart.core.jobs import job


@dataclass(frozen=True)
class Ping(Payload):
    """A ping for the live worker; ``live.slow`` sleeps ``seconds`` first."""

    seconds: Annotated[float, "How long the slow handler sleeps."] = 3.0


@dataclass(frozen=True)
class Handled(Payload):
    """A live handler ran for ``event`` in process ``pid``."""

    event: Annotated[str, "The event handled."]
    pid: Annotated[int, "The worker process."]


@dataclass(frozen=True)
class Ticked(Payload):
    """The live job ran."""

    pid: Annotated[int, "The worker process."]
    at: Annotated[str, "When (ISO 8601)."]


EventType("live.ping", Ping)
EventType("live.slow", Ping)
EventType("live.handled", Handled)
EventType("live.ticked", Ticked)


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
    time.sleep(float(event.payload.get("seconds", 3.0)))
    publish("live.handled", {"event": str(event.id), "pid": os.getpid()})
    _trace(f"end {event.id}")


@job("live.tick", every_seconds=int(os.environ.get("LIVE_TICK_SECONDS", "3")))
def tick() -> int:
    publish("live.ticked", {"pid": os.getpid(), "at": timezone.now().isoformat()})
    return 1
