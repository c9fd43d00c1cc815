from django.core import checks

from .registry import declared


@checks.register()
def rows_name_declared_parameters(app_configs, **kwargs):
    """A stored row whose key no code declares would silently change nothing."""
    from django.db import DatabaseError

    from .models import RuleParameter

    try:
        keys = set(RuleParameter.objects.values_list("key", flat=True).distinct())
    except DatabaseError:  # not migrated yet
        return []
    known = declared()
    return [
        checks.Warning(f"rule parameter row {key!r} names no declared parameter", id="rulebook.W001", obj=key)
        for key in sorted(keys - set(known))
    ]
