from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = _("破格提拔")

    def ready(self):
        from records import quotas

        from . import ops, process  # noqa: F401  (service operations; the process type)
        from .records import open_proposals

        # Open proposals count against the post quotas (DOMAIN.md §10 "Post quotas").
        quotas.register_pending("promotions", open_proposals)
