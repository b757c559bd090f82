import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from trustmart.accounts.sms import MemorySender


def image_upload(fmt: str = "PNG", size: tuple[int, int] = (400, 300),
                 name: str = "me.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 60)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def last_code(mobile: str) -> str:
    return [sent for sent in MemorySender.outbox if sent.mobile == mobile][-1].code
