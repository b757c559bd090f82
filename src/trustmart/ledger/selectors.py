"""Reads of the ledger: accounts, balances, statements, journals, and the invariant checker.

These selectors do no authorization: they are called by other apps' services, which check the
acting user, and by the operator-only API and admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import NotFound

from .models import Account, Entry, Hold, Journal, Side

# An operator health page shows the first few problems of each kind, not a million rows.
PROBLEMS_PER_CHECK = 20


@dataclass(frozen=True)
class Balance:
    account_id: int
    balance_fen: int
    debits_pending_fen: int
    credits_pending_fen: int
    available_fen: int


@dataclass(frozen=True)
class Problem:
    """One broken invariant: ``code`` for machines, ``detail`` for the operator."""

    code: str
    detail: str


def _pk(account: Account | int) -> int:
    return int(account.pk) if isinstance(account, Account) else account


def account_get(*, account_id: int) -> Account:
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise NotFound(_("This ledger account does not exist."))
    return account


def account_find(*, owner_type: str, owner_id: int | None, purpose: str) -> Account | None:
    """The owner's account for ``purpose``, or None when nothing was ever booked to it."""
    return Account.objects.filter(owner_type=owner_type, owner_id=owner_id,
                                  purpose=purpose).first()


def platform_account_subquery(purpose: str) -> Subquery:
    """The id of the platform's account for ``purpose`` as a subquery, NULL before its first
    use: a caller that reads rows anyway gets the id with them instead of in a read of its
    own (``services.platform_account_ids`` creates a missing one)."""
    return Subquery(Account.objects.filter(owner_type="platform", owner_id__isnull=True,
                                           purpose=purpose).values("pk")[:1])


def account_list(*, owner_type: str | None = None, owner_id: int | None = None,
                 purpose: str | None = None) -> QuerySet[Account]:
    accounts = Account.objects.all()
    if owner_type is not None:
        accounts = accounts.filter(owner_type=owner_type)
    if owner_id is not None:
        accounts = accounts.filter(owner_id=owner_id)
    if purpose is not None:
        accounts = accounts.filter(purpose=purpose)
    return accounts.order_by("pk")


def account_balance(*, account: Account | int) -> Balance:
    """A fresh read of the counters (an ``Account`` instance in memory may be stale)."""
    current = account_get(account_id=_pk(account))
    return Balance(
        account_id=current.pk,
        balance_fen=current.balance_fen,
        debits_pending_fen=current.debits_pending_fen,
        credits_pending_fen=current.credits_pending_fen,
        available_fen=current.available_fen,
    )


def _signed_amount() -> Case:
    """Credits raise a credit-normal balance, debits lower it."""
    return Case(When(side=Side.CREDIT, then=F("amount_fen")), default=-F("amount_fen"),
                output_field=BigIntegerField())


def account_statement(*, account: Account | int, newest_first: bool = False) -> QuerySet[Entry]:
    """The account's posted entries, each with ``signed_amount_fen`` and the
    ``running_balance_fen`` right after it.

    The running balance is a window sum in entry-id order (the order balances actually moved,
    since each post holds the account lock). The window is evaluated over all of the account's
    entries before any LIMIT/OFFSET, so every page of a paginated statement is exact.
    """
    return (
        Entry.objects.filter(account_id=_pk(account))
        .select_related("journal")
        .annotate(
            signed_amount_fen=_signed_amount(),
            running_balance_fen=Window(Sum(_signed_amount()), order_by=F("id").asc()),
        )
        .order_by("-id" if newest_first else "id")
    )


def journal_detail(*, journal_id: int) -> Journal:
    journal = (
        Journal.objects.filter(pk=journal_id)
        .select_related("reversal_of")
        .prefetch_related("entries__account")
        .first()
    )
    if journal is None:
        raise NotFound(_("This journal does not exist."))
    return journal


def hold_get(*, hold_id: int) -> Hold:
    hold = Hold.objects.filter(pk=hold_id).select_related("journal").first()
    if hold is None:
        raise NotFound(_("This hold does not exist."))
    return hold


# --- invariants -------------------------------------------------------------------------------
def _sum(path: str, **where: object) -> Coalesce:
    return Coalesce(Sum(path, filter=Q(**where)), Value(0), output_field=BigIntegerField())


def _pending_of(side: str) -> Coalesce:
    """Sum of the pending holds on one side of the outer account (a subquery, so the debit and
    credit sums do not multiply each other's rows)."""
    holds = (
        Hold.objects.filter(**{f"{side}_account": OuterRef("pk")}, status=Hold.Status.PENDING)
        .values(f"{side}_account")
        .annotate(total=Sum("amount_fen"))
        .values("total")
    )
    return Coalesce(Subquery(holds), Value(0), output_field=BigIntegerField())


def _unbalanced_journals() -> list[Problem]:
    journals = (
        Journal.objects.annotate(
            debits=_sum("entries__amount_fen", entries__side=Side.DEBIT),
            credits=_sum("entries__amount_fen", entries__side=Side.CREDIT),
            lines=Count("entries"),
        )
        .filter(Q(lines__lt=2) | ~Q(debits=F("credits")))
        .order_by("pk")
        .values("pk", "debits", "credits", "lines")[:PROBLEMS_PER_CHECK]
    )
    return [Problem("unbalanced_journal", str(_(
        "Journal #%(id)s does not balance: %(lines)s entries, debits %(debits)s, "
        "credits %(credits)s fen.") % {"id": j["pk"], "lines": j["lines"],
                                       "debits": j["debits"], "credits": j["credits"]}))
        for j in journals]


def _totals() -> list[Problem]:
    totals = Account.objects.aggregate(
        dp=Coalesce(Sum("debits_posted_fen"), 0), cp=Coalesce(Sum("credits_posted_fen"), 0),
        dq=Coalesce(Sum("debits_pending_fen"), 0), cq=Coalesce(Sum("credits_pending_fen"), 0),
    )
    problems = []
    if totals["dp"] != totals["cp"]:
        problems.append(Problem("posted_sum_not_zero", str(_(
            "All posted balances sum to %(sum)s fen instead of zero.")
            % {"sum": totals["cp"] - totals["dp"]})))
    if totals["dq"] != totals["cq"]:
        problems.append(Problem("pending_sum_not_zero", str(_(
            "All pending balances sum to %(sum)s fen instead of zero.")
            % {"sum": totals["cq"] - totals["dq"]})))
    return problems


def _negative_accounts() -> list[Problem]:
    overdrawn = Account.objects.filter(
        Q(allow_negative=False,
          credits_posted_fen__lt=F("debits_posted_fen") + F("debits_pending_fen"))
        | Q(debits_posted_fen__lt=0) | Q(credits_posted_fen__lt=0)
        | Q(debits_pending_fen__lt=0) | Q(credits_pending_fen__lt=0)
    ).order_by("pk")[:PROBLEMS_PER_CHECK]
    return [Problem("forbidden_negative", str(_(
        "Account #%(id)s (%(account)s) is overdrawn: available %(available)s fen.")
        % {"id": a.pk, "account": a, "available": a.available_fen})) for a in overdrawn]


def _stored_vs_entries() -> list[Problem]:
    drifted = (
        Account.objects.annotate(
            entry_debits=_sum("entries__amount_fen", entries__side=Side.DEBIT),
            entry_credits=_sum("entries__amount_fen", entries__side=Side.CREDIT),
        )
        .exclude(debits_posted_fen=F("entry_debits"), credits_posted_fen=F("entry_credits"))
        .order_by("pk")[:PROBLEMS_PER_CHECK]
    )
    return [Problem("balance_drift", str(_(
        "Account #%(id)s stores debits %(dp)s / credits %(cp)s fen but its entries sum to "
        "%(ed)s / %(ec)s.") % {"id": a.pk, "dp": a.debits_posted_fen, "cp": a.credits_posted_fen,
                              "ed": a.entry_debits, "ec": a.entry_credits}))
        for a in drifted]


def _pending_vs_holds() -> list[Problem]:
    drifted = (
        Account.objects.annotate(hold_debits=_pending_of("debit"),
                                 hold_credits=_pending_of("credit"))
        .exclude(debits_pending_fen=F("hold_debits"), credits_pending_fen=F("hold_credits"))
        .order_by("pk")[:PROBLEMS_PER_CHECK]
    )
    return [Problem("pending_drift", str(_(
        "Account #%(id)s stores pending debits %(dq)s / credits %(cq)s fen but its pending "
        "holds sum to %(hd)s / %(hc)s.") % {
            "id": a.pk, "dq": a.debits_pending_fen, "cq": a.credits_pending_fen,
            "hd": a.hold_debits, "hc": a.hold_credits}))
        for a in drifted]


def _posted_holds() -> list[Problem]:
    """A posted hold's journal is exactly one debit and one credit of the posted amount."""
    matching = (
        Q(journal__entries__amount_fen=F("posted_amount_fen"))
        & ((Q(journal__entries__side=Side.DEBIT)
            & Q(journal__entries__account=F("debit_account")))
           | (Q(journal__entries__side=Side.CREDIT)
              & Q(journal__entries__account=F("credit_account"))))
    )
    wrong = (
        Hold.objects.filter(status=Hold.Status.POSTED)
        .annotate(lines=Count("journal__entries"), good=Count("journal__entries", filter=matching))
        .exclude(lines=2, good=2)
        .order_by("pk")
        .values_list("pk", flat=True)[:PROBLEMS_PER_CHECK]
    )
    return [Problem("hold_journal_mismatch", str(_(
        "Hold #%(id)s was posted but its journal does not match it.") % {"id": pk}))
        for pk in wrong]


def ledger_check() -> list[Problem]:
    """Every invariant of the ledger; an empty list means the books are sound.

    Used by the tests after every simulated step and by an operator health page. Each check
    is one aggregate query, so it is cheap enough to run on a schedule.
    """
    return [
        *_unbalanced_journals(),
        *_totals(),
        *_negative_accounts(),
        *_stored_vs_entries(),
        *_pending_vs_holds(),
        *_posted_holds(),
    ]
