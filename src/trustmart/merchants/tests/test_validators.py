"""The pure checks: credit code checksum and document sniffing (no database)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from trustmart.core.errors import InvalidInput
from trustmart.core.tests import pdfs
from trustmart.merchants.validators import (
    DOCUMENT_MAX_BYTES,
    check_document,
    credit_code_check_char,
    normalize_credit_code,
)

from .factories import jpeg, pdf, png, valid_code

# Published codes of well-known companies, and codes built here by computing the check char.
KNOWN_VALID = ["914403001922038216", "9144030071526726XG", "91110000802100433B",
               "91330000MA27U0BG1Q"]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_are_valid(code: str) -> None:
    assert normalize_credit_code(code) == code


def test_check_character_wraps_31_to_zero() -> None:
    # Find a body whose weighted sum is a multiple of 31: its check character must be "0".
    for n in range(10_000):
        body = f"9133010600000{n:04d}"
        if credit_code_check_char(body) == "0":
            assert normalize_credit_code(body + "0") == body + "0"
            break
    else:
        pytest.fail("no body with check character 0 found")


def test_computed_code_is_valid_and_normalised() -> None:
    code = valid_code("91350782MA2Y4K3L0")
    assert normalize_credit_code(f" {code.lower()[:9]} {code.lower()[9:]} ") == code


@pytest.mark.parametrize("code, why", [
    ("914403001922038217", "wrong check character"),
    ("9144030071526726X6", "wrong check character"),
    ("91440300192203821", "17 characters"),
    ("9144030019220382166", "19 characters"),
    ("91440300192203821I", "I is not in the alphabet"),
    ("9144030019220382O6", "O is not in the alphabet"),
    ("91440300192203821Z", "Z is not in the alphabet"),
    ("", "empty"),
])
def test_invalid_codes_are_refused(code: str, why: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_credit_code(code)
    assert caught.value.code == "invalid_credit_code", why
    assert "credit_code" in caught.value.fields


def test_swapping_two_characters_breaks_the_checksum() -> None:
    code = KNOWN_VALID[0]
    swapped = code[:8] + code[9] + code[8] + code[10:]
    assert swapped != code
    with pytest.raises(InvalidInput):
        normalize_credit_code(swapped)


@pytest.mark.parametrize("upload, extension", [(png(), "png"), (jpeg(), "jpg"), (pdf(), "pdf")])
def test_documents_accepted_by_content(upload: SimpleUploadedFile, extension: str) -> None:
    assert check_document(upload, field="business_licence").extension == extension


def test_document_type_comes_from_bytes_not_name() -> None:
    disguised = SimpleUploadedFile("licence.pdf", png().read(), content_type="application/pdf")
    assert check_document(disguised, field="f").extension == "png"
    fake = SimpleUploadedFile("licence.png", b"<html>not an image</html>", "image/png")
    with pytest.raises(InvalidInput) as caught:
        check_document(fake, field="business_licence")
    assert caught.value.code == "invalid_document"
    assert "business_licence" in caught.value.fields


def test_gif_and_truncated_png_are_refused() -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    with pytest.raises(InvalidInput):
        check_document(SimpleUploadedFile("a.gif", buffer.getvalue()), field="f")
    truncated = png().read()[:40]
    with pytest.raises(InvalidInput):
        check_document(SimpleUploadedFile("a.png", truncated), field="f")


def test_document_size_limit() -> None:
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * DOCUMENT_MAX_BYTES)
    with pytest.raises(InvalidInput) as caught:
        check_document(big, field="f")
    assert caught.value.code == "file_too_large"
    at_limit = SimpleUploadedFile("ok.pdf", pdfs.real_pdf(size=DOCUMENT_MAX_BYTES))
    assert check_document(at_limit, field="f").extension == "pdf"


def test_missing_document() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_document(None, field="brand_authorisation")
    assert caught.value.code == "document_required"


@pytest.mark.parametrize("data, code", [
    (pdfs.html_polyglot(), "pdf_polyglot"),
    (pdfs.zip_polyglot(), "pdf_polyglot"),
    (pdfs.javascript_pdf(), "pdf_active_content"),
    (pdfs.real_pdf()[:-40], "pdf_broken"),
    (b"junk before the header %PDF-1.4\n" + pdfs.real_pdf(), "pdf_not_pdf"),
])
def test_pdfs_that_are_not_only_pdfs_are_refused(data: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_document(pdfs.upload(data), field="brand_authorisation")
    assert caught.value.code == code
    assert "brand_authorisation" in caught.value.fields


def test_html_renamed_pdf_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_document(pdfs.upload(pdfs.renamed_html(), "licence.pdf"), field="f")
    assert caught.value.code == "invalid_document"


def test_a_scanned_pdf_as_pillow_writes_it_is_accepted() -> None:
    assert check_document(pdfs.upload(pdfs.pillow_pdf()), field="f").extension == "pdf"
