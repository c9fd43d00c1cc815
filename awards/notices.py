"""The public-notice desk: publish several reviewed cases in one notice, record objections
(DOMAIN.md §1.3 step 4, §6, §7)."""
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from permissions import policy
from permissions.roles import Role
from workdays.calendar import CalendarYearMissing, working_period_end
from workflows import clock, services
from workflows.errors import ActionNotAllowed, InvalidAction
from workflows.models import HumanTask, ProcessInstance

from . import issuing
from .models import Notice, Objection

PUBLISH_STEP = "Task_publish"


def minimum_notice_days(process_id):
    """Not less than 5 working days [default], configurable per process type (DOMAIN.md §1.3, §6)."""
    return getattr(settings, "MERITFLOW_NOTICE_DAYS", {}).get(process_id, 5)


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
    issuers = {t.unit_id for t in tasks}
    if len(issuers) != 1:
        raise InvalidAction(_("一次公示只能包含同一发布单位的案件"))
    for task in tasks:
        refusal = policy.act_refusal(user, task)
        if refusal:
            raise ActionNotAllowed(refusal)
    process_id = tasks[0].instance.definition.process_id
    working_days = working_days or minimum_notice_days(process_id)
    if working_days < minimum_notice_days(process_id):
        raise InvalidAction(_("公示期不得少于%(n)s个工作日") % {"n": minimum_notice_days(process_id)})
    start_date = start_date or clock.today()
    if start_date < clock.today():
        raise InvalidAction(_("公示开始日期不能早于今天"))
    try:
        end_date = working_period_end(start_date, working_days)
    except CalendarYearMissing as exc:
        raise InvalidAction(str(exc)) from exc

    with transaction.atomic():
        notice = Notice.objects.create(
            issuer=tasks[0].unit, title=title or _("关于拟奖励人员的公示"), start_date=start_date,
            working_days=working_days, end_date=end_date, contact=contact.strip(), created_by=user,
        )
        for task in tasks:
            services.complete_task(user, task.pk, data={
                "notice_id": notice.pk, "notice_start": start_date.isoformat(), "notice_days": working_days,
            })
        notice.cases.set([t.instance_id for t in tasks])
        notice.document = issuing.issue_notice(notice, user)
        notice.save(update_fields=["document"])
    return notice


def active_notice(instance, on=None):
    on = on or clock.today()
    return instance.notices.filter(start_date__lte=on, end_date__gte=on).order_by("-start_date").first()


def record_objection(user, instance_id, *, content, contact="", received_on=None):
    """Record an objection against a case under notice; it opens a verification task."""
    instance = ProcessInstance.objects.get(pk=instance_id)
    received_on = received_on or clock.today()
    notice = active_notice(instance, received_on)
    if notice is None:
        raise InvalidAction(_("该案件不在公示期内，不能登记异议"))
    if not any(policy.holds_role(user, role, notice.issuer) for role in (Role.PUBLICITY_OFFICER, Role.REVIEWER)):
        raise ActionNotAllowed(_("只有公示发布单位的公示经办人或审核人可以登记异议"))
    if not (content or "").strip():
        raise InvalidAction(_("请填写异议内容"))
    with transaction.atomic():
        objection = Objection.objects.create(instance=instance, notice=notice, content=content.strip(),
                                             contact=contact.strip(), received_on=received_on, recorded_by=user)
        # If a verification is already under way, the objection waits in the queue: the diagram
        # looks for pending objections again before it goes back to waiting for the notice to end.
        services.deliver_message(user, instance.pk, "objection", payload={"objection_id": objection.pk},
                                 note=_("登记异议"))
    return objection

