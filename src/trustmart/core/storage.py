"""Where uploads live, and how a stored file is handed to a browser.

Public uploads (avatars, logos, product images, review pictures, posters) are in the default
storage under ``MEDIA_ROOT`` and may be served from ``MEDIA_URL`` by anyone, a front server
included. Private uploads (merchant application documents, after-sales evidence, product
certificates) are in the ``private`` storage (``PRIVATE_MEDIA_ROOT``, outside ``MEDIA_ROOT``):
it has no URL, so the only way to a private file is a view that checks who asks.
``media_serve`` (the embedded server's ``/media/``) refuses the private folders too, so a copy
left in ``MEDIA_ROOT`` from before the move is not reachable either.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from typing import Any

from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.encoding import iri_to_uri
from django.views.static import serve

# The top folders of private uploads (their upload_to functions put them there).
PRIVATE_FOLDERS = frozenset({"merchant-papers", "aftersales", "certificates"})
# Nothing a stored file says can run in the page that opens it.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


class PrivateFileSystemStorage(FileSystemStorage):
    """A file system storage without URLs: a template cannot link a private file by mistake."""

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no public URL; serve them through a view")


def private_storage() -> Storage:
    """The storage of private uploads (``STORAGES["private"]``), for ``FileField(storage=...)``."""
    return storages["private"]


def file_headers(response: HttpResponseBase, *, content_type: str, filename: str,
                 cache: str | None = "private, no-store") -> None:
    """Headers that keep a served file a file: pictures inline, everything else (PDF)
    downloaded as an attachment; never sniffed, never able to run script."""
    disposition = "inline" if content_type in INLINE_TYPES else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{iri_to_uri(filename)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    if cache:
        response["Cache-Control"] = cache


def file_response(stored: FieldFile, *, filename: str | None = None,
                  cache: str = "private, no-store") -> FileResponse:
    """Stream a stored file with ``file_headers``; its type comes from the stored name, which
    the upload checks chose (``.pdf`` only for a checked PDF, ``.jpg`` for re-encoded images)."""
    name = PurePosixPath(stored.name or "file").name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(stored.open("rb"), content_type=content_type)
    file_headers(response, content_type=content_type, filename=filename or name, cache=cache)
    return response


def is_private_path(path: str) -> bool:
    parts = PurePosixPath(path.lstrip("/")).parts
    return bool(parts) and parts[0] in PRIVATE_FOLDERS


def media_serve(request: HttpRequest, path: str,
                document_root: Any = None) -> HttpResponse | FileResponse:
    """``/media/`` for the embedded server: public uploads only, with the file headers."""
    if is_private_path(path) or ".." in PurePosixPath(path).parts:
        raise Http404
    response = serve(request, path, document_root=document_root)
    content_type = response.get("Content-Type", "application/octet-stream").split(";")[0]
    file_headers(response, content_type=content_type, filename=PurePosixPath(path).name,
                 cache=None)
    return response


def move_to_private(apps: Any, schema_editor: Any, *, model: str, field: str) -> None:
    """Migration step: move a model's files from the default storage to the private one.
    Safe to run again: a file already moved is skipped."""
    default, private = storages["default"], storages["private"]
    for name in apps.get_model(model).objects.exclude(**{field: ""}).values_list(
            field, flat=True).iterator():
        if not name or private.exists(name) or not default.exists(name):
            continue
        with default.open(name, "rb") as source:
            private.save(name, source)
        default.delete(name)
