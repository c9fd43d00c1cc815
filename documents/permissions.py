"""Who may download an issued document.

``can_download`` is the hook the case-based check will extend (the lead adds it); for now:
superusers, and anyone holding any role on the issuing unit or on the case's nominating unit
(directly, or through a grant on an ancestor that covers subordinate units).
"""
from django.db.models import Q

from permissions.models import Grant


def _covering_grants(unit):
    """Q on Grant: grants on ``unit`` itself or on an ancestor that include subordinates."""
    ids = [part for part in unit.path.strip("/").split("/") if part]
    ancestor_paths = ["/" + "/".join(ids[:i]) + "/" for i in range(1, len(ids))]
    return Q(unit_id=unit.pk) | Q(include_subordinates=True, unit__path__in=ancestor_paths)


def can_download(user, document):
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    units = [document.issuer]
    if document.instance_id is not None:
        units.append(document.instance.nominating_unit)
    q = Q()
    for unit in units:
        q |= _covering_grants(unit)
    return Grant.objects.filter(q, user=user).exists()
