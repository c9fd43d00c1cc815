from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = _("奖励审批")

    def ready(self):
        from . import ops, process  # noqa: F401  (service operations; the process type)
