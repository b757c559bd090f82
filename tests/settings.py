"""Test settings: the real settings, plus what makes tests fast and self-contained."""

import os
import tempfile

os.environ.setdefault("TRUSTMART_TESTING", "1")
os.environ.setdefault("TRUSTMART_DATA_DIR", tempfile.mkdtemp(prefix="trustmart-test-"))

from trustmart.settings import *  # noqa: F403
from trustmart.settings import DATA_DIR

# Hashing passwords slowly is the point in production and a waste in tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
VERIFICATION_CODE_SENDER = "trustmart.accounts.sms.MemorySender"
MEDIA_ROOT = DATA_DIR / "media"
CACHES = {
    "default": {
        **CACHES["default"],  # noqa: F405
        "KEY_PREFIX": f"test-{os.getpid()}",
    }
}

# Tests (and the browser tests' live server) speak plain HTTP on localhost.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
