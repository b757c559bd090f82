"""``trustmart demo``: migrate, build the demo data, serve the site and say how to log in."""

from __future__ import annotations

import socket
import sys
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils import translation

from trustmart.accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from trustmart.core.worker import Worker
from trustmart.web.demo import build_demo, demo_exists, wipe_media


class Command(BaseCommand):
    help = "Build the demo data (once) and serve TrustMart at http://127.0.0.1:8000."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--reset", action="store_true", help="delete everything and rebuild")
        parser.add_argument("--no-serve", action="store_true", help="build the data and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["reset"]:
            call_command("flush", interactive=False, verbosity=0)
            wipe_media()
        call_command("migrate", interactive=False, verbosity=0)
        if demo_exists():
            self.stdout.write("Demo data already present (use --reset to rebuild).")
        else:
            counts = build_demo()
            self.stdout.write(f"Demo data built in {time.monotonic() - started:.1f}s: {counts}")
        if options["no_serve"]:
            return
        if not settings.DEMO_MODE or not settings.DEBUG:
            self.stderr.write("Note: run with DEBUG=1 TRUSTMART_DEMO=1 (as `make demo` does) "
                              "to see the demo log-ins on the home page.")
        connection.close()
        addr, port = options["addr"], options["port"]
        # Embedded mode: a worker in this process runs the timed jobs (and event retries).
        worker = Worker() if settings.TRUSTMART_EVENT_DELIVERY == "inline" else None
        if worker is not None:
            worker.start()
        threading.Thread(target=self._announce, args=(addr, port), daemon=True).start()
        try:
            call_command("runserver", f"{addr}:{port}", use_reloader=False, use_threading=True)
        finally:
            if worker is not None:
                worker.request_stop()

    def _announce(self, addr: str, port: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((addr, port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        base = f"http://{addr}:{port}"
        with translation.override("zh-hans"):
            lines = [
                "",
                "=" * 64,
                f"  TrustMart 信享 is up:   {base}/",
                f"  API docs:               {base}/api/docs",
                f"  Health:                 {base}/healthz",
                f"  Admin (operator):       {base}/admin/",
                "",
                f"  Demo log-ins (password for all: {DEMO_PASSWORD})",
            ]
            lines += [f"    {account.role:<15} {account.mobile}  {account.nickname}"
                      for account in DEMO_ACCOUNTS]
            lines += ["=" * 64, ""]
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
