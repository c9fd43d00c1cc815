"""Reference data shipped with the app: the bonus table (DOMAIN.md §1.1; 人社厅发〔2018〕1号 [practice])."""

import datetime
from decimal import Decimal

DEFAULT_BONUSES = {"commendation": "1500", "merit_3": "3000", "merit_2": "6000", "merit_1": "12000", "title": "20000"}
# DOMAIN.md §1.1 [practice]: 记三等功 and above come with a medal (奖章).
MEDAL_KINDS = {"merit_3", "merit_2", "merit_1", "title"}


def install_default_bonuses(award_bonus_model):
    """Idempotent; used by the data migration (with the historical model) and by tests."""
    has_medal = any(field.name == "medal" for field in award_bonus_model._meta.fields)  # not in the oldest migrations
    for kind, amount in DEFAULT_BONUSES.items():
        defaults = {"amount": Decimal(amount), "basis": "人社厅发〔2018〕1号"}
        if has_medal:
            defaults["medal"] = kind in MEDAL_KINDS
        award_bonus_model.objects.get_or_create(kind=kind, effective_from=datetime.date(2018, 1, 1), defaults=defaults)
