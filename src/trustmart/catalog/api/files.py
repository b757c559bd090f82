"""A certificate's file: for anyone when the product is visible and the certificate approved,
otherwise only for the merchant's staff and operators (404 for everyone else)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from ninja import Router

from trustmart.accounts.auth import token_session_or_anonymous
from trustmart.core.storage import file_response

from .. import selectors

router = Router(tags=["catalog"])


@router.get("/certificates/{int:certificate_id}/file", auth=token_session_or_anonymous,
            url_name="catalog_certificate_file",
            summary="A certificate's file (a PDF downloads as an attachment)")
def certificate_file(request: HttpRequest, certificate_id: int) -> FileResponse:
    certificate = selectors.certificate_for_viewer(
        user=request.auth, certificate_id=certificate_id)  # type: ignore[attr-defined]
    return file_response(certificate.file, cache="private, max-age=3600")
