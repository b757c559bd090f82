"""``trustmart ledger-check``: print every broken ledger invariant; exit 1 if there is one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trustmart.ledger.selectors import ledger_check


class Command(BaseCommand):
    help = "Check the ledger's invariants (docs/ledger.md); non-zero exit on any violation."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = ledger_check()
        for problem in problems:
            self.stdout.write(f"{problem.code}: {problem.detail}")
        if problems:
            raise CommandError(f"{len(problems)} ledger invariants broken")
        self.stdout.write("ledger: every invariant holds")
