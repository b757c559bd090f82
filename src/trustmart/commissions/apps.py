from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionsConfig(AppConfig):
    name = "trustmart.commissions"
    label = "commissions"
    verbose_name = _("Commissions")

    def ready(self) -> None:
        from . import handlers  # noqa: F401  (subscribes to order events)
