from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotasConfig(AppConfig):
    """职数 (issue 16 item 5): leadership post quotas per unit and level."""

    name = "quotas"
    verbose_name = _("领导职数")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The promotions app asks the cadre records' seam at 动议 (DOMAIN.md §10 "Post quotas");
        # the check that answers is this app's.
        from records import quotas as seam

        from . import counting

        seam.register_checker("quotas", counting.refusal)
