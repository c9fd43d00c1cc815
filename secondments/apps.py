from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecondmentsConfig(AppConfig):
    name = "secondments"
    verbose_name = _("挂职锻炼选派")

    def ready(self):
        from . import forms, ops, plan  # noqa: F401  (task forms and the plan form, service operations)
