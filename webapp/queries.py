"""Read-only helpers for the pages: what a person may see, task data, summaries.

Every object a page shows is looked up through the policy's filters
(``permissions.policy``); an object outside them is a 404, never a leak.
State changes never happen here: they go through ``workflows.services``.
"""
import datetime

from django import forms
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from permissions import policy
from permissions.models import Grant, Unit
from permissions.roles import Role
from records.models import Cadre
from workflows import clock, engine
from workflows.forms import form_class_for
from workflows.models import HistoryAction, HumanTask, InstanceStatus, ProcessDefinition, ProcessInstance

# Roles whose holders keep the cadre records of their units (the Excel import page).
RECORDS_IMPORT_ROLES = (Role.NOMINATOR, Role.REVIEWER, Role.ADMIN)
# Roles that work the public-notice desk (publish; record objections: awards.notices).
NOTICE_ROLES = (Role.PUBLICITY_OFFICER, Role.REVIEWER)
# Hidden bookkeeping fields of task forms that the timeline does not show.
HIDDEN_FIELDS = {"notice_id", "objection_id", "attachments", "decision", "to"}


# --------------------------------------------------------------------------- visibility

def visible_cases(user):
    return ProcessInstance.objects.visible_to(user)


def visible_cadres(user):
    qs = Cadre.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(policy.visible_cadres_filter(user))


def case_or_404(user, pk):
    case = (visible_cases(user).select_related("definition", "subject_cadre__unit", "nominating_unit", "started_by")
            .filter(pk=pk).first())
    if case is None:
        raise Http404(_("没有找到该案件，或您无权查看"))
    return case


def cadre_or_404(user, pk):
    cadre = visible_cadres(user).select_related("unit").filter(pk=pk).first()
    if cadre is None:
        raise Http404(_("没有找到该干部，或您无权查看"))
    return cadre


def inbox(user):
    return HumanTask.objects.inbox_for(user)


def has_any_role(user, roles):
    return user.is_authenticated and Grant.objects.filter(user=user, role__in=list(roles)).exists()


def units_with_any_role(user, roles):
    q = Unit.objects.none()
    for role in roles:
        q = q | policy.units_with_role(user, role)
    return q.distinct()


def startable_definitions(user):
    """The latest version of each process whose start role the user holds somewhere."""
    roles = set(Grant.objects.filter(user=user).values_list("role", flat=True))
    latest = {}
    for definition in ProcessDefinition.objects.order_by("process_id", "-version").defer("spec_json", "source_files"):
        latest.setdefault(definition.process_id, definition)
    return [d for d in latest.values() if d.start_role in roles]


def process_choices():
    names = {}
    for process_id, name in ProcessDefinition.objects.order_by("process_id", "-version").values_list("process_id", "name"):
        names.setdefault(process_id, name)
    return sorted(names.items(), key=lambda item: item[1])


# --------------------------------------------------------------------------- engine data

def task_data(case, task):
    """The data the engine holds for this ready task (what its form is pre-filled from)."""
    try:
        workflow = engine.load_workflow(case.definition, case.state)
    except Exception:  # noqa: BLE001 - show the page without pre-filled data rather than fail
        return {}
    spiff_task = workflow.get_task_from_id(task.task_uuid)
    return dict(spiff_task.data) if spiff_task is not None else {}


def start_event_id(definition):
    """The BPMN id of the process's start event."""
    from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

    found = engine.first_spec(definition, lambda spec: isinstance(spec, StartEvent))
    return found.bpmn_id if found else None


def start_form_class(definition):
    """The form registered for the start event (the case's start data, e.g. a selection plan), or None.

    Such a process starts from that form alone, without a subject cadre; the others start with a
    cadre and the form of their first user task."""
    from workflows import process_types

    process_type = process_types.get(definition.process_id)
    start_id = start_event_id(definition)
    if process_type is None or start_id not in process_type.forms:
        return None
    return start_id, process_type.forms[start_id]


def first_user_task(definition):
    """The BPMN id of the user task the start event leads to (the start form's step), or None."""
    from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

    found = engine.first_spec(definition, lambda spec: isinstance(spec, UserTask))
    return found.bpmn_id if found else None


# --------------------------------------------------------------------------- presenting fields

# Hidden inputs of a step that still say something to a reader: shown by name, not as ids.
NAMED_HIDDEN_FIELDS = {"attachments"}


def _ids(value):
    """The ids in a value (one id or a list of them), as ints; None when it holds anything else."""
    values = value if isinstance(value, (list, tuple)) else [value]
    if not all((isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and v.isdigit()) for v in values):
        return None
    return [int(v) for v in values]


def _award_names(ids, instance):
    from records.models import Award

    awards = Award.objects.filter(pk__in=ids)
    if instance is not None and instance.subject_cadre_id:
        awards = awards.filter(cadre_id=instance.subject_cadre_id)
    return {
        a.pk: " ".join(part for part in (a.get_kind_display(), a.decision_number, date_format(a.awarded_on, "DATE_FORMAT")) if part)
        for a in awards
    }


def _attachment_names(ids, instance):
    from workflows.models import Attachment

    attachments = Attachment.objects.filter(pk__in=ids)
    if instance is not None:
        attachments = attachments.filter(instance_id=instance.pk)
    return dict(attachments.values_list("pk", "file_name"))


def _cadre_names(ids, instance):
    return dict(Cadre.objects.filter(pk__in=ids).values_list("pk", "name"))


def _unit_names(ids, instance):
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))


def _candidate_names(ids, instance):
    from secondments.models import Candidate

    candidates = Candidate.objects.filter(pk__in=ids)
    if instance is not None:
        candidates = candidates.filter(round__instance_id=instance.pk)
    return dict(candidates.values_list("pk", "cadre__name"))


# Fields whose values are ids of records (their choices exist only on a bound form, or not at
# all): each is shown by the records' names.
ID_FIELDS = {
    "award_id": _award_names,  # 撤销奖励: the award to revoke
    "attachments": _attachment_names,  # 附件: the case's files
    "candidate_ids": _cadre_names,  # 挂职 nomination: cadres of the unit
    "invited_unit_ids": _unit_names,  # 挂职 plan: the invited units
    "objection_candidate_id": _candidate_names,  # 挂职 objection: the candidacy it concerns
}


def _positions_text(value):
    """挂职单位和岗位 of a round's plan: "单位 岗位（n名）；…"."""
    if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
        return None
    # As the selection form offers the positions (secondments.forms.SelectionForm).
    return "；".join(
        f"{p.get('host_unit_name') or p.get('host_unit_code') or p.get('host_unit') or ''} {p.get('title', '')}（{p.get('places', 1)}名）"
        for p in value
    )


# Fields holding structured values (lists of records) and how they read.
STRUCTURED_FIELDS = {"positions": _positions_text}


def _date_text(value):
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return date_format(value, "DATE_FORMAT") if isinstance(value, datetime.date) else value


def _display(field, value, name=None, instance=None):
    """A task-data value as a reader should see it, through the step form's field: choice labels
    (a multiple choice joined with “、”), the names of the records an id field refers to, 是/否,
    formatted dates; a plain text as it is. ``instance`` (the case) scopes the record look-ups."""
    if value in (None, "", [], {}):
        return "—"
    if name in ID_FIELDS:
        ids = _ids(value)
        if ids is not None:
            names = ID_FIELDS[name](ids, instance)
            return "、".join(str(names.get(i) or f"#{i}") for i in ids)  # "#id": a record no longer there
    if name in STRUCTURED_FIELDS:
        text = STRUCTURED_FIELDS[name](value)
        if text is not None:
            return text
    if isinstance(field, forms.BooleanField):
        return _("是") if value else _("否")
    choices = getattr(field, "choices", None)
    if choices and not isinstance(field.widget, forms.HiddenInput):
        labels = {str(k): v for k, v in choices}
        if isinstance(value, (list, tuple)):
            return "、".join(str(labels.get(str(v), v)) for v in value)
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(field, forms.DateField):
        return _date_text(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return "、".join(str(v) for v in value)
    return value if isinstance(value, str) else str(value)


def field_rows(process_id, bpmn_id, values, *, instance=None):
    """[{field, label, value, display}] of a step's submitted fields, in the form's order, labelled
    as on the form: ``value`` is the recorded value, ``display`` what a reader sees."""
    form_class = form_class_for(process_id, bpmn_id)
    rows = []
    for name, field in form_class.base_fields.items():
        if name == "opinion" or name not in values:
            continue
        if name in NAMED_HIDDEN_FIELDS:
            if values[name] in (None, "", []):
                continue  # no file: nothing to say
        elif name in HIDDEN_FIELDS or isinstance(field.widget, forms.HiddenInput):
            continue
        rows.append(
            {
                "field": name,
                "label": str(field.label or name),
                "value": values[name],
                "display": _display(field, values[name], name, instance),
            }
        )
    return rows


def describe_fields(process_id, bpmn_id, values, *, instance=None):
    """[(label, value)] of a step's submitted fields, in the form's order, labelled as on the form."""
    return [(row["label"], row["display"]) for row in field_rows(process_id, bpmn_id, values, instance=instance)]


def action_label(process_id, bpmn_id, code):
    """The label of an action code (同意/退回 …) of a step, for the timeline."""
    from workflows.forms import APPROVE, REJECT, RETURN, SUBMIT

    form_class = form_class_for(process_id, bpmn_id)
    for action in [*getattr(form_class, "actions", []), APPROVE, RETURN, REJECT, SUBMIT]:
        if action.code == code:
            return str(action.label)
    return code or ""


def event_step(case, event):
    """The step whose form an event's fields came from: its task, or for the start the start
    event's form (a round's plan) or else the first user task (a nomination started with data)."""
    if event.task_bpmn_id:
        return event.task_bpmn_id
    if event.action != HistoryAction.START or not event.changed_fields:
        return ""
    start_form = start_form_class(case.definition)
    return start_form[0] if start_form else first_user_task(case.definition)


def describe_event(case, event):
    """(field rows, decision label) of a history event, labelled through its step's form."""
    process_id = case.definition.process_id
    fields = event.changed_fields if isinstance(event.changed_fields, dict) else {}
    if event.action == HistoryAction.RETURN:
        from workflows.forms import RETURN

        return [], str(RETURN.label)
    if event.action not in (HistoryAction.COMPLETE, HistoryAction.START):
        return [], ""
    step = event_step(case, event)
    if not step:
        return [], ""
    rows = field_rows(process_id, step, fields, instance=case)
    decision = action_label(process_id, step, fields["decision"]) if fields.get("decision") else ""
    return rows, decision


def timeline(case):
    """The history of a case, with each step's submitted fields labelled."""
    events = list(case.history.select_related("actor").order_by("at", "id"))
    rows = []
    for event in events:
        fields, decision = describe_event(case, event)
        if event.action == HistoryAction.RETURN:
            decision = ""  # the event itself reads 退回
        rows.append(
            {
                "event": event,
                "fields": [(f["label"], f["display"]) for f in fields],
                "decision": decision,
                "actor": (event.actor.get_full_name() or event.actor.get_username()) if event.actor else _("系统"),
            }
        )
    return rows


# --------------------------------------------------------------------------- cadre summary

def cadre_summary(cadre, on=None):
    """What an approver needs to see about the subject cadre (DOMAIN.md §1.4, §2, §3)."""
    on = on or clock.today()
    sanctions = list(cadre.sanctions.all())
    return {
        "cadre": cadre,
        "age": cadre.age_on(on),
        "assessments": list(cadre.assessments.order_by("-year")[:5]),
        "sanctions": [{"sanction": s, "in_effect": s.in_effect_on(on)} for s in sanctions],
        "investigations": list(cadre.investigations.all()),
        "awards": list(cadre.awards.select_related("approving_unit").all()),
    }


def case_where(case, tasks=None):
    """Where a case stands, in words: its open steps, or its outcome."""
    if case.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED):
        return case.outcome_label or case.get_status_display()
    if case.status == InstanceStatus.ERROR:
        return _("异常，待管理员处理")
    tasks = tasks if tasks is not None else list(case.tasks.all())
    if tasks:
        return "、".join(f"{t.name}（{t.unit.short_name or t.unit.name}）" for t in tasks)
    if case.next_timer_due:
        return _("等待至%(when)s") % {"when": date_format(timezone.localtime(case.next_timer_due), "DATETIME_FORMAT")}
    return case.get_status_display()


def has_notice_desk(process_id):
    """Whether a process publishes its cases on the notice desk (it registered a notice profile)."""
    from notices.profiles import profile_for

    try:
        profile_for(process_id)
    except LookupError:
        return False
    return True


def notice_units(user):
    return units_with_any_role(user, NOTICE_ROLES)


def q_search(text, *, key="business_key", cadre="subject_cadre__name"):
    text = (text or "").strip()
    if not text:
        return Q()
    return Q(**{f"{key}__icontains": text}) | Q(**{f"{cadre}__icontains": text})
