"""Read-only views of a round for the workspace pages (the generic case page can include them)."""

from django.utils.translation import gettext as _

from workflows.models import HumanTask

from .models import CandidateStatus, InvitationStatus, Round

NOMINATION_STEPS = ("Task_nominate", "Task_unit_confirm")


def round_of(case):
    """The round of a case, or None for cases of other processes."""
    return Round.objects.filter(instance=case).select_related("organiser").first()


def nomination_status(case):
    """Which invited units have nominated: per unit its answer, who holds the call now, and its
    candidates — what the plan owner follows while the call is open (issue 7 acceptance)."""
    round_ = round_of(case)
    if round_ is None:
        return None
    open_steps = {}
    for task in HumanTask.objects.filter(instance=case, bpmn_id__in=NOMINATION_STEPS).order_by("created_at"):
        open_steps[task.unit_id] = task
    units = []
    for invitation in round_.invitations.select_related("unit").prefetch_related("candidates__cadre"):
        task = open_steps.get(invitation.unit_id)
        units.append(
            {
                "unit": invitation.unit,
                "status": invitation.status,
                "label": invitation.get_status_display(),
                "answered": invitation.answered,
                "late": invitation.status == InvitationStatus.LATE,
                "answered_at": invitation.answered_at,
                "waiting_on": task.name if task is not None else "",
                "task": task,
                "candidates": [
                    {"cadre": c.cadre, "status": c.status, "label": c.get_status_display(), "failures": c.failures}
                    for c in invitation.candidates.all()
                ],
            }
        )
    counts = {status: sum(1 for u in units if u["status"] == status) for status in InvitationStatus.values}
    closed = not open_steps and round_.invitations.exclude(
        status__in=[InvitationStatus.INVITED, InvitationStatus.NOMINATED, InvitationStatus.RETURNED]
    ).count() == len(units)
    return {
        "round": round_,
        "deadline": round_.nomination_deadline,
        "closed": closed,
        "units": units,
        "counts": counts,
        "answered": sum(1 for u in units if u["answered"]),
        "reported_candidates": sum(
            1 for u in units for c in u["candidates"] if c["status"] not in (CandidateStatus.PROPOSED, CandidateStatus.LAPSED)
        ),
        "summary": _("已报送%(answered)s个单位，共%(invited)s个单位")
        % {"answered": sum(1 for u in units if u["answered"]), "invited": len(units)},
    }


def candidates(case):
    """Every candidate of the round with what was decided about them (selection, integrity, secondment)."""
    round_ = round_of(case)
    if round_ is None:
        return []
    return list(
        round_.candidates.select_related("cadre__unit", "invitation__unit", "position__host_unit", "secondment", "introduction_letter")
    )
