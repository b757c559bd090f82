"""All configuration, read from the environment in one place.

Every setting has an embedded default that needs no server: a SQLite file in the data folder,
a local-memory cache, domain events delivered in the web process, and timed jobs run by
``trustmart demo``'s own worker thread. Production points ``DATABASE_URL`` and ``REDIS_URL`` at
real services and runs ``trustmart worker`` (``TRUSTMART_WORKER=1``) or Celery
(``CELERY_BROKER_URL``).
"""

from __future__ import annotations

import hmac
import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("TRUSTMART_DATA_DIR", BASE_DIR / "data"))

DEBUG = env_bool("DEBUG", False)
# Demo mode shows the demo log-ins on the home page and verification codes on screen.
DEMO_MODE = env_bool("TRUSTMART_DEMO", False)

_DEV_SECRET = "trustmart-insecure-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or DEMO_MODE or env_bool("TRUSTMART_TESTING", False)):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET

# The sandbox payment provider signs its callbacks with this key (HMAC-SHA256). By default it
# is derived from SECRET_KEY, so every installation has its own without configuring anything.
# The sandbox cashier lets anyone "pay" without money: on for development and the demo; a
# deployment that takes real money turns it off (`check --deploy` warns while it is on).
PAYMENT_SANDBOX_ENABLED = env_bool("PAYMENT_SANDBOX_ENABLED", True)
SANDBOX_PAYMENT_SECRET = os.environ.get("SANDBOX_PAYMENT_SECRET") or hmac.new(
    SECRET_KEY.encode(), b"trustmart.payments.sandbox", "sha256").hexdigest()
# Carrier aggregators sign tracking webhooks with this (see docs/logistics.md).
LOGISTICS_WEBHOOK_SECRET = os.environ.get("LOGISTICS_WEBHOOK_SECRET") or hmac.new(
    SECRET_KEY.encode(), b"trustmart.logistics.webhook", "sha256").hexdigest()

# WeChat Pay APIv3 and Alipay (RSA2): each is off until all its credentials are set. Keys are
# PEM text or a path to a PEM file; the forms are written up in docs/payments.md.
WECHATPAY_MCHID = os.environ.get("WECHATPAY_MCHID", "")
WECHATPAY_APPID = os.environ.get("WECHATPAY_APPID", "")
WECHATPAY_MERCHANT_SERIAL = os.environ.get("WECHATPAY_MERCHANT_SERIAL", "")
WECHATPAY_PRIVATE_KEY = os.environ.get("WECHATPAY_PRIVATE_KEY", "")
WECHATPAY_APIV3_KEY = os.environ.get("WECHATPAY_APIV3_KEY", "")
WECHATPAY_PLATFORM_CERTS = os.environ.get("WECHATPAY_PLATFORM_CERTS", "")
WECHATPAY_NOTIFY_URL = os.environ.get("WECHATPAY_NOTIFY_URL", "")
# Optional: where WeChat posts refund results; empty sends no notify_url (the poll job asks).
WECHATPAY_REFUND_NOTIFY_URL = os.environ.get("WECHATPAY_REFUND_NOTIFY_URL", "")
WECHATPAY_API_BASE = os.environ.get("WECHATPAY_API_BASE", "https://api.mch.weixin.qq.com")
ALIPAY_APP_ID = os.environ.get("ALIPAY_APP_ID", "")
ALIPAY_PRIVATE_KEY = os.environ.get("ALIPAY_PRIVATE_KEY", "")
ALIPAY_PUBLIC_KEY = os.environ.get("ALIPAY_PUBLIC_KEY", "")
ALIPAY_GATEWAY = os.environ.get("ALIPAY_GATEWAY", "")
ALIPAY_NOTIFY_URL = os.environ.get("ALIPAY_NOTIFY_URL", "")
ALIPAY_RETURN_URL = os.environ.get("ALIPAY_RETURN_URL", "")
# Public-key mode: WeChat Pay's public key and its id (PUB_KEY_ID_…) instead of certificates.
WECHATPAY_PUBLIC_KEY_ID = os.environ.get("WECHATPAY_PUBLIC_KEY_ID", "")
WECHATPAY_PUBLIC_KEY = os.environ.get("WECHATPAY_PUBLIC_KEY", "")
# 商家转账 (transfers to 零钱): the scene id and its report infos (JSON list) agreed with WeChat.
WECHATPAY_TRANSFER_SCENE_ID = os.environ.get("WECHATPAY_TRANSFER_SCENE_ID", "1005")
WECHATPAY_TRANSFER_REPORT_INFOS = json.loads(
    os.environ.get("WECHATPAY_TRANSFER_REPORT_INFOS") or "null")
WECHATPAY_TRANSFER_NOTIFY_URL = os.environ.get("WECHATPAY_TRANSFER_NOTIFY_URL", "")
# Alipay certificate mode (Alipay requires it for transfers): the two serial numbers.
ALIPAY_APP_CERT_SN = os.environ.get("ALIPAY_APP_CERT_SN", "")
ALIPAY_ROOT_CERT_SN = os.environ.get("ALIPAY_ROOT_CERT_SN", "")
# The WeChat official account (公众号): web authorisation for the payer's openid (JSAPI) and
# the JS-SDK for shares; the mini-program's app id and secret for jscode2session.
WECHAT_OA_APPID = os.environ.get("WECHAT_OA_APPID", "")
WECHAT_OA_SECRET = os.environ.get("WECHAT_OA_SECRET", "")
WECHAT_MINIPROGRAM_APPID = os.environ.get("WECHAT_MINIPROGRAM_APPID", "")
WECHAT_MINIPROGRAM_SECRET = os.environ.get("WECHAT_MINIPROGRAM_SECRET", "")
WECHAT_API_BASE = os.environ.get("WECHAT_API_BASE", "https://api.weixin.qq.com")
WECHAT_OPEN_BASE = os.environ.get("WECHAT_OPEN_BASE", "https://open.weixin.qq.com")
# A CA bundle (PEM path) the providers' HTTPS clients trust instead of the system's (a test's
# local provider, a corporate proxy); empty: the system's trust store.
PAYMENT_CA_BUNDLE = os.environ.get("PAYMENT_CA_BUNDLE", "")
# A payment that is not a checkout's expires this long after it was created.
PAYMENT_EXPIRY_MINUTES = env_int("PAYMENT_EXPIRY_MINUTES", 120)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "js_lib_htmx",
    "ninja",
    "trustmart.core",
    "trustmart.accounts",
    "trustmart.ledger",
    "trustmart.merchants",
    "trustmart.catalog",
    "trustmart.stores",
    "trustmart.orders",
    "trustmart.payments",
    "trustmart.logistics",
    "trustmart.sharing",
    "trustmart.commissions",
    "trustmart.aftersales",
    "trustmart.reviews",
    "trustmart.developers",
    "trustmart.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # CSP, Permissions-Policy, no-store for logged-in pages (needs request.user).
    "trustmart.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "trustmart.developers.middleware.ApiCallAuditMiddleware",
]

ROOT_URLCONF = "trustmart.urls"
WSGI_APPLICATION = "trustmart.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:me"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "trustmart.web.context_processors.site",
            ],
            # Filters every template has without {% load %}: {{ amount_fen|fen }} → ¥12.34.
            "builtins": ["trustmart.core.templatetags.money"],
        },
    },
]

# --- database ---------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "trustmart.sqlite3"),
            # Keep each thread's connection open between requests, as on PostgreSQL: opening
            # one (and running the PRAGMAs below) costs more than a product page's queries.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            # WAL lets readers proceed while a writer commits; IMMEDIATE avoids
            # lock-upgrade deadlocks between concurrent writers.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache (and so rate limits) -----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# How many web processes serve the site (None: unknown). A local-memory cache is per process,
# so `check --deploy` warns about it unless this says 1.
WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 0) or None
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "tm"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- tasks and domain events --------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# A deployment that runs `trustmart worker` (events and timed jobs) says so here.
TRUSTMART_WORKER = env_bool("TRUSTMART_WORKER", False)
# Who delivers domain events: "inline" (the web process, right after commit: the embedded
# default), "worker" (`trustmart worker`; the web process only records them) or "celery".
TRUSTMART_EVENT_DELIVERY = os.environ.get("TRUSTMART_EVENT_DELIVERY") or (
    "celery" if CELERY_BROKER_URL else "worker" if TRUSTMART_WORKER else "inline")
if TRUSTMART_EVENT_DELIVERY not in {"inline", "worker", "celery"}:
    raise ImproperlyConfigured("TRUSTMART_EVENT_DELIVERY must be inline, worker or celery.")
if TRUSTMART_EVENT_DELIVERY == "celery" and not CELERY_BROKER_URL:
    raise ImproperlyConfigured("TRUSTMART_EVENT_DELIVERY=celery needs CELERY_BROKER_URL.")
# How often a worker (and Celery beat's job tick) looks for due events and jobs when nothing
# woke it; on PostgreSQL a new event wakes the worker at once (LISTEN/NOTIFY).
WORKER_POLL_SECONDS = env_int("WORKER_POLL_SECONDS", 1)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
# How a failed event handler is retried: attempt n waits EVENT_RETRY_BASE_SECONDS * 2**(n-1).
EVENT_RETRY_BASE_SECONDS = env_int("EVENT_RETRY_BASE_SECONDS", 30)

# The trading loop (issue 4): unpaid checkouts expire, shipped orders confirm themselves, the
# after-sale window holds settlement back; the platform's fee and the smallest withdrawal.
ORDER_PAYMENT_TIMEOUT_MINUTES = env_int("ORDER_PAYMENT_TIMEOUT_MINUTES", 30)
ORDER_AUTO_CONFIRM_DAYS = env_int("ORDER_AUTO_CONFIRM_DAYS", 10)
ORDER_AFTER_SALE_DAYS = env_int("ORDER_AFTER_SALE_DAYS", 7)
# After-sales deadlines (docs/aftersales.md).
AFTERSALE_MERCHANT_REPLY_HOURS = env_int("AFTERSALE_MERCHANT_REPLY_HOURS", 48)
AFTERSALE_RETURN_CONFIRM_DAYS = env_int("AFTERSALE_RETURN_CONFIRM_DAYS", 7)
AFTERSALE_ESCALATE_DAYS = env_int("AFTERSALE_ESCALATE_DAYS", 7)
AFTERSALE_RETURN_SHIP_DAYS = env_int("AFTERSALE_RETURN_SHIP_DAYS", 7)
AFTERSALE_IMAGE_MAX_BYTES = env_int("AFTERSALE_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
PLATFORM_FEE_BPS = env_int("PLATFORM_FEE_BPS", 500)
MERCHANT_WITHDRAWAL_MIN_FEN = env_int("MERCHANT_WITHDRAWAL_MIN_FEN", 10000)
EVENT_MAX_ATTEMPTS = env_int("EVENT_MAX_ATTEMPTS", 8)
# A request holds its Idempotency-Key this long; after that a retry may take the key over (the
# first attempt is presumed dead). Longer than the slowest request, shorter than a user's patience.
IDEMPOTENCY_LEASE_SECONDS = env_int("IDEMPOTENCY_LEASE_SECONDS", 60)
# Reviews: 默认好评 after this many days without a review; 追评 allowed this long after one.
REVIEW_DEFAULT_DAYS = env_int("REVIEW_DEFAULT_DAYS", 15)
REVIEW_FOLLOWUP_DAYS = env_int("REVIEW_FOLLOWUP_DAYS", 180)
REVIEW_IMAGE_MAX_BYTES = env_int("REVIEW_IMAGE_MAX_BYTES", 5 * 1024 * 1024)

# --- accounts ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("mobile", "nickname")}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
VERIFICATION_CODE_SENDER = os.environ.get(
    "VERIFICATION_CODE_SENDER", "trustmart.accounts.sms.ConsoleSender"
)
VERIFICATION_CODE_TTL_SECONDS = env_int("VERIFICATION_CODE_TTL_SECONDS", 600)
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
AVATAR_MAX_BYTES = env_int("AVATAR_MAX_BYTES", 2 * 1024 * 1024)
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90)
# How long a checked API token is kept in the cache (0: read it from the database each time).
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 60)
# Absolute links in share kits, posters and Open Graph tags; empty: taken from the request.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
# A repeat visit through one share from the same device or user inside this window is
# recorded but not counted.
SHARING_BURST_WINDOW_MINUTES = env_int("SHARING_BURST_WINDOW_MINUTES", 30)
# The open platform (docs/developers.md): app access tokens, audit retention, webhooks.
DEVELOPERS_ACCESS_TOKEN_SECONDS = env_int("DEVELOPERS_ACCESS_TOKEN_SECONDS", 3600)
DEVELOPERS_APP_RATE_LIMIT_PER_MINUTE = env_int("DEVELOPERS_APP_RATE_LIMIT_PER_MINUTE", 600)
DEVELOPERS_API_CALL_RETENTION_DAYS = env_int("DEVELOPERS_API_CALL_RETENTION_DAYS", 30)
DEVELOPERS_WEBHOOK_RETENTION_DAYS = env_int("DEVELOPERS_WEBHOOK_RETENTION_DAYS", 30)
DEVELOPERS_WEBHOOK_CONNECT_TIMEOUT = env_int("DEVELOPERS_WEBHOOK_CONNECT_TIMEOUT", 3)
DEVELOPERS_WEBHOOK_TIMEOUT = env_int("DEVELOPERS_WEBHOOK_TIMEOUT", 10)
DEVELOPERS_WEBHOOK_CIRCUIT_FAILURES = env_int("DEVELOPERS_WEBHOOK_CIRCUIT_FAILURES", 5)
DEVELOPERS_WEBHOOK_DISABLE_AFTER_DAYS = env_int("DEVELOPERS_WEBHOOK_DISABLE_AFTER_DAYS", 5)
# Only for tests and closed networks: let webhooks reach private and loopback addresses.
DEVELOPERS_WEBHOOK_ALLOW_PRIVATE = env_bool("DEVELOPERS_WEBHOOK_ALLOW_PRIVATE", False)
# A PEM file of CAs trusted for receivers' certificates instead of the system's.
DEVELOPERS_WEBHOOK_CA_BUNDLE = os.environ.get("DEVELOPERS_WEBHOOK_CA_BUNDLE", "")
# A SKU whose stock falls to this many units or fewer announces "stock.low" (once per crossing).
CATALOG_LOW_STOCK_THRESHOLD = env_int("CATALOG_LOW_STOCK_THRESHOLD", 5)
# A TrueType/OpenType font with Chinese glyphs for share posters; empty: found on the system.
SHARING_POSTER_FONT = os.environ.get("SHARING_POSTER_FONT", "")

# --- catalog ---------------------------------------------------------------------------------
CATALOG_IMAGE_MAX_BYTES = env_int("CATALOG_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
CATALOG_CERTIFICATE_MAX_BYTES = env_int("CATALOG_CERTIFICATE_MAX_BYTES", 10 * 1024 * 1024)
# The anonymous product page is cached this long per product version (0: not cached).
PRODUCT_PAGE_CACHE_SECONDS = env_int("PRODUCT_PAGE_CACHE_SECONDS", 60)

# --- i18n: Simplified Chinese first, English complete -------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
# Sent over HTTPS only (outside development), never to other sites' requests, never to scripts.
LANGUAGE_COOKIE_SECURE = env_bool("LANGUAGE_COOKIE_SECURE", not DEBUG)
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# --- static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
# Private uploads (application documents, after-sales evidence, certificates) live outside
# MEDIA_ROOT and have no URL: only access-checked views serve them (trustmart.core.storage).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", DATA_DIR / "private"))
if PRIVATE_MEDIA_ROOT.resolve().is_relative_to(MEDIA_ROOT.resolve()):
    raise ImproperlyConfigured("PRIVATE_MEDIA_ROOT must not be inside MEDIA_ROOT.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "trustmart.core.storage.PrivateFileSystemStorage",
                "OPTIONS": {"location": PRIVATE_MEDIA_ROOT}},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("TRUSTMART_TESTING", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Without collectstatic (development, demo) whitenoise serves straight from the apps.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Media is served by Django only when no front server does it (the embedded default).
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    # Production runs behind TLS; a reverse proxy terminating TLS sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Content-Security-Policy of every page (trustmart.core.middleware; docs/architecture.md). No
# inline script or style anywhere: behaviour is in static JS, styles in static CSS. Forms may
# post to us and to the payment providers' pages (the cashier redirects a form's POST there).
_ALIPAY_ORIGIN = "/".join(
    (os.environ.get("ALIPAY_GATEWAY") or "https://openapi.alipay.com/gateway.do").split("/")[:3])
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    # WeChat's JS-SDK (share cards inside WeChat) only where an official account is configured.
    "script-src": ["'self'", *(["https://res.wx.qq.com"] if WECHAT_OA_APPID else [])],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:", *env_list("CSP_IMG_SRC_EXTRA", [])],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'", "https://wx.tenpay.com", _ALIPAY_ORIGIN,
                    *env_list("CSP_FORM_ACTION_EXTRA", [])],
}
# Report-only: browsers report violations in the console but block nothing (for trying a
# stricter policy on a live site first).
CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)
# Browser features no page of ours uses are switched off; payment stays for our own origin.
PERMISSIONS_POLICY = {"camera": [], "microphone": [], "geolocation": [], "payment": ["self"],
                      "usb": []}
# Behind a reverse proxy that sets X-Forwarded-For, the client's address is its first hop (rate
# limits, the payer's address sent to WeChat Pay). Off: REMOTE_ADDR, which a client cannot forge.
TRUSTMART_TRUST_X_FORWARDED_FOR = env_bool("TRUSTMART_TRUST_X_FORWARDED_FOR", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 20
