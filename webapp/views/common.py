"""Shared pieces of the page views: rendering a step's form from the registry."""

import json

from django import forms
from django.forms.utils import ErrorDict, ErrorList
from django.utils.translation import gettext as _

from workflows.forms import form_class_for

RADIO_MAX_CHOICES = 4


def build_task_form(process_id, bpmn_id, *, data=None, instance=None, task=None, user=None, task_data=None, action=None, errors=None):
    """The step's registered form, bound to ``data`` (a POST) or pre-filled from the task data.

    ``errors`` (field → messages, from ``FormInvalid``) are shown as they are: the service
    validated the submission; the page only displays what it said.
    """
    form_class = form_class_for(process_id, bpmn_id)
    task_data = task_data or {}
    kwargs = dict(instance=instance, task=task, user=user, task_data=task_data, action=action)
    if data is None:
        probe = form_class(None, **kwargs)
        initial = {name: task_data[name] for name in probe.fields if name in task_data and name != "opinion"}
        form = form_class(None, initial=initial, **kwargs)
    else:
        # A QueryDict keeps its lists (multiple choices); dict() would turn every value into one.
        data = data.copy() if hasattr(data, "getlist") else dict(data)
        for name, field in form_class(None, **kwargs).fields.items():
            if isinstance(field, forms.JSONField) and name in data and not isinstance(data[name], str):
                data[name] = json.dumps(data[name])  # a bound JSON field re-reads its text
        form = form_class(data, **kwargs)
    for field in form.fields.values():
        if isinstance(field, forms.DateField) and type(field.widget) is forms.DateInput:
            field.widget = forms.DateInput(attrs={**field.widget.attrs, "type": "date"}, format="%Y-%m-%d")
        # Short choice lists read better as radio buttons (one click, all options visible).
        if (
            isinstance(field, forms.ChoiceField)
            and not isinstance(field, forms.MultipleChoiceField)
            and type(field.widget) is forms.Select
            and 0 < len(field.choices) <= RADIO_MAX_CHOICES
        ):
            field.widget = forms.RadioSelect(choices=field.choices)
    if errors is not None:
        form._errors = ErrorDict({name: ErrorList(messages) for name, messages in errors.items()})
        form.cleaned_data = {}
    return form


def submitted_fields(form, post):
    """The step's field values from a POST (the opinion and the action are passed separately)."""
    data = {}
    for name, field in form.fields.items():
        if name == "opinion":
            continue
        if isinstance(field, forms.MultipleChoiceField):
            if name in post:
                data[name] = post.getlist(name)
        elif name in post:
            data[name] = post.get(name)
    return data


def action_buttons(form, task=None, diagram_names=None):
    """The buttons of a step: one per action the form declares, the primary one first."""
    buttons = []
    for action in form.actions:
        label = str(action.label)
        if action.kind == "return" and task is not None and task.return_targets():
            target = task.return_targets()[0]
            label = _("退回至“%(step)s”") % {"step": (diagram_names or {}).get(target, target)}
        buttons.append(
            {
                "code": action.code,
                "label": label,
                "primary": action.primary,
                "danger": action.kind == "return" or action.code in ("reject", "cancel", "terminate"),
                "opinion_required": action.opinion_required,
            }
        )
    buttons.sort(key=lambda b: not b["primary"])
    return buttons


def visible_fields(form):
    return [form[name] for name in form.fields if name != "opinion" and not isinstance(form.fields[name].widget, forms.HiddenInput)]


def hidden_fields(form):
    return [form[name] for name in form.fields if isinstance(form.fields[name].widget, forms.HiddenInput)]
