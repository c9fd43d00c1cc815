from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotasConfig(AppConfig):
    """职数 (issue 16 item 5): leadership post quotas per unit and level."""

    name = "quotas"
    verbose_name = _("领导职数")
    default_auto_field = "django.db.models.BigAutoField"
