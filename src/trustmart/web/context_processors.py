from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from trustmart.accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


def site(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    return {
        "demo_mode": settings.DEMO_MODE,
        "demo_accounts": DEMO_ACCOUNTS if settings.DEMO_MODE else [],
        "demo_password": DEMO_PASSWORD if settings.DEMO_MODE else "",
        "url_name": match.view_name if match else "",
        # Absolute links (Open Graph tags): SITE_URL when set, else this request's origin.
        "site_url": settings.SITE_URL or f"{request.scheme}://{request.get_host()}",
    }
