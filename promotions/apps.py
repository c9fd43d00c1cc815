from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = _("破格提拔")

    def ready(self):
        from . import ops, process  # noqa: F401  (service operations; the process type)
