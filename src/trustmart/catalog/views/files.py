"""A certificate's file on the H5 site (the same rule as the API: ``certificate_for_viewer``)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse

from trustmart.core.errors import NotFound
from trustmart.core.storage import file_response

from .. import selectors
from ._common import not_found


def certificate_file(request: HttpRequest, certificate_id: int) -> HttpResponse | FileResponse:
    try:
        certificate = selectors.certificate_for_viewer(user=request.user,
                                                       certificate_id=certificate_id)
    except NotFound:
        return not_found(request)
    return file_response(certificate.file, cache="private, max-age=3600")
