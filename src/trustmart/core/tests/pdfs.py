"""Real and fake PDFs for tests: a real one-page PDF (pypdf writes it), polyglots that also
are HTML, a ZIP or an image, and an HTML page that was only renamed ``.pdf``."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject


def real_pdf(size: int | None = None) -> bytes:
    """A one-page PDF; with ``size``, padded (in its metadata) to exactly that many bytes."""

    def write(padding: int) -> bytes:
        writer = PdfWriter()
        writer.add_blank_page(width=420, height=594)
        if padding:
            writer.add_metadata({"/Subject": "x" * padding})
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()

    data = write(0)
    if size is not None:
        padding = size - len(write(1)) + 1
        data = write(padding)
        data = write(padding + size - len(data))
        assert len(data) == size, (len(data), size)
    return data


def pillow_pdf() -> bytes:
    """A scanned page as Pillow writes it (what the demo's certificates are)."""
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (250, 250, 240)).save(buffer, format="PDF")
    return buffer.getvalue()


def html_polyglot() -> bytes:
    """Starts like a PDF and parses as one, but a browser sniffing it finds a page and a
    script in its head."""
    pdf = real_pdf()
    header_end = pdf.index(b"\n") + 1
    return pdf[:header_end] + b"%<html><body><script>alert(document.cookie)</script>\n" \
        + pdf[header_end:]


def zip_polyglot() -> bytes:
    """A real PDF with a ZIP archive (an office document, a jar) hidden before its end."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.html", "<script>alert(1)</script>")
    pdf = real_pdf()
    eof = pdf.rindex(b"%%EOF")
    return pdf[:eof] + archive.getvalue() + b"\n" + pdf[eof:]


def javascript_pdf() -> bytes:
    """A PDF that runs JavaScript when it is opened (the action written by hand, compressed
    nowhere, so also the raw name check would see it; the catalog check does not need that)."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('hi');")})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def renamed_html() -> bytes:
    return b"<!doctype html><html><body><script>alert(1)</script></body></html>\n"


def upload(data: bytes, name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 80, 60)).save(buffer, format="PNG")
    return buffer.getvalue()
