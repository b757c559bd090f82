"""Is an upload a real PDF, and only a PDF?

A file that merely starts with ``%PDF-`` may also be an HTML page, an SVG or a ZIP archive
(a polyglot): a browser that sniffs it, or a tool that opens it by another name, runs what it
hides. So a PDF is accepted only when every one of these holds:

* the header ``%PDF-1.x`` or ``%PDF-2.0`` is at the very first byte (readers tolerate junk
  before it; we do not, because that is where a polyglot puts its other format);
* the file ends with ``%%EOF`` (whitespace after it only) and has a ``startxref``;
* its head holds no markup a browser would sniff as HTML, SVG or XML, and no other format's
  signature (ZIP's end record, an image Pillow can open);
* pypdf parses it (cross-reference table, trailer, at least one page), it is not
  password-protected, and its catalog starts no action by itself (``/OpenAction``, ``/AA``),
  carries no JavaScript and no embedded files.

Served files get ``Content-Disposition: attachment`` and ``nosniff`` as well
(``core.storage.file_response``); the checks here decide what is stored at all.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from typing import Any

from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from .errors import invalid

HEADER = re.compile(rb"\A%PDF-(1\.[0-7]|2\.0)[\r\n \t%]")
HEAD_BYTES = 1024
TAIL_BYTES = 1024
# What browsers sniff as HTML (WHATWG MIME Sniffing, "identifying a resource with an unknown
# MIME type") plus SVG and XML, and script URLs. Matched case-insensitively in the head.
MARKUP = re.compile(
    rb"<(!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p"
    rb"|svg|\?xml|!--|object|embed|meta|img|form|link)[\s>/]"
    rb"|javascript:", re.IGNORECASE)
# Long enough not to occur by chance inside compressed binary streams.
ACTIVE_NAMES = (b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia")
ACTIVE_CATALOG_KEYS = ("/OpenAction", "/AA")

# Why a PDF was refused, for callers to word for people.
NOT_PDF = "not_pdf"
POLYGLOT = "polyglot"
BROKEN = "broken"
ENCRYPTED = "encrypted"
ACTIVE = "active_content"


def _is_image(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError):
        return False
    return True


def _parse_problem(data: bytes) -> str | None:
    from pypdf import PdfReader

    # pypdf reports what it repairs on its logger; a refused upload is not an operator's concern.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return ENCRYPTED
        if len(reader.pages) < 1:
            return BROKEN
        catalog: Any = reader.trailer["/Root"].get_object()
        if any(key in catalog for key in ACTIVE_CATALOG_KEYS):
            return ACTIVE
        names = catalog.get("/Names")
        names = names.get_object() if names is not None else {}
        if "/JavaScript" in names or "/EmbeddedFiles" in names:
            return ACTIVE
        for page in reader.pages:
            if "/AA" in page:
                return ACTIVE
    except Exception:  # any failure to parse untrusted bytes is a broken file
        return BROKEN
    return None


def pdf_problem(data: bytes) -> str | None:
    """``None`` for a real PDF and nothing else; otherwise why not (the constants above)."""
    if not HEADER.match(data):
        return NOT_PDF
    tail = data[-TAIL_BYTES:]
    eof = tail.rfind(b"%%EOF")
    if eof < 0 or tail[eof + 5:].strip() or b"startxref" not in data[-TAIL_BYTES * 4:]:
        return BROKEN
    if MARKUP.search(data[:HEAD_BYTES]) or MARKUP.search(tail):
        return POLYGLOT
    if zipfile.is_zipfile(io.BytesIO(data)) or _is_image(data):
        return POLYGLOT
    if any(name in data for name in ACTIVE_NAMES):
        return ACTIVE
    return _parse_problem(data)


def looks_like_pdf(data: bytes) -> bool:
    """The upload claims to be a PDF (so it must pass ``require_pdf``, not an image check)."""
    return data.lstrip()[:5] == b"%PDF-" or data[:1024].find(b"%PDF-") >= 0


def require_pdf(data: bytes, *, field: str) -> None:
    """``InvalidInput`` on ``field`` unless ``data`` is a real PDF and nothing else."""
    problem = pdf_problem(data)
    if problem is None:
        return
    messages = {
        NOT_PDF: _("This file is not a PDF."),
        POLYGLOT: _("This PDF also contains another kind of file (a web page, an archive or "
                    "an image). Save it again as a plain PDF."),
        BROKEN: _("This PDF is damaged or incomplete. Save or scan it again."),
        ENCRYPTED: _("This PDF is password-protected. Upload it without a password."),
        ACTIVE: _("This PDF contains scripts, automatic actions or attached files. Upload a "
                  "plain PDF."),
    }
    raise invalid(field, messages[problem], code=f"pdf_{problem}")
