"""Actions on a round outside its steps: early recall of a secondee (issue 7 step 9)."""

from django.utils.translation import gettext as _

from permissions import policy
from permissions.roles import Role
from workflows import clock, services
from workflows.errors import ActionNotAllowed, InvalidAction

from .models import Candidate

RECALL_MESSAGE = "recall"


def recall(user, secondment_id, *, reason, on=None):
    """提前召回: the organiser ends a secondment early; the host unit's term assessment opens at once.

    Delivered to the round as the BPMN message ``recall``; only the secondee's own term instance acts on it.
    """
    candidate = (
        Candidate.objects.select_related("round__instance", "round__organiser", "secondment", "cadre")
        .filter(secondment_id=secondment_id)
        .first()
    )
    if candidate is None:
        raise InvalidAction(_("找不到该挂职记录，或它不是通过选派计划产生的"))
    organiser = candidate.round.organiser
    if not policy.holds_role(user, Role.REVIEWER, organiser):
        raise ActionNotAllowed(_("只有组织单位（%(unit)s）的审核人可以提前召回挂职干部") % {"unit": organiser.name})
    if not (reason or "").strip():
        raise InvalidAction(_("请填写召回原因"))
    secondment = candidate.secondment
    on = on or clock.today()
    if secondment.ended_on is not None:
        raise InvalidAction(_("%(name)s同志的挂职已于%(date)s结束") % {"name": candidate.cadre.name, "date": secondment.ended_on})
    if not secondment.start <= on <= secondment.planned_end:
        raise InvalidAction(_("召回日期应在挂职期间（%(start)s至%(end)s）") % {"start": secondment.start, "end": secondment.planned_end})
    delivered = services.deliver_message(
        user,
        candidate.round.instance_id,
        RECALL_MESSAGE,
        payload={"secondment_id": secondment.pk, "on": on.isoformat(), "reason": reason.strip()},
        note=_("提前召回%(name)s") % {"name": candidate.cadre.name},
    )
    if not delivered:
        raise InvalidAction(_("%(name)s同志不在挂职期间，不能召回") % {"name": candidate.cadre.name})
    return candidate
