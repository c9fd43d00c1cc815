from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrassrootsConfig(AppConfig):
    """基层优先提拔 (issue 16 item 6; seed 004 art. 8(四), seed 000 #5): the yearly list of ten
    township principals and county department heads ranked for priority promotion, drawn up as a
    process, and the share of county leaders with township-principal experience."""

    name = "grassroots"
    verbose_name = _("基层优先提拔")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import process  # noqa: F401  (the process type)
