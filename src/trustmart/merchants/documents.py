"""Serving an applicant's documents: only through an authorised view, never cached publicly."""

from __future__ import annotations

import mimetypes

from django.db.models.fields.files import FieldFile
from django.http import FileResponse


def document_response(stored: FieldFile) -> FileResponse:
    """The stored file, inline, never cached by shared caches nor content-sniffed."""
    content_type = mimetypes.guess_type(stored.name or "")[0] or "application/octet-stream"
    response = FileResponse(stored.open("rb"), content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
