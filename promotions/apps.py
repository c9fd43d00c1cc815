from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = _("破格提拔")

    def ready(self):
        from . import forms, notice_profile, ops  # noqa: F401  (task forms, notice rows, service operations)
