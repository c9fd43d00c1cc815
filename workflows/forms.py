"""Task forms: what each human step asks for, validated in one place for pages, API and tests.

A form is a Django form that a process type (``workflows.process_types``) binds to a BPMN
step. It declares the actions the step offers (同意 / 退回 / 不同意 …); ``complete_task``
validates the submitted data with it before the engine sees anything, so an invalid submit
changes nothing. A step a process type declares generic takes an opinion only; a step it does
not declare at all is an error (``UnboundStep``), never a form that accepts anything.
"""

import datetime
import decimal
import json
import re

from django import forms
from django.utils.translation import gettext_lazy as _


class Action:
    """An action a step offers. ``kind`` says what the service does with it:
    ``complete`` (the default), ``return`` (退回 to ``return_to``) or ``reject``/``complete``
    variants that the diagram routes on through the ``decision`` variable."""

    def __init__(self, code, label, *, kind="complete", opinion_required=False, primary=False):
        self.code, self.label, self.kind = code, label, kind
        self.opinion_required = opinion_required or kind == "return"
        self.primary = primary


# Characters no text column can hold: NUL (PostgreSQL refuses it) and a lone surrogate (UTF-8
# cannot encode one). Refused or removed wherever text comes in (issue 13 "Bad input").
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")

APPROVE = Action("approve", _("同意"), primary=True)
RETURN = Action("return", _("退回"), kind="return")
REJECT = Action("reject", _("不同意"), opinion_required=True)
SUBMIT = Action("submit", _("提交"), primary=True)


class TaskForm(forms.Form):
    """Base of every task form. Subclasses add fields and may override ``actions``.

    The form receives the case (``instance``), the human task, the acting user and the
    task data visible at this step (``task_data``) so that ``clean`` can check rules that
    need them (e.g. a quota).
    """

    actions = [SUBMIT]
    opinion = forms.CharField(label=_("意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, data=None, *, instance=None, task=None, user=None, task_data=None, action=None, **kwargs):
        self.instance, self.task, self.user = instance, task, user
        self.task_data = task_data or {}
        self.action_code = action
        super().__init__(data, **kwargs)
        chosen = self.get_action()
        if chosen is not None and chosen.kind == "return":
            # 退回 only needs the reason, not this step's own fields.
            for name, field in self.fields.items():
                if name != "opinion":
                    field.required = False

    def get_action(self):
        """The chosen action; without one, the step's primary action."""
        if self.action_code in (None, ""):
            return next((a for a in self.actions if a.primary), self.actions[0])
        return {a.code: a for a in self.actions}.get(self.action_code)

    def clean(self):
        cleaned = super().clean()
        action = self.get_action()
        if action is None:
            raise forms.ValidationError(
                _("请选择一个有效的操作：%(actions)s") % {"actions": "、".join(str(a.label) for a in self.actions)}, code="invalid_action"
            )
        if action.opinion_required and not (cleaned.get("opinion") or "").strip():
            self.add_error(
                "opinion", forms.ValidationError(_("“%(action)s”必须填写意见") % {"action": action.label}, code="opinion_required")
            )
        return cleaned

    def task_payload(self):
        """The cleaned fields as JSON-friendly task data (without the opinion)."""
        return {name: _plain(value) for name, value in self.cleaned_data.items() if name != "opinion"}


class OpinionForm(TaskForm):
    """An approval step: an opinion and 同意 / 退回 / 不同意."""

    actions = [APPROVE, RETURN, REJECT]


class GenericForm(TaskForm):
    """A step that asks for an opinion only: 提交 (and 退回 where the diagram allows it).

    It declares no other field, and none is accepted (``complete_task`` refuses undeclared ones).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.task is not None and self.task.return_targets():
            self.actions = [SUBMIT, RETURN]


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def form_class_for(process_id, bpmn_id):
    """The form bound to a step. A process without a process type (an ad-hoc diagram) gets the
    generic form on every step; a typed process must declare each of its steps."""
    from . import process_types

    process_type = process_types.get(process_id)
    return process_type.form_for(bpmn_id) if process_type is not None else GenericForm


def undeclared_fields(form, data):
    """Keys of submitted ``data`` that the step's form does not declare (refused by the door)."""
    return sorted(set(data) - set(form.fields) - {"action", "csrfmiddlewaretoken"})


class RowsField(forms.Field):
    """A field of rows (a plan's or a list's entries): through the API a JSON list of objects, in
    the page's textarea one line per row (``parse_line``), or a JSON array typed there."""

    invalid_json = _("无法读取：JSON 格式有误")

    def parse_line(self, line):
        raise NotImplementedError

    def to_python(self, value):
        if value in (None, ""):
            return []
        if isinstance(value, list | tuple):
            return [dict(v) if isinstance(v, dict) else v for v in value]
        text = str(value).strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                raise forms.ValidationError(self.invalid_json, code="invalid") from None
            return parsed if isinstance(parsed, list) else [parsed]
        return [self.parse_line(line) for line in text.splitlines() if line.strip()]
