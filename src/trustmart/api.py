"""The REST API root: mounts each app's router and routes every error through one shape."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from trustmart.accounts.api import router as accounts_router
from trustmart.aftersales.api import router as aftersales_router
from trustmart.catalog.api import router as catalog_router
from trustmart.catalog.api.search import router as search_router
from trustmart.commissions.api import router as commissions_router
from trustmart.core.errors import DomainError, InvalidInput, NotAuthenticated, NotFound
from trustmart.developers.api import oauth_router
from trustmart.developers.api import router as developers_router
from trustmart.ledger.api import router as ledger_router
from trustmart.logistics.api import router as logistics_router
from trustmart.merchants.api import router as merchants_router
from trustmart.orders.api import routers as orders_routers
from trustmart.payments.api import router as payments_router
from trustmart.payments.api_payable import router as payable_router
from trustmart.reviews.api import router as reviews_router
from trustmart.sharing.api import router as sharing_router
from trustmart.stores.api import router as stores_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="TrustMart API",
    version="1",
    description=(
        "REST API of TrustMart (信享). Errors always have the shape "
        '`{"code": "...", "message": "..."}` (plus `fields` for invalid input); messages follow '
        "`Accept-Language` (zh-hans by default, en). Writes that clients may retry accept an "
        "`Idempotency-Key` header."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", accounts_router)
api.add_router("/ledger", ledger_router)
api.add_router("/merchants", merchants_router)
api.add_router("/catalog", catalog_router)
api.add_router("/search", search_router)
api.add_router("/stores", stores_router)
api.add_router("/sharing", sharing_router)
for orders_router in orders_routers:  # cart and addresses before "/{order_no}"
    api.add_router("/orders", orders_router)
api.add_router("/payments", payable_router)  # before "/{payment_no}"
api.add_router("/payments", payments_router)
api.add_router("/logistics", logistics_router)
api.add_router("/aftersales", aftersales_router)
api.add_router("/commissions", commissions_router)
api.add_router("/reviews", reviews_router)
api.add_router("/oauth", oauth_router)
api.add_router("/developers", developers_router)


def _respond(request: HttpRequest, error: DomainError) -> HttpResponse:
    response = api.create_response(request, error.as_dict(), status=error.status)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    www_authenticate = getattr(error, "www_authenticate", None)  # RFC 6750 bearer errors
    if www_authenticate:
        response["WWW-Authenticate"] = www_authenticate
    return response


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _respond(request, exc)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", []) if p not in ("body", "payload", "query",
                                                                  "path", "form", "file")]
        fields.setdefault(".".join(loc) or "request", []).append(str(error.get("msg", "")))
    return _respond(request, InvalidInput(fields=fields))


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _respond(request, NotAuthenticated())


@api.exception_handler(AuthorizationError)
def on_authz_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return _respond(request, NotFound())


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _respond(request, NotFound())


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied",
             404: "not_found", 405: "method_not_allowed", 409: "conflict", 429: "rate_limited"}
    return _respond(request, DomainError(str(exc.message) or _("The request could not be "
                                                               "processed."),
                                         code=codes.get(exc.status_code, "error"),
                                         status=exc.status_code))


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled API error on %s %s", request.method, request.path)
    return _respond(request, DomainError(_("Something went wrong on our side. Please try again."),
                                         code="server_error", status=500))
