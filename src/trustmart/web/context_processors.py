from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trustmart.accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from trustmart.orders.selectors import cart_count

BADGE_MAX = 99


class CartBadge:
    """The number on the tab bar's 购物车 tab: items (units) in the signed-in buyer's cart.

    Read on first use only, so it costs one query on a page that shows the tab bar, and none
    on pages (or partials) that do not, nor for visitors."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def count(self) -> int:
        user = getattr(self._request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return cart_count(user=user)

    @property
    def text(self) -> str:
        return f"{BADGE_MAX}+" if self.count > BADGE_MAX else str(self.count)

    @property
    def aria_label(self) -> str:
        if not self.count:
            return _("Cart")
        return ngettext("Cart, %(count)s item", "Cart, %(count)s items",
                        self.count) % {"count": self.text}


def site(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    return {
        "demo_mode": settings.DEMO_MODE,
        "demo_accounts": DEMO_ACCOUNTS if settings.DEMO_MODE else [],
        "demo_password": DEMO_PASSWORD if settings.DEMO_MODE else "",
        "url_name": match.view_name if match else "",
        # Absolute links (Open Graph tags): SITE_URL when set, else this request's origin.
        "site_url": settings.SITE_URL or f"{request.scheme}://{request.get_host()}",
        "cart_badge": CartBadge(request),
    }
