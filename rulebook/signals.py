from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import RuleParameter
from .registry import clear_cache


@receiver([post_save, post_delete], sender=RuleParameter)
def _forget_cached_values(**_kwargs):
    clear_cache()
    # Again once the change is committed: a read between the save and the commit cached it early.
    transaction.on_commit(clear_cache)
