"""Who may download an issued document: superusers; anyone who may see the case it belongs
to (permissions.policy.visible_cases_filter); anyone holding a role on the issuing unit (directly
or through an ancestor's grant that covers subordinate units)."""

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
    if document.instance_id is not None:
        from workflows.models import ProcessInstance

        if ProcessInstance.objects.visible_to(user).filter(pk=document.instance_id).exists():
            return True
    return Grant.objects.filter(_covering_grants(document.issuer), user=user).exists()
