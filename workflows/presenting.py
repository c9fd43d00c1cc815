"""How a step's submitted fields read, for the case page, the task pages and the API alike.

Through the step form's field definitions: choice labels (a multiple choice joined with “、”),
是/否, formatted dates, and for fields whose values are ids of records the records' names. The
generic id fields (the case's attachments) are named here; a process type names its own
(``ProcessType.field_names``, e.g. the award a revocation concerns) and its structured values
(``ProcessType.field_texts``, e.g. a round's positions).
"""

import datetime

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import engine, process_types
from .forms import APPROVE, REJECT, RETURN, SUBMIT, form_class_for
from .models import Attachment, HistoryAction

# Bookkeeping fields of the task forms that a reader is not shown.
HIDDEN_FIELDS = {"notice_id", "objection_id", "decision", "to"}
# Hidden inputs of a step that still say something to a reader: shown by name, not as ids.
NAMED_HIDDEN_FIELDS = {"attachments"}


def _attachment_names(ids, instance):
    attachments = Attachment.objects.filter(pk__in=ids)
    if instance is not None:
        attachments = attachments.filter(instance_id=instance.pk)
    return dict(attachments.values_list("pk", "file_name"))


GENERIC_FIELD_NAMES = {"attachments": _attachment_names}


# What a case's subject and their listed relatives may not read of it (issue 13 item 5): the
# discipline body's integrity opinion, and the objections — what was reported, how it was
# verified and decided (recusal, DOMAIN.md §9, keeps them from acting; this keeps them from reading).
SUBJECT_RESTRICTED_STEPS = frozenset({"Task_integrity", "Task_verify", "Task_objection_decision"})


def restricted_for(user, instance):
    """True when ``user`` is the case's subject or a listed relative of them. Kept on the user
    object for the request: a case page asks for its history, its progress and its objections."""
    from permissions import policy

    known = user.__dict__.setdefault("_restricted_cases", {})
    if instance.pk not in known:
        # The relatives as this request's visibility query read them, else read here.
        known[instance.pk] = policy.recusal_reason(user, instance, facts=policy.facts_seen(user)) is not None
    return known[instance.pk]


def readable_history(events, user, instance):
    """The history events ``user`` may read: all, except for the subject, without the restricted
    steps and the objection messages."""
    if not restricted_for(user, instance):
        return list(events)
    return [e for e in events if e.task_bpmn_id not in SUBJECT_RESTRICTED_STEPS and e.action != HistoryAction.MESSAGE]


def cadre_names(ids, case):
    """For ``ProcessType.field_names``: a field holding cadre ids, read as their names."""
    from records.models import Cadre

    return dict(Cadre.objects.filter(pk__in=ids).values_list("pk", "name"))


def unit_names(ids, case):
    """For ``ProcessType.field_names``: a field holding unit ids, read as their names."""
    from permissions.models import Unit

    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))


def ids_in(value):
    """The ids in a value (one id or a list of them), as ints; None when it holds anything else."""
    values = value if isinstance(value, list | tuple) else [value]
    if not all((isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and v.isdigit()) for v in values):
        return None
    return [int(v) for v in values]


def date_text(value):
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return date_format(value, "DATE_FORMAT") if isinstance(value, datetime.date) else value


def display(field, value, name=None, instance=None, process_type=None):
    """A recorded value as a reader should see it; ``instance`` (the case) scopes record look-ups."""
    if value in (None, "", [], {}):
        return "—"
    names_of = (process_type.field_names.get(name) if process_type else None) or GENERIC_FIELD_NAMES.get(name)
    if names_of is not None:
        ids = ids_in(value)
        if ids is not None:
            names = names_of(ids, instance)
            return "、".join(str(names.get(i) or f"#{i}") for i in ids)  # "#id": a record no longer there
    text_of = process_type.field_texts.get(name) if process_type else None
    if text_of is not None:
        text = text_of(value)
        if text is not None:
            return text
    if isinstance(field, forms.BooleanField):
        return str(_("是") if value else _("否"))
    choices = getattr(field, "choices", None)
    if choices and not isinstance(field.widget, forms.HiddenInput):
        labels = {str(k): v for k, v in choices}
        if isinstance(value, list | tuple):
            return "、".join(str(labels.get(str(v), v)) for v in value)
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(field, forms.DateField):
        return date_text(value)
    if isinstance(value, list | tuple) and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
        return "、".join(str(v) for v in value)
    return value if isinstance(value, str) else str(value)


def field_rows(process_id, bpmn_id, values, *, instance=None):
    """[{field, label, value, display}] of a step's submitted fields, in the form's order, labelled
    as on the form: ``value`` is the recorded value, ``display`` what a reader sees."""
    form_class = form_class_for(process_id, bpmn_id)
    process_type = process_types.get(process_id)
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
                "display": display(field, values[name], name, instance, process_type),
            }
        )
    return rows


def action_label(process_id, bpmn_id, code):
    """The label of an action code (同意/退回 …) of a step."""
    form_class = form_class_for(process_id, bpmn_id)
    for action in [*getattr(form_class, "actions", []), APPROVE, RETURN, REJECT, SUBMIT]:
        if action.code == code:
            return str(action.label)
    return code or ""


def start_event_id(definition):
    """The BPMN id of the process's start event."""
    from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

    found = engine.first_spec(definition, lambda spec: isinstance(spec, StartEvent))
    return found.bpmn_id if found else None


def start_form_class(definition):
    """(start event id, form) when the process type binds a form to its start event (the case's
    start data, e.g. a secondment round's plan), else None: such a process starts from that form
    alone, without a subject cadre; the others start with a cadre and their first user task."""
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
    if event.action == HistoryAction.RETURN:
        return [], str(RETURN.label)
    if event.action not in (HistoryAction.COMPLETE, HistoryAction.START):
        return [], ""
    step = event_step(case, event)
    if not step:
        return [], ""
    fields = event.changed_fields if isinstance(event.changed_fields, dict) else {}
    process_id = case.definition.process_id
    rows = field_rows(process_id, step, fields, instance=case)
    decision = action_label(process_id, step, fields["decision"]) if fields.get("decision") else ""
    return rows, decision
