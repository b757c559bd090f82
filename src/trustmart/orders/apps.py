from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "trustmart.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from . import jobs  # noqa: F401  (registers the timed sweeps)
