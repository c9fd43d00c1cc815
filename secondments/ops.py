"""Service-task operations of the secondment round (registered with the sandbox).

Each one writes the round's register (``secondments.models``) in the transaction of the step that
led to it; they are called only by the diagram ``bpmn/secondment_selection.bpmn``.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from notices.desk import conclude_verification
from notices.models import Objection, ObjectionOutcome
from permissions import policy, routing
from permissions.models import Unit
from permissions.roles import Role
from records.models import Secondment
from workflows import clock
from workflows.models import ProcessInstance
from workflows.notify import notify
from workflows.sandbox import register_service

from . import eligibility, issuing
from .models import Candidate, CandidateStatus, Invitation, InvitationStatus, Position, Round

PLAN_KEYS = (
    "round_title",
    "positions",
    "places",
    "term_months",
    "term_start",
    "nomination_deadline",
    "nomination_closes_at",
    "invited_unit_ids",
    "criteria",
)


def _round(instance_id, lock=False):
    qs = Round.objects.select_related("instance", "organiser")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(instance_id=instance_id)


@register_service("secondments.open_round")
def open_round(task_data, /, *, instance_id):
    """Register the plan (positions, invitations) and find the bodies the later steps bind to:
    the organiser reviews and publishes, its area's discipline body gives the integrity opinion,
    its area's party committee approves (awards.routing, DOMAIN.md §1.2 areas)."""
    missing = [key for key in PLAN_KEYS if key not in task_data]
    if missing:
        raise ValueError(_("选派计划不完整，缺少：%(keys)s（请通过“开启选派计划”发起）") % {"keys": "、".join(missing)})
    instance = ProcessInstance.objects.select_related("nominating_unit").get(pk=instance_id)
    organiser = instance.nominating_unit
    round_ = Round.objects.create(
        instance=instance,
        organiser=organiser,
        title=task_data["round_title"],
        places=task_data["places"],
        term_months=task_data["term_months"],
        term_start=datetime.date.fromisoformat(task_data["term_start"]),
        nomination_deadline=datetime.date.fromisoformat(task_data["nomination_deadline"]),
        notice_required=bool(task_data.get("notice_required")),
        criteria=task_data["criteria"],
    )
    Position.objects.bulk_create(
        [
            Position(
                round=round_,
                code=p["code"],
                host_unit_id=p["host_unit_id"],
                title=p["title"],
                places=p["places"],
                requirements=p.get("requirements") or "",
            )
            for p in task_data["positions"]
        ]
    )
    Invitation.objects.bulk_create([Invitation(round=round_, unit_id=unit_id) for unit_id in task_data["invited_unit_ids"]])
    area = routing.area_of(organiser)
    route = routing.bodies(area)
    route.update(
        review_unit_id=organiser.pk,
        publicity_unit_id=organiser.pk,
        issuer_unit_id=organiser.pk if organiser.document_prefix else route["issuer_unit_id"],
        round_id=round_.pk,
    )
    return route


@register_service("secondments.record_nomination")
def record_nomination(task_data, /, *, instance_id, unit_id, decision, candidate_ids, recommendation=""):
    """A unit's answer to the call: its nominees (waiting for the unit leadership) or none."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",)).select_related("round").get(round__instance_id=instance_id, unit_id=unit_id)
    )
    Candidate.objects.filter(invitation=invitation, status=CandidateStatus.PROPOSED).delete()  # a resubmission replaces
    if decision == "none":
        invitation.status, invitation.answered_at = InvitationStatus.NONE, timezone.now()
        invitation.save(update_fields=["status", "answered_at"])
        return {"nominated": 0}
    today = clock.today()
    Candidate.objects.bulk_create(
        [
            Candidate(
                round=invitation.round,
                invitation=invitation,
                cadre_id=cadre_id,
                recommendation=recommendation or "",
                status=CandidateStatus.PROPOSED,
                checked_on=today,
            )
            for cadre_id in candidate_ids
        ]
    )
    invitation.status = InvitationStatus.NOMINATED
    invitation.save(update_fields=["status"])
    return {"nominated": len(candidate_ids)}


@register_service("secondments.confirm_nomination")
def confirm_nomination(task_data, /, *, instance_id, unit_id, decision):
    invitation = Invitation.objects.select_for_update(of=("self",)).get(round__instance_id=instance_id, unit_id=unit_id)
    if decision == "send_back":
        invitation.status = InvitationStatus.RETURNED
        invitation.save(update_fields=["status"])
        return {"confirmed": 0}
    confirmed = invitation.candidates.filter(status=CandidateStatus.PROPOSED).update(status=CandidateStatus.CONFIRMED)
    invitation.status, invitation.answered_at = InvitationStatus.CONFIRMED, timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    return {"confirmed": confirmed}


@register_service("secondments.mark_late")
def mark_late(task_data, /, *, instance_id, unit_id):
    """The deadline passed before the unit reported (its nominator or its leadership had not acted):
    the unit is late and its unconfirmed nominees lapse."""
    invitation = Invitation.objects.select_for_update(of=("self",)).get(round__instance_id=instance_id, unit_id=unit_id)
    invitation.candidates.filter(status=CandidateStatus.PROPOSED).update(status=CandidateStatus.LAPSED)
    invitation.status = InvitationStatus.LATE
    invitation.save(update_fields=["status"])
    return {"unit_id": unit_id, "late": True}


@register_service("secondments.close_call")
def close_call(task_data, /, *, instance_id):
    """The call closes (every unit reported, declined or was late): returns the facts of every
    reported candidate for the re-check. Units still open are marked late (defensive: the
    deadline timers of the nomination steps normally did it)."""
    round_ = _round(instance_id, lock=True)
    late = list(round_.invitations.exclude(status__in=[InvitationStatus.CONFIRMED, InvitationStatus.NONE]).select_related("unit"))
    Invitation.objects.filter(pk__in=[i.pk for i in late]).update(status=InvitationStatus.LATE)
    round_.candidates.filter(status=CandidateStatus.PROPOSED).update(status=CandidateStatus.LAPSED)
    reported = list(round_.candidates.filter(status=CandidateStatus.CONFIRMED).select_related("cadre"))
    summary = _("%(key)s 推荐已截止：报送人选%(n)s名") % {"key": round_.instance.business_key, "n": len(reported)}
    if late:
        summary += _("；逾期未报送：%(units)s") % {"units": "、".join(i.unit.name for i in late)}
    notify([round_.instance.started_by], summary, round_.instance)
    return [{**eligibility.candidate_facts(c.cadre, round_.criteria), "candidate_id": c.pk} for c in reported]


@register_service("secondments.record_check")
def record_check(task_data, /, *, instance_id, candidate_id, rules, reasons):
    """The re-check of one reported candidate (Rule_eligibility in Sub_recheck): a candidate who
    no longer meets the round's conditions leaves it, with the reasons kept."""
    candidate = Candidate.objects.get(pk=candidate_id, round__instance_id=instance_id)
    failed = [{"rule": rule, "reason": reason} for rule, reason in zip(rules or [], reasons or []) if rule != "ok"]
    candidate.failures, candidate.checked_on = failed, clock.today()
    if failed:
        candidate.status = CandidateStatus.INELIGIBLE
    candidate.save(update_fields=["failures", "checked_on", "status"])
    return {"candidate_id": candidate.pk, "eligible": not failed, "failures": [f["reason"] for f in failed]}


@register_service("secondments.record_selection")
def record_selection(task_data, /, *, instance_id, selection):
    round_ = _round(instance_id)
    positions = {p.code: p for p in round_.positions.all()}
    selected = 0
    for row in selection or []:
        candidate = round_.candidates.get(pk=row["candidate_id"])
        position = positions.get(row.get("position") or "")
        candidate.rank = row.get("rank")
        candidate.position = position
        candidate.status = CandidateStatus.SELECTED if position else CandidateStatus.NOT_SELECTED
        candidate.integrity = ""
        candidate.save(update_fields=["rank", "position", "status", "integrity"])
        selected += bool(position)
    if selected > round_.places:  # the form refuses this; the register never holds it
        raise ValueError(_("选派人数超过名额"))
    return selected


@register_service("secondments.record_integrity")
def record_integrity(task_data, /, *, instance_id, integrity):
    """廉政意见 per selected cadre; one with an objection leaves the selection (re-select follows)."""
    round_ = _round(instance_id)
    objections = 0
    for candidate_id, opinion in (integrity or {}).items():
        candidate = round_.candidates.get(pk=int(candidate_id), status=CandidateStatus.SELECTED)
        candidate.integrity = opinion
        if opinion == "objection":
            candidate.status, candidate.position = CandidateStatus.EXCLUDED, None
            objections += 1
        candidate.save(update_fields=["integrity", "status", "position"])
    return objections


@register_service("secondments.publish_notice")
def publish_notice(task_data, /, *, instance_id):
    return issuing.publish_notice(_round(instance_id), task_data).pk


@register_service("secondments.close_objection")
def close_objection(task_data, /, *, instance_id, objection_id, candidate_id, outcome, finding):
    """As ``notices.close_objection``, but a round has several people: the clarification letter
    (seed 000 #12) concerns the cadre the verification named."""
    objection = Objection.objects.select_for_update(of=("self",)).get(pk=objection_id, instance_id=instance_id)
    if objection.outcome != ObjectionOutcome.PENDING:
        raise ValueError(_("该异议已核查完毕"))
    candidate = Candidate.objects.select_related("cadre__unit").get(pk=candidate_id, round__instance_id=instance_id)
    conclude_verification(
        objection,
        outcome=outcome,
        finding=finding,
        malicious=bool(task_data.get("verification_malicious")),
        route=task_data.get("route"),
        cadre=candidate.cadre,
        issuer=Unit.objects.get(pk=task_data["route"]["issuer_unit_id"]),
    )
    return {
        "objection_id": objection.pk,
        "outcome": outcome,
        "candidate_id": candidate.pk,
        "clarification_document_id": objection.clarification_id,
    }


@register_service("secondments.drop_candidate")
def drop_candidate(task_data, /, *, instance_id, candidate_id):
    round_ = _round(instance_id)
    candidate = round_.candidates.get(pk=candidate_id, status=CandidateStatus.SELECTED)
    candidate.status, candidate.position = CandidateStatus.DROPPED, None
    candidate.save(update_fields=["status", "position"])
    return round_.candidates.filter(status=CandidateStatus.SELECTED).count()


@register_service("secondments.dispatch")
def dispatch(task_data, /, *, instance_id):
    return issuing.dispatch(_round(instance_id, lock=True), task_data)


@register_service("secondments.record_recall")
def record_recall(task_data, /, *, instance_id, secondment_id, recalled_on, reason):
    candidate = Candidate.objects.select_related("secondment", "cadre").get(secondment_id=secondment_id, round__instance_id=instance_id)
    day = datetime.date.fromisoformat(recalled_on)
    Secondment.objects.filter(pk=secondment_id).update(ended_on=day)
    candidate.recalled_on, candidate.recall_reason = day, reason or ""
    candidate.save(update_fields=["recalled_on", "recall_reason"])
    return {"secondment_id": secondment_id, "ended_on": day.isoformat()}


@register_service("secondments.record_assessment")
def record_assessment(task_data, /, *, instance_id, secondment_id, grade, comments):
    """挂职期满考核 (DOMAIN.md §5): the result goes back to the cadre's record and the home unit."""
    candidate = Candidate.objects.select_related("secondment__host_unit", "cadre__unit", "round__instance").get(
        secondment_id=secondment_id, round__instance_id=instance_id
    )
    secondment = candidate.secondment
    secondment.assessment_grade = grade
    secondment.ended_on = secondment.ended_on or secondment.planned_end
    secondment.save(update_fields=["assessment_grade", "ended_on"])
    candidate.term_comments = comments or ""
    candidate.save(update_fields=["term_comments"])
    home = candidate.cadre.unit
    people = policy.holders_of(Role.NOMINATOR, home) + policy.holders_of(Role.UNIT_LEADER, home) + [candidate.round.instance.started_by]
    notify(
        list(dict.fromkeys(people)),
        _("%(key)s：%(name)s同志在%(host)s挂职期满考核为%(grade)s，已记入干部档案")
        % {
            "key": candidate.round.instance.business_key,
            "name": candidate.cadre.name,
            "host": secondment.host_unit.name,
            "grade": secondment.get_assessment_grade_display(),
        },
        candidate.round.instance,
    )
    return {"secondment_id": secondment.pk, "grade": grade}
