"""REST endpoints for after-sales cases (mounted at ``/api/aftersales``). Each handler parses,
calls one service or selector, returns. Someone else's case is 404, as are its evidence files;
only operators see the arbitration queue and decide."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Schema
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from trustmart.accounts.auth import app_or_user, token_or_session
from trustmart.accounts.models import User
from trustmart.core.idempotency import idempotent
from trustmart.core.ratelimit import client_ip
from trustmart.core.storage import file_response
from trustmart.payments.api import PaymentStartOut, payment_start_out
from trustmart.payments.providers import DEFAULT_PROVIDER
from trustmart.payments.services import payment_start

from . import selectors, services
from .models import Case, CaseEvent, CaseImage, CaseMessage, MerchantDebt

router = Router(tags=["aftersales"])
# Optional multipart images: ninja drops a file list annotated ``File[list[...]] | None``, so
# the runtime annotation has no ``None`` (and the default is None).
if TYPE_CHECKING:
    OptionalImages = list[UploadedFile] | None
else:
    OptionalImages = File[list[UploadedFile]]


def _me(request: HttpRequest) -> User | AnonymousUser:
    return request.auth  # type: ignore[attr-defined]


def image_url(image: CaseImage) -> str:
    return f"/api/aftersales/images/{image.pk}"


class CaseOut(Schema):
    case_no: str
    order_no: str
    line_id: int
    product_name: str
    kind: str
    reason: str
    text: str
    status: str
    status_label: str
    outcome: str
    requested_fen: int
    offered_fen: int | None
    agreed_fen: int | None
    refund_fen: int
    compensation_fen: int
    merchant_id: int
    merchant_reason: str
    decision_reason: str
    return_carrier: str
    return_tracking_no: str
    due_at: datetime | None
    created_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_order_no(obj: Case) -> str:
        return obj.order.order_no

    @staticmethod
    def resolve_product_name(obj: Case) -> str:
        return obj.line.product_name

    @staticmethod
    def resolve_status_label(obj: Case) -> str:
        return str(obj.get_status_display())


class EventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    role: str
    note: str
    amount_fen: int | None
    created_at: datetime

    @staticmethod
    def resolve_from_status(obj: CaseEvent) -> str:
        return obj.from_status


class ImageOut(Schema):
    id: int
    role: str
    url: str
    width: int
    height: int

    @staticmethod
    def resolve_url(obj: CaseImage) -> str:
        return image_url(obj)


class MessageOut(Schema):
    id: int
    role: str
    author_nickname: str
    text: str
    images: list[ImageOut]
    created_at: datetime

    @staticmethod
    def resolve_author_nickname(obj: CaseMessage) -> str:
        return obj.author.nickname

    @staticmethod
    def resolve_images(obj: CaseMessage) -> list[CaseImage]:
        return list(obj.images.all())


class OrderBriefOut(Schema):
    order_no: str
    status: str
    total_fen: int
    refunded_fen: int


class CaseDetailOut(Schema):
    case: CaseOut
    viewer: str
    order: OrderBriefOut
    evidence: list[ImageOut]
    events: list[EventOut]
    messages: list[MessageOut]


class DebtOut(Schema):
    case_no: str
    merchant_id: int
    amount_fen: int
    repaid_fen: int
    outstanding_fen: int
    created_at: datetime
    repaid_at: datetime | None

    @staticmethod
    def resolve_case_no(obj: MerchantDebt) -> str:
        return obj.case.case_no


class RepayIn(Schema):
    amount_fen: int | None = None  # None: everything owed, as far as the payable allows
    request_id: str | None = None  # the same id twice repays once


class RepayOut(Schema):
    repaid_fen: int
    outstanding_fen: int
    payable_available_fen: int


class OpenIn(Schema):
    order_no: str
    line_id: int
    kind: str
    reason: str
    text: str = ""
    requested_fen: int | None = None


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str


class OfferIn(Schema):
    amount_fen: int
    note: str = ""


class ReturnIn(Schema):
    carrier: str
    tracking_no: str


class DecisionIn(Schema):
    decision: str  # upheld | dismissed
    reason: str
    refund_fen: int | None = None


def _detail(request: HttpRequest, case_no: str) -> CaseDetailOut:
    d = selectors.case_detail(user=_me(request), case_no=case_no)
    return CaseDetailOut.from_orm(SimpleNamespace(
        case=d.case, viewer=d.role, order=d.order, evidence=d.evidence, events=d.events,
        messages=d.messages))


# --- the buyer --------------------------------------------------------------------------------
@router.post("/cases", response={201: CaseDetailOut}, auth=token_or_session,
             summary="Open a case on a line of my order (multipart; up to 9 evidence images)")
@decorate_view(idempotent)
def case_open(request: HttpRequest, payload: Form[OpenIn],
              images: OptionalImages = None) -> Status[CaseDetailOut]:
    case = services.case_open(buyer=_me(request), order_no=payload.order_no,
                              line_id=payload.line_id, kind=payload.kind, reason=payload.reason,
                              text=payload.text, requested_fen=payload.requested_fen,
                              images=images or [])
    return Status(201, _detail(request, case.case_no))


@router.get("/cases", response=list[CaseOut], auth=token_or_session, summary="My cases")
@paginate
def cases_mine(request: HttpRequest) -> QuerySet[Case]:
    return selectors.cases_of_buyer(user=_me(request))


@router.get("/cases/{case_no}", response=CaseDetailOut, auth=app_or_user("cases:read"),
            summary="A case with its timeline, messages and evidence (its parties and operators)")
def case_detail(request: HttpRequest, case_no: str) -> CaseDetailOut:
    return _detail(request, case_no)


@router.post("/cases/{case_no}/withdraw", response=CaseDetailOut, auth=token_or_session,
             summary="Withdraw my case")
def case_withdraw(request: HttpRequest, case_no: str) -> CaseDetailOut:
    services.case_withdraw(buyer=_me(request), case_no=case_no)
    return _detail(request, case_no)


@router.post("/cases/{case_no}/offer/accept", response=CaseDetailOut, auth=token_or_session,
             summary="Accept the merchant's partial refund offer")
def case_offer_accept(request: HttpRequest, case_no: str) -> CaseDetailOut:
    services.case_offer_accept(buyer=_me(request), case_no=case_no)
    return _detail(request, case_no)


@router.post("/cases/{case_no}/offer/decline", response=CaseDetailOut, auth=token_or_session,
             summary="Decline the offer (the case becomes a rejection I may escalate)")
def case_offer_decline(request: HttpRequest, case_no: str, payload: NoteIn) -> CaseDetailOut:
    services.case_offer_decline(buyer=_me(request), case_no=case_no, note=payload.note)
    return _detail(request, case_no)


@router.post("/cases/{case_no}/escalate", response=CaseDetailOut, auth=token_or_session,
             summary="平台介入: ask the platform to decide a rejected case")
def case_escalate(request: HttpRequest, case_no: str, payload: NoteIn) -> CaseDetailOut:
    services.case_escalate(buyer=_me(request), case_no=case_no, note=payload.note)
    return _detail(request, case_no)


@router.post("/cases/{case_no}/return", response=CaseDetailOut, auth=token_or_session,
             summary="I sent the goods back: carrier code and tracking number")
def case_return_ship(request: HttpRequest, case_no: str, payload: ReturnIn) -> CaseDetailOut:
    services.case_return_ship(buyer=_me(request), case_no=case_no, carrier=payload.carrier,
                              tracking_no=payload.tracking_no)
    return _detail(request, case_no)


@router.post("/cases/{case_no}/messages", response={201: MessageOut},
             auth=app_or_user("cases:reply"),
             summary="Write on the case (any party; multipart, up to 9 images)")
def case_message(request: HttpRequest, case_no: str, text: Form[str] = "",
                 images: OptionalImages = None) -> Status[CaseMessage]:
    message = services.case_message_post(user=_me(request), case_no=case_no, text=text,
                                         images=images or [])
    return Status(201, message)


@router.get("/images/{int:image_id}", auth=app_or_user("cases:read"),
            summary="An evidence image (only for the case's parties and operators)")
def case_image(request: HttpRequest, image_id: int) -> FileResponse:
    image = selectors.case_image_for_viewer(user=_me(request), image_id=image_id)
    return file_response(image.file, cache="private, max-age=3600")


# --- the merchant -----------------------------------------------------------------------------
@router.get("/merchant/{int:merchant_id}/cases", response=list[CaseOut],
            auth=app_or_user("cases:read"),
            summary="The merchant's cases by tab: todo, waiting, arbitration, closed")
@paginate
def merchant_cases(request: HttpRequest, merchant_id: int, tab: str = "todo"
                   ) -> QuerySet[Case]:
    return selectors.cases_of_merchant(user=_me(request), merchant_id=merchant_id, tab=tab)


@router.get("/merchant/{int:merchant_id}/debts", response=list[DebtOut], auth=token_or_session,
            summary="What the guarantee fund advanced for the merchant (假一赔十)")
def merchant_debts(request: HttpRequest, merchant_id: int, open_only: bool = False
                   ) -> list[MerchantDebt]:
    return list(selectors.debts_of_merchant(user=_me(request), merchant_id=merchant_id,
                                            open_only=open_only))


class DebtPayIn(Schema):
    provider: str = DEFAULT_PROVIDER
    return_url: str = ""


@router.post("/merchant/{int:merchant_id}/debts/pay", response={201: PaymentStartOut},
             auth=token_or_session,
             summary="Pay what is left of the debts with money from outside; open pay_url")
def merchant_debts_pay(request: HttpRequest, merchant_id: int,
                       payload: DebtPayIn) -> Status[PaymentStartOut]:
    user = _me(request)
    payment = services.debt_payment_create(user=user, merchant_id=merchant_id,
                                           provider=payload.provider,
                                           return_url=payload.return_url)
    assert isinstance(user, User)
    start = payment_start(user=user, payment_no=payment.payment_no, payment=payment,
                          client_ip=client_ip(request))
    return Status(201, payment_start_out(request, payment, start))


@router.post("/merchant/{int:merchant_id}/debts/repay", response=RepayOut,
             auth=token_or_session,
             summary="Repay the guarantee fund now from the payable, oldest debt first")
def merchant_debts_repay(request: HttpRequest, merchant_id: int, payload: RepayIn) -> RepayOut:
    repaid = services.debt_repay(user=_me(request), merchant_id=merchant_id,
                                 amount_fen=payload.amount_fen, request_id=payload.request_id)
    debts = selectors.debts_of_merchant(user=_me(request), merchant_id=merchant_id,
                                        open_only=True)
    return RepayOut(repaid_fen=repaid,
                    outstanding_fen=sum(d.outstanding_fen for d in debts),
                    payable_available_fen=selectors.merchant_payable_available_fen(
                        merchant_id=merchant_id))


@router.post("/cases/{case_no}/accept", response=CaseDetailOut, auth=token_or_session,
             summary="The merchant agrees in full")
def case_accept(request: HttpRequest, case_no: str) -> CaseDetailOut:
    services.case_merchant_accept(user=_me(request), case_no=case_no)
    return _detail(request, case_no)


@router.post("/cases/{case_no}/reject", response=CaseDetailOut, auth=token_or_session,
             summary="The merchant refuses, with a reason")
def case_reject(request: HttpRequest, case_no: str, payload: ReasonIn) -> CaseDetailOut:
    services.case_merchant_reject(user=_me(request), case_no=case_no, reason=payload.reason)
    return _detail(request, case_no)


@router.post("/cases/{case_no}/offer", response=CaseDetailOut, auth=token_or_session,
             summary="The merchant offers a partial refund")
def case_offer(request: HttpRequest, case_no: str, payload: OfferIn) -> CaseDetailOut:
    services.case_merchant_offer(user=_me(request), case_no=case_no,
                                 amount_fen=payload.amount_fen, note=payload.note)
    return _detail(request, case_no)


@router.post("/cases/{case_no}/return/received", response=CaseDetailOut,
             auth=token_or_session, summary="The merchant received the return: refund now")
def case_return_received(request: HttpRequest, case_no: str) -> CaseDetailOut:
    services.case_return_confirm(user=_me(request), case_no=case_no)
    return _detail(request, case_no)


# --- operators --------------------------------------------------------------------------------
@router.get("/ops/cases", response=list[CaseOut], auth=token_or_session,
            summary="Operators: cases by tab (queue = waiting for arbitration)")
@paginate
def ops_cases(request: HttpRequest, tab: str = "queue") -> QuerySet[Case]:
    return selectors.cases_for_operator(user=_me(request), tab=tab)


@router.post("/cases/{case_no}/decision", response=CaseDetailOut, auth=token_or_session,
             summary="Operators: decide an escalated case (upheld or dismissed, with a reason)")
def case_decision(request: HttpRequest, case_no: str, payload: DecisionIn) -> CaseDetailOut:
    services.case_arbitrate(operator=_me(request), case_no=case_no, decision=payload.decision,
                            reason=payload.reason, refund_fen=payload.refund_fen)
    return _detail(request, case_no)


@router.get("/ops/debts", response=list[DebtOut], auth=token_or_session,
            summary="Operators: every merchant debt to the guarantee fund")
def ops_debts(request: HttpRequest, open_only: bool = False) -> list[MerchantDebt]:
    return list(selectors.debts_for_operator(user=_me(request), open_only=open_only))
