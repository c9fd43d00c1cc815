"""The public-notice desk: publish several cases in one notice, record objections
(DOMAIN.md §1.3 step 4, §4.3 step 6, §6, §7).

Every process with a notice has a ``Task_publish`` step (the publicity officer's) followed in
its diagram by the objection loop; see docs/processes.md.
"""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from documents import contexts
from documents.rendering import issue_document
from permissions import policy, routing
from permissions.models import Unit
from permissions.roles import Role
from workdays.calendar import CalendarYearMissing, working_period_end
from workflows import clock, engine, notify, services
from workflows.errors import ActionNotAllowed, InvalidAction
from workflows.models import HumanTask, InstanceStatus, ProcessInstance
from workflows.signals import CLARIFICATION, cadre_event

from . import rules
from .models import APPROVER_DECIDES_OUTCOMES, CLARIFIED_OUTCOMES, Notice, Objection, ObjectionOutcome
from .profiles import profile_for

PUBLISH_STEP = "Task_publish"
OBJECTION_MESSAGE = "objection"


def minimum_notice_days(process_id, on=None):
    """Not less than 5 working days [default], configurable per process type (DOMAIN.md §1.3
    item 4, §6): the administrator's ``NoticeRule`` in force on ``on`` (default today)."""
    return rules.notice_rule(process_id, on).minimum_working_days


def maximum_notice_days(process_id, on=None):
    return rules.notice_rule(process_id, on).maximum_working_days


def publish_notice(user, task_ids, *, start_date=None, working_days=None, contact, title=""):
    """Complete the 发布公示 step of every selected case with one notice, and issue the notice PDF."""
    task_ids = list(dict.fromkeys(task_ids))
    if not task_ids:
        raise InvalidAction(_("请至少选择一个案件"))
    if not (contact or "").strip():
        raise InvalidAction(_("请填写受理异议的方式（电话、地址等）"))
    tasks = list(HumanTask.objects.filter(pk__in=task_ids, bpmn_id=PUBLISH_STEP).select_related("instance__definition", "unit"))
    if len(tasks) != len(task_ids):
        raise InvalidAction(_("所选任务中有的已不在“发布公示”环节，请刷新后重试"))
    if len({t.unit_id for t in tasks}) != 1:
        raise InvalidAction(_("一次公示只能包含同一发布单位的案件"))
    process_ids = {t.instance.definition.process_id for t in tasks}
    if len(process_ids) != 1:
        raise InvalidAction(_("一次公示只能包含同一类事项"))
    facts = policy.person_facts(user)  # once for every task of the batch
    for task in tasks:
        refusal = policy.act_refusal(user, task, facts=facts)
        if refusal:
            raise ActionNotAllowed(refusal)
    process_id = process_ids.pop()
    start_date = start_date or clock.today()
    if start_date < clock.today():
        raise InvalidAction(_("公示开始日期不能早于今天"))
    working_days = working_days or minimum_notice_days(process_id, start_date)
    refusal = rules.length_refusal(process_id, working_days, start_date)
    if refusal:
        raise InvalidAction(refusal)
    try:
        end_date = working_period_end(start_date, working_days)
    except CalendarYearMissing as exc:
        raise InvalidAction(str(exc)) from exc

    profile = profile_for(process_id)
    with transaction.atomic():
        notice = Notice.objects.create(
            issuer=tasks[0].unit,
            process_id=process_id,
            title=title or profile.title,
            start_date=start_date,
            working_days=working_days,
            end_date=end_date,
            contact=contact.strip(),
            created_by=user,
        )
        notice.cases.set([t.instance_id for t in tasks])
        for task in tasks:
            services.complete_task(
                user,
                task.pk,
                data={
                    "notice_id": notice.pk,
                    "notice_start": start_date.isoformat(),
                    "notice_days": working_days,
                },
            )
        notice.document = issue_notice(notice, user)
        notice.save(update_fields=["document"])
    return notice


def issue_notice(notice, user):
    with translation.override(settings.LANGUAGE_CODE):  # official documents are in Chinese
        return _issue_notice(notice, user)


def _issue_notice(notice, user):
    profile = profile_for(notice.process_id)
    candidates = [profile.row(case) for case in notice.cases.select_related("subject_cadre__unit").order_by("pk")]
    return issue_document(
        "notice",
        issuer=notice.issuer,
        template="documents/notice.html",
        user=user,
        numbered=False,
        title=notice.title,
        context=contexts.notice_context(
            issuer=notice.issuer,
            title=notice.title,
            candidates=candidates,
            period_start=notice.start_date,
            period_end=notice.end_date,
            working_days=notice.working_days,
            objections=[notice.contact],
            date=notice.start_date,
            intro=profile.intro,
            proposal_label=profile.proposal_label,
        ),
        batch=f"notice:{notice.pk}",
    )


def active_notice(instance, on=None):
    on = on or clock.today()
    return instance.notices.filter(start_date__lte=on, end_date__gte=on).order_by("-start_date").first()


# The steps of a case between its notice's publication and the notice's end (docs/processes.md).
NOTICE_STEPS = ("Task_verify", "Task_objection_decision", "Task_suspended")


def in_notice(instance):
    """Whether the case is in its notice: waiting for objections or the notice's end, or at one of
    the objection steps (DOMAIN.md §6 "anyone may object during the period")."""
    if instance.status not in (InstanceStatus.RUNNING, InstanceStatus.WAITING):
        return False
    if instance.tasks.filter(bpmn_id__in=NOTICE_STEPS).exists():
        return True
    workflow = engine.load_workflow(instance.definition, instance.state)
    return engine.waiting_message_definition(workflow, OBJECTION_MESSAGE) is not None


def objection_refusal(instance, received_on):
    """Why an objection received on ``received_on`` cannot be recorded on the case, or None
    (DOMAIN.md §6: recorded during the notice period, with its date)."""
    if instance.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED):
        return _("该案件已办结，不能登记异议")
    if received_on > clock.today():
        return _("收到日期不能晚于今天")
    latest = instance.notices.order_by("-start_date", "-pk").first()
    if latest is None:
        return _("该案件尚未进入公示期，不能登记异议")
    if received_on < latest.start_date:
        return _("收到日期（%(received)s）早于公示开始日期（%(start)s），不能作为本次公示的异议登记") % {
            "received": received_on.isoformat(),
            "start": latest.start_date.isoformat(),
        }
    if active_notice(instance, received_on) is None:
        return _("该案件不在公示期内，不能登记异议")
    if not in_notice(instance):
        return _("该案件已不在公示阶段，不能登记异议")
    return None


def record_objection(user, instance_id, *, content, contact="", received_on=None):
    """Record an objection against a case under notice; it opens a verification task.

    Refused, with nothing changed, on a case that is completed or no longer in its notice, and
    for a ``received_on`` before the notice started or after today."""
    instance = ProcessInstance.objects.get(pk=instance_id)
    received_on = received_on or clock.today()
    refusal = objection_refusal(instance, received_on)
    if refusal:
        raise InvalidAction(refusal)
    notice = active_notice(instance, received_on)
    if not any(policy.holds_role(user, role, notice.issuer) for role in (Role.PUBLICITY_OFFICER, Role.REVIEWER)):
        raise ActionNotAllowed(_("只有公示发布单位的公示经办人或审核人可以登记异议"))
    if not (content or "").strip():
        raise InvalidAction(_("请填写异议内容"))
    with transaction.atomic():
        objection = Objection.objects.create(
            instance=instance,
            notice=notice,
            content=content.strip(),
            contact=(contact or "").strip(),
            received_on=received_on,
            recorded_by=user,
        )
        # If a verification is already under way, the objection waits in the queue: the diagram
        # looks for pending objections again before it goes back to waiting for the notice to end.
        services.deliver_message(user, instance.pk, OBJECTION_MESSAGE, payload={"objection_id": objection.pk}, note=_("登记异议"))
    return objection


def malicious_refusal(outcome, malicious):
    """Seed 000 #12: only an objection found untrue or unverifiable can be a malicious false accusation."""
    if malicious and outcome not in CLARIFIED_OUTCOMES:
        return _("只有核查结论为“不属实”或“查无实据”的异议才能认定为恶意诬告")
    return None


def conclude_verification(objection, *, outcome, finding, malicious=False, route=None, cadre=None, issuer=None):
    """Record the verification of a pending objection (DOMAIN.md §6; seed 000 #12).

    Untrue or unverifiable: the clarification (澄清) is recorded and its feedback letter to the
    cadre's unit issued. Flagged as a malicious false accusation: referred to the discipline body
    of the case's area, whose holders of the discipline role are notified. Partly true / true:
    nothing is issued, the approver decides next (the diagram routes on the outcome).
    ``cadre``: whom the objection concerned when the case has several people (a secondment round)."""
    if objection.outcome != ObjectionOutcome.PENDING:
        raise ValueError(_("该异议已核查完毕"))
    if outcome not in CLARIFIED_OUTCOMES | APPROVER_DECIDES_OUTCOMES:
        raise ValueError(_("核查结论无效：%(outcome)s") % {"outcome": outcome})
    refusal = malicious_refusal(outcome, malicious)
    if refusal:
        raise ValueError(refusal)
    objection.outcome = outcome
    objection.finding = finding or ""
    objection.malicious = bool(malicious)
    objection.verified_at = clock.now()
    if outcome in CLARIFIED_OUTCOMES:
        objection.clarification = issue_clarification(objection, finding, issuer or issuer_of(route, objection.notice), cadre=cadre)
        # A talk with the cadre after a false report (seed 000 #18, DOMAIN.md §10).
        cadre_event.send(
            Objection,
            cadre=cadre or objection.instance.subject_cadre,
            reason=CLARIFICATION,
            instance=objection.instance,
            unit=objection.notice.issuer,
        )
    if objection.malicious:
        refer_to_discipline(objection, route, cadre)
    objection.save()
    return objection


def discipline_body(objection, route=None):
    """The discipline-inspection body of the case's area: the routed one, or the area's body of
    the notice's issuer (``permissions.routing.bodies``)."""
    unit_id = (route or {}).get("discipline_unit_id")
    if unit_id:
        return Unit.objects.get(pk=unit_id)
    return Unit.objects.get(pk=routing.bodies(objection.notice.issuer)["discipline_unit_id"])


def refer_to_discipline(objection, route=None, cadre=None):
    """Seed 000 #12: a malicious false accusation is flagged for the discipline body."""
    body = discipline_body(objection, route)
    cadre = cadre or objection.instance.subject_cadre
    objection.referred_to = body
    objection.referred_at = clock.now()
    text = (
        _("%(key)s：%(date)s收到的反映%(name)s同志问题的异议，经核查%(outcome)s，疑似恶意诬告，现移交你单位依规处理。")
        if cadre
        else _("%(key)s：%(date)s收到的反映%(name)s问题的异议，经核查%(outcome)s，疑似恶意诬告，现移交你单位依规处理。")
    ) % {
        "key": objection.instance.business_key,
        "date": objection.received_on.isoformat(),
        "name": cadre.name if cadre else objection.instance.subject_label,
        "outcome": ObjectionOutcome(objection.outcome).label,
    }
    notify.notify(policy.holders_of(Role.DISCIPLINE, body), text, objection.instance)
    return body


def issue_clarification(objection, finding, issuer=None, cadre=None):
    """澄清反馈函 (seed 000 #12): written feedback to the cadre's unit after an objection found
    untrue or unverifiable.

    ``cadre``: whom the objection concerned, when the case has several people (a secondment round)."""
    cadre = cadre or objection.instance.subject_cadre
    issuer = issuer or objection.notice.issuer
    # A case without a subject cadre names a collective (DOMAIN.md §1.1): feedback to its nominating unit.
    name = cadre.name if cadre else objection.instance.subject_label
    context = contexts.clarification_letter_context(
        issuer=issuer,
        recipient=cadre.unit.name if cadre else objection.instance.nominating_unit.name,
        cadre_name=name,
        received_on=objection.received_on,
        summary=objection.content,
        findings=finding,
        date=clock.today(),
        collective=cadre is None,
    )
    return issue_document(
        "clarification_letter",
        issuer=issuer,
        template="documents/clarification_letter.html",
        instance=objection.instance,
        title=context["title"],
        context=context,
    )


def issuer_of(route, notice):
    """The unit that signs a process's letters: the routed issuer if the process has one."""
    unit_id = (route or {}).get("issuer_unit_id")
    return Unit.objects.get(pk=unit_id) if unit_id else notice.issuer


def pending_objection_extra(case, task, record):
    """What the 异议核查 step shows: the objection under verification."""
    return {"objection": Objection.objects.filter(instance=case, outcome="pending").first()}
