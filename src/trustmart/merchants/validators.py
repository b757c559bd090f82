"""Pure checks of what an applicant submits: the credit code and the uploaded documents.

Nothing here touches the database, so the rules are tested without one and the services can
run every check before writing anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import InvalidInput, invalid
from trustmart.core.images import image_check
from trustmart.core.pdf import looks_like_pdf, require_pdf

# GB 32100-2015 统一社会信用代码: 17 characters and a check character, all from this alphabet
# (the Latin letters without I, O, S, V and Z, which read like digits or each other).
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_LENGTH = 18

DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
DOCUMENT_IMAGE_FORMATS = frozenset({"JPEG", "PNG"})


def credit_code_check_char(first17: str) -> str:
    """The check character of the first 17 characters of a credit code (GB 32100-2015 §5)."""
    total = sum(CREDIT_CODE_CHARSET.index(ch) * w
                for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def normalize_credit_code(raw: str) -> str:
    """The upper-case 18-character code, or ``InvalidInput`` on the ``credit_code`` field."""
    code = "".join((raw or "").split()).upper()
    if len(code) != CREDIT_CODE_LENGTH:
        raise invalid("credit_code", _("A unified social credit code has 18 characters."),
                      code="invalid_credit_code")
    if any(ch not in CREDIT_CODE_CHARSET for ch in code):
        raise invalid("credit_code",
                      _("A unified social credit code uses only digits and the letters "
                        "A-Y without I, O, S, V and Z."),
                      code="invalid_credit_code")
    if credit_code_check_char(code[:17]) != code[17]:
        raise invalid("credit_code",
                      _("This unified social credit code is not valid: its check character "
                        "does not match. Please check it against the business licence."),
                      code="invalid_credit_code")
    return code


@dataclass(frozen=True)
class CheckedDocument:
    """An upload that proved to be a JPEG, PNG or PDF: its bytes and the extension to store."""

    content: bytes
    extension: str


def check_document(upload: UploadedFile | None, *, field: str) -> CheckedDocument:
    """Accept a JPEG or PNG (decoded with Pillow) or a real PDF (``core.pdf.require_pdf``:
    parseable, and nothing but a PDF), at most 5 MB.

    The declared name and content type are ignored: only the bytes decide.
    """
    if upload is None:
        raise invalid(field, _("Please upload this document."), code="document_required")
    if upload.size is None or upload.size > DOCUMENT_MAX_BYTES:
        raise invalid(field, _("The file is too large (at most 5 MB)."), code="file_too_large")
    upload.seek(0)
    content = upload.read(DOCUMENT_MAX_BYTES + 1)
    if len(content) > DOCUMENT_MAX_BYTES:
        raise invalid(field, _("The file is too large (at most 5 MB)."), code="file_too_large")
    if not content:
        raise invalid(field, _("The file is empty."), code="invalid_document")
    if looks_like_pdf(content):
        require_pdf(content, field=field)
        return CheckedDocument(content, "pdf")
    try:
        fmt = image_check(content, field=field, formats=DOCUMENT_IMAGE_FORMATS)
    except InvalidInput as exc:
        raise invalid(field, _("Upload a JPEG or PNG image or a PDF file."),
                      code="invalid_document") from exc
    return CheckedDocument(content, "jpg" if fmt == "JPEG" else "png")
