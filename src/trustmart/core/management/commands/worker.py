"""``trustmart worker``: deliver domain events and run timed jobs until SIGTERM or SIGINT.

The first signal lets the worker finish the event or job in hand and exit 0; a second one exits
at once (its claims then expire, as a crashed worker's do)."""

from __future__ import annotations

import os
import signal
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from trustmart.core.jobs import registered_jobs
from trustmart.core.worker import Worker


class Command(BaseCommand):
    help = ("Deliver domain events and run every timed job on its schedule, in the foreground. "
            "Run as many as you like: events and job runs are claimed, so each happens once.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--until-idle", action="store_true",
                            help="exit once no event and no job is due (a catch-up run)")
        parser.add_argument("--no-jobs", action="store_true", help="deliver events only")
        parser.add_argument("--no-events", action="store_true", help="run timed jobs only")
        parser.add_argument("--poll", type=float, default=None,
                            help="seconds between looks for due work (default: "
                                 "WORKER_POLL_SECONDS)")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = Worker(deliver_events=not options["no_events"], run_jobs=not options["no_jobs"],
                        poll_seconds=options["poll"], until_idle=options["until_idle"])

        def stop(signum: int, frame: FrameType | None) -> None:
            name = signal.Signals(signum).name
            if worker.stop_requested:  # asked twice: leave now, as a crash would
                self.stderr.write(f"{name} again: exiting without finishing")
                os._exit(1)
            self.stderr.write(f"{name}: finishing the work in hand (again to exit at once)")
            worker.request_stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(
            f"worker {worker.owner}: {len(registered_jobs())} timed jobs, events "
            f"{'on' if worker.deliver_events else 'off'} (delivery mode "
            f"{settings.TRUSTMART_EVENT_DELIVERY})")
        self.stdout.flush()
        stats = worker.run()
        self.stdout.write(f"worker {worker.owner} stopped: {stats.events} events delivered, "
                          f"{stats.job_runs} job runs")
