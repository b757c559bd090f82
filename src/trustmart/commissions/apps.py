from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionsConfig(AppConfig):
    name = "trustmart.commissions"
    label = "commissions"
    verbose_name = _("Commissions")

    def ready(self) -> None:
        from . import handlers, jobs  # noqa: F401  (order events, the release sweep)
