"""Serving an applicant's documents: only through an authorised view, never a public URL.

The files are in the private storage (no URL); a PDF downloads as an attachment, a picture opens
inline, neither is ever sniffed, cached by shared caches or able to run script.
"""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse

from trustmart.core.storage import file_response


def document_response(stored: FieldFile) -> FileResponse:
    return file_response(stored)
