"""A certificate's file on the H5 site (the same rule as the API: ``certificate_for_viewer``)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse

from trustmart.core.http import domain_errors
from trustmart.core.storage import file_response

from .. import selectors


@domain_errors
def certificate_file(request: HttpRequest, certificate_id: int) -> HttpResponse | FileResponse:
    certificate = selectors.certificate_for_viewer(user=request.user,
                                                   certificate_id=certificate_id)
    return file_response(certificate.file, cache="private, max-age=3600")
