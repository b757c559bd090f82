"""Paying for a checkout (escrow, 担保交易), and giving the money back when orders say so.

payments sits above orders, so it calls orders' services directly: the "checkout" purpose
handler asks ``orders.services.checkout_paid`` to hold the money in escrow, inside the same
transaction that marks the payment succeeded. When the checkout was closed before the money
arrived (expired or cancelled), orders answer False and the whole payment is refunded after
commit. When an order is refunded, orders publish ``order.refunded`` and ``handlers.py`` calls
``order_refund_issue`` here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, NotFound
from trustmart.orders import services as orders_services
from trustmart.orders.models import Checkout, OrderLine

from ..models import Payment, Refund
from ..providers import DEFAULT_PROVIDER, ClientKind
from ..selectors import checkout_reference
from .payments import _check_return_url, payment_channel, payment_create
from .purposes import purpose_handler
from .refunds import refund_request

if TYPE_CHECKING:
    from trustmart.accounts.models import User

# Where the result page sends the buyer when the client did not say (the buyer's order list).
ORDERS_URL = "/orders/"


def _checkout_not_found() -> NotFound:
    return NotFound(_("This order does not exist."), code="checkout_not_found")


def checkout_not_payable() -> Conflict:
    return Conflict(_("This order can no longer be paid."), code="checkout_not_payable")


# The provider's order carries the goods, not our number: at most this many UTF-8 bytes
# (WeChat Pay's description limit, the strictest of the providers').
DESCRIPTION_MAX_BYTES = 127


def goods_description(*, first_name: str, count: int, max_bytes: int = DESCRIPTION_MAX_BYTES
                      ) -> str:
    """What the payer sees at the provider: the first product's name, and "等N件" for more
    than one item, within ``max_bytes`` (the name is cut, never the count). In the site's
    default language, like everything the provider shows the payer."""
    with translation.override(settings.LANGUAGE_CODE):
        if count <= 1:
            return first_name.encode()[:max_bytes].decode("utf-8", errors="ignore")
        suffix = str(_("%(name)s and %(count)s items in all") % {"name": "", "count": count})
    room = max(max_bytes - len(suffix.encode()), 0)
    return first_name.encode()[:room].decode("utf-8", errors="ignore") + suffix


def _goods_subqueries() -> dict[str, Subquery]:
    """The checkout's first product name and its number of items, read with the checkout."""
    lines = OrderLine.objects.filter(order__checkout=OuterRef("pk"))
    return {"first_product": Subquery(lines.order_by("order_id", "pk")
                                      .values("product_name")[:1]),
            "item_count": Subquery(lines.order_by().values("order__checkout")
                                   .annotate(total=Sum("quantity")).values("total")[:1])}


def checkout_payment_create(*, user: User, checkout_no: str, provider: str = DEFAULT_PROVIDER,
                            return_url: str = "", client: str = ClientKind.MOBILE) -> Payment:
    """The payment of a checkout by its buyer, for exactly the checkout's total, through the
    channel the provider offers for ``client`` (where the payer is).

    Another user's checkout is NotFound. A checkout that is paid, closed or past its payment
    deadline is ``checkout_not_payable``. An open payment (status created) of the same checkout
    with the same provider and channel is reused, so tapping "pay" twice makes one payment.
    The provider's order carries the goods' description and expires with the checkout.
    """
    if not user.is_authenticated:
        raise _checkout_not_found()
    channel = payment_channel(provider=provider, client=client)
    reference = checkout_reference(checkout_no)
    with transaction.atomic():
        # The checkout row lock serialises two taps on "pay": one payment, not two. The
        # buyer filter is the authorization check (another user's checkout is NotFound, as in
        # ``checkout_for_payer``), and the open payment to reuse comes with it: one read.
        open_payments = Payment.objects.filter(
            payer=user, purpose=Payment.Purpose.CHECKOUT, reference=reference,
            provider=provider, channel=channel, amount_fen=OuterRef("total_fen"),
            status=Payment.Status.CREATED, expires_at__gt=timezone.now()).order_by("-pk")
        checkout = (Checkout.objects.select_for_update(of=("self",))
                    .filter(checkout_no=checkout_no, buyer=user)
                    .annotate(open_payment_id=Subquery(open_payments.values("pk")[:1]),
                              **_goods_subqueries())
                    .first())
        if checkout is None:
            raise _checkout_not_found()
        if (checkout.status != Checkout.Status.AWAITING_PAYMENT
                or checkout.expires_at <= timezone.now()):
            raise checkout_not_payable()
        if checkout.open_payment_id is not None:
            open_payment = Payment.objects.get(pk=checkout.open_payment_id)
            url = _check_return_url(return_url)
            if url and url != open_payment.return_url:
                Payment.objects.filter(pk=open_payment.pk).update(return_url=url)
                open_payment.return_url = url
            return open_payment
        return payment_create(payer=user, purpose=Payment.Purpose.CHECKOUT,
                              reference=reference, amount_fen=checkout.total_fen,
                              provider=provider,
                              description=goods_description(
                                  first_name=getattr(checkout, "first_product", None)
                                  or checkout_no,
                                  count=int(getattr(checkout, "item_count", 0) or 0)),
                              return_url=return_url or ORDERS_URL, channel=channel,
                              expires_at=checkout.expires_at)


def checkout_no_of(payment: Payment) -> str:
    kind, _sep, number = payment.reference.partition(":")
    if kind != "checkout" or not number:
        raise Conflict(_("This payment does not name a checkout."),
                       code="bad_payment_reference")
    return number


def late_refund_reference(payment: Payment) -> str:
    return f"payment:{payment.payment_no}:late"


def _checkout_ledger_reference(payment: Payment) -> str:
    return checkout_reference(checkout_no_of(payment))


@purpose_handler(Payment.Purpose.CHECKOUT, reference=_checkout_ledger_reference)
def checkout_payment_succeeded(payment: Payment) -> str:
    """Inside the success transaction: hold the money in escrow, one hold per order (orders
    does it, idempotently by payment_ref). Returns the reference stored on the payment: the
    checkout when applied, "" when the money is to go back (nothing was booked)."""
    checkout_no = checkout_no_of(payment)
    applied = orders_services.checkout_paid(checkout_no=checkout_no,
                                            amount_fen=payment.amount_fen,
                                            payment_ref=payment.payment_no)
    if applied:
        return checkout_reference(checkout_no)
    # The checkout expired or was cancelled before the money arrived: give it all back,
    # after commit, through the same provider.
    refund_request(payment=payment, amount_fen=payment.amount_fen,
                   reason=Refund.Reason.LATE_PAYMENT, reference=late_refund_reference(payment))
    return ""


def order_refund_reference(order_no: str) -> str:
    return f"order:{order_no}:refund"


def order_refund_issue(*, order_no: str, checkout_no: str, amount_fen: int,
                       reference: str | None = None) -> Refund:
    """Refund one order of a paid checkout through the provider of the payment that paid it.

    Once per ``reference`` (by default the order: its one full refund). Orders already took
    the money out of escrow in the ledger, so nothing is booked here. Conflict
    ``checkout_payment_not_found`` when no applied payment exists (the event is then retried
    and, in the end, shown to operators)."""
    payment = (Payment.objects.filter(purpose=Payment.Purpose.CHECKOUT,
                                      reference=checkout_reference(checkout_no),
                                      status=Payment.Status.SUCCEEDED)
               .exclude(ledger_reference="").order_by("pk").first())
    if payment is None:
        raise Conflict(_("No payment of this checkout was found to refund."),
                       code="checkout_payment_not_found")
    return refund_request(payment=payment, amount_fen=amount_fen,
                          reason=Refund.Reason.ORDER_REFUNDED,
                          reference=reference or order_refund_reference(order_no))
