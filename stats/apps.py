from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    """统计 (issue 16 item 7): charts and tables for the units a person holds a role on."""

    name = "stats"
    verbose_name = _("统计分析")
    default_auto_field = "django.db.models.BigAutoField"
