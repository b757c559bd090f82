"""The operator's review of flagged commissions (刷单 suspicion): approve or reject."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.core.errors import Conflict, NotFound, invalid
from trustmart.merchants.selectors import require_operator

from ..lock_objects import commission_lock
from ..models import Commission
from .lifecycle import LIVE, _line_commission_set, commission_cancel, commission_release


def _flagged(commission_id: int) -> Commission:
    commission = commission_lock(commission_id)
    if commission is None:
        raise NotFound(_("This commission does not exist."))
    if commission.review_status != Commission.Review.FLAGGED:
        raise Conflict(_("This commission is not waiting for review."),
                       code="commission_not_flagged")
    return commission


@transaction.atomic
def commission_approve(*, user: User | AnonymousUser, commission_id: int,
                       note: str = "") -> Commission:
    """The order looks genuine: the commission goes on. If the order has already settled it is
    released now, otherwise it is released when the order settles."""
    operator = require_operator(user)
    commission = _flagged(commission_id)
    Commission.objects.filter(pk=commission.pk, review_status=Commission.Review.FLAGGED).update(
        review_status=Commission.Review.APPROVED, reviewed_by=operator,
        reviewed_at=timezone.now(), review_note=note.strip()[:200])
    commission.review_status = Commission.Review.APPROVED
    if commission.funded:
        commission_release(commission)
    commission.refresh_from_db()
    return commission


@transaction.atomic
def commission_reject(*, user: User | AnonymousUser, commission_id: int,
                      reason: str) -> Commission:
    """Fake order: the commission is cancelled (the sharer sees ``reason``). Money settlement
    already moved for it goes back to the merchant; before settlement the line's reserve is
    lowered so settlement does not move it at all."""
    operator = require_operator(user)
    reason = reason.strip()
    if not reason:
        raise invalid("reason", _("Say why the commission is rejected: the sharer sees it."),
                      code="reason_required")
    if len(reason) > 200:
        raise invalid("reason", _("This is too long."), code="reason_too_long")
    commission = _flagged(commission_id)
    Commission.objects.filter(pk=commission.pk, review_status=Commission.Review.FLAGGED).update(
        review_status=Commission.Review.REJECTED, reviewed_by=operator,
        reviewed_at=timezone.now(), review_note=reason)
    commission_cancel(commission)
    if not commission.funded:
        live = sum(Commission.objects.filter(order_line_id=commission.order_line_id,
                                             status__in=LIVE).values_list("amount_fen",
                                                                          flat=True))
        # False: the order settled meanwhile; order.settled then returns the surplus.
        _line_commission_set(line_id=commission.order_line_id, commission_fen=live)
    commission.refresh_from_db()
    return commission
