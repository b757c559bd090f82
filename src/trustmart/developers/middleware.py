"""The audit trail of apps' API calls: app, scope, endpoint, status, latency, time."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)


class ApiCallAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        mark = getattr(request, "developer_call", None)
        if mark is not None:
            from .services import api_call_record

            try:
                api_call_record(app_id=mark.app_id, merchant_id=mark.merchant_id,
                                method=request.method or "", path=request.path,
                                scope=mark.scope, status_code=response.status_code,
                                latency_ms=int((time.monotonic() - started) * 1000))
            except Exception:  # the answer goes out even if its record cannot be written
                logger.exception("could not record an app's API call")
        return response
