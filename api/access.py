"""What the caller may see, through the policy's filters (``permissions.policy``).

An object outside these is answered with 404 — the same as one that does not exist — so the
API never tells a caller that another unit's case, task, cadre or document exists.
"""

from rest_framework.exceptions import NotFound

from documents.permissions import can_download
from records.models import Cadre
from workflows.models import HumanTask, ProcessInstance

from .errors import Conflict


def visible_cases(user, facts=None):
    return ProcessInstance.objects.visible_to(user, facts=facts)


def visible_tasks(user):
    """Open tasks of the cases the caller may see (the inbox is a subset)."""
    return HumanTask.objects.visible_to(user)


def visible_cadres(user):
    return Cadre.objects.visible_to(user)


def case_or_404(user, pk, queryset=None):
    case = (queryset if queryset is not None else visible_cases(user)).filter(pk=pk).first()
    if case is None:
        raise NotFound()
    return case


def task_for_action(user, pk):
    """The open task for a POST (claim, release, complete).

    A task that has closed meanwhile answers 409 when the caller may see its case (a retried
    request must not look like a wrong id), 404 otherwise.
    """
    task = visible_tasks(user).select_related("instance__definition", "unit", "claimed_by").filter(pk=pk).first()
    if task is not None:
        return task
    if HumanTask.all_objects.visible_to(user).filter(pk=pk, closed_at__isnull=False).exists():
        raise Conflict()
    raise NotFound()


def document_visible(user, document):
    """Metadata of a document: who may download it, or who may see its case (or a case of its notice)."""
    if can_download(user, document):
        return True
    cases = visible_cases(user)
    if document.instance_id is not None and cases.filter(pk=document.instance_id).exists():
        return True
    from notices.models import Notice

    return cases.filter(notices__in=Notice.objects.filter(document=document)).exists()
