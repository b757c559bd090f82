"""WeChat Pay platform certificates, downloaded and kept in the database.

WeChat rotates its platform certificates; a notification signed with a new one would be
refused (unknown serial) until an operator configured it. ``wechatpay_certificates_refresh``
downloads the list every twelve hours (outside any transaction), trusting only an answer signed
by a key we already trust and certificates encrypted with our APIv3 key, and stores them; the
provider then checks signatures with the configured keys plus the stored ones in force.
"""

from __future__ import annotations

from ..models import PlatformCertificate
from ..providers.wechatpay import WechatPayProvider


def wechatpay_certificates_refresh(provider: WechatPayProvider | None = None) -> int:
    """Download and store WeChat's platform certificates when WeChat Pay is configured.
    Returns how many were new. Raises ``ProviderError`` when the answer cannot be trusted
    (nothing is stored then)."""
    provider = provider or WechatPayProvider.from_settings()
    if provider is None:
        return 0
    fetched = provider.fetch_certificates()  # network: before any transaction
    new = 0
    for certificate in fetched:
        _row, created = PlatformCertificate.objects.update_or_create(
            serial=certificate.serial,
            defaults={"pem": certificate.pem, "effective_at": certificate.effective_at,
                      "expires_at": certificate.expires_at})
        new += int(created)
    return new
