"""Who may download an issued document: superusers; anyone who may see the case it belongs
to (permissions.policy.visible_cases_filter); anyone holding a role on the issuing unit (directly
or through an ancestor's grant that covers subordinate units)."""

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.lookups import StartsWith

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


def downloadable_ids(user, documents, visible_cases=()):
    """The ids of those of ``documents`` that ``user`` may download — ``can_download`` for a
    page's documents at once: one query for all of them (after the person's facts, which the
    case visibility reads), instead of two a document (issue 17 item 3). ``visible_cases``: ids
    of cases the page already knows the user may see (the case page's own): their documents
    need no query."""
    documents = [d for d in documents if d is not None]
    if not documents or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return {d.pk for d in documents}
    seen = set(visible_cases)
    known = {d.pk for d in documents if d.instance_id is not None and d.instance_id in seen}
    documents = [d for d in documents if d.pk not in known]
    if not documents:
        return known
    from documents.models import IssuedDocument

    # A grant on the issuer, or on an ancestor covering subordinates (its path starts the issuer's).
    covering = Grant.objects.filter(user=user).filter(
        Q(unit_id=OuterRef("issuer_id")) | (Q(include_subordinates=True) & StartsWith(OuterRef("issuer__path"), F("unit__path")))
    )
    allowed = Exists(covering)
    cases = sorted({d.instance_id for d in documents if d.instance_id is not None})
    if cases:
        from workflows.models import ProcessInstance

        allowed |= Q(instance_id__in=ProcessInstance.objects.visible_to(user).filter(pk__in=cases).values("pk"))
    found = IssuedDocument.objects.filter(pk__in=sorted({d.pk for d in documents})).filter(allowed)
    return known | set(found.values_list("pk", flat=True))
