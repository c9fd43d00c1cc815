"""Task forms as JSON Schema, and a strict type check of JSON values before a form sees them.

A step's form (``workflows.forms``) is a Django form; an API client needs to know which fields
it expects, of which JSON type, with which limits. ``form_schema`` describes a bound-less form
instance as a JSON Schema object. ``type_errors`` checks submitted JSON values against the same
description, so that e.g. a number sent for a date is a 400 with a field error rather than an
exception deep inside Django's form field.
"""

from django import forms
from django.utils.translation import gettext as _

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _text(value):
    return str(value) if value not in (None, "") else ""


def _choices(field):
    choices = getattr(field, "choices", None)
    if choices is None and isinstance(field.widget, forms.Select):
        choices = field.widget.choices
    result = []
    for value, label in choices or ():
        if isinstance(label, (list, tuple)):  # option groups
            result.extend(label)
        elif value not in ("", None):
            result.append((value, label))
    return result


def _json_type(field):
    """The JSON type a field takes: boolean, integer, number, string, array or None (any)."""
    if isinstance(field, forms.JSONField):
        return None
    if isinstance(field, (forms.BooleanField, forms.NullBooleanField)):
        return "boolean"
    if isinstance(field, forms.IntegerField):
        return "integer"
    if isinstance(field, (forms.FloatField, forms.DecimalField)):
        return "number"
    if isinstance(field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)):
        return "array"
    if isinstance(field, forms.ModelChoiceField):
        return "integer"
    return "string"


def field_schema(name, field, initial=None):
    kind = _json_type(field)
    schema = {} if kind is None else {"type": kind}
    schema["title"] = _text(field.label) or name
    if field.help_text:
        schema["description"] = _text(field.help_text)
    if isinstance(field, forms.DateTimeField):
        schema["format"] = "date-time"
    elif isinstance(field, forms.DateField):
        schema["format"] = "date"
    elif isinstance(field, forms.TimeField):
        schema["format"] = "time"
    elif isinstance(field, forms.EmailField):
        schema["format"] = "email"
    elif isinstance(field, forms.URLField):
        schema["format"] = "uri"
    if kind == "string" and not isinstance(field, forms.ChoiceField):
        if getattr(field, "max_length", None) is not None:
            schema["maxLength"] = field.max_length
        if getattr(field, "min_length", None) is not None:
            schema["minLength"] = field.min_length
    if kind in ("integer", "number"):
        low, high = getattr(field, "min_value", None), getattr(field, "max_value", None)
        schema["minimum"] = low if low is not None else (INT64_MIN if kind == "integer" else None)
        schema["maximum"] = high if high is not None else (INT64_MAX if kind == "integer" else None)
        schema = {k: v for k, v in schema.items() if v is not None}
    choices = _choices(field) if isinstance(field, forms.ChoiceField) or isinstance(field.widget, forms.Select) else []
    if choices and not isinstance(field, forms.ModelChoiceField):
        values = [value if kind == "integer" else str(value) for value, _label in choices]
        labels = {str(value): _text(label) for value, label in choices}
        if kind == "array":
            schema["items"] = {"type": "string", "enum": values}
        else:
            schema["enum"] = values
        schema["x-enum-labels"] = labels
    if isinstance(field.widget, forms.HiddenInput):
        schema["x-hidden"] = True
    if initial is not None and not callable(initial):
        schema["default"] = _plain(initial)
    if not field.required and kind is not None:
        schema["type"] = [kind, "null"]
    return schema


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def form_schema(form, *, exclude=()):
    """JSON Schema (an object) of a form instance's fields."""
    properties, required = {}, []
    for name, field in form.fields.items():
        if name in exclude:
            continue
        initial = form.initial.get(name, field.initial)
        properties[name] = field_schema(name, field, initial() if callable(initial) else initial)
        if field.required:
            required.append(name)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "additionalProperties": accepts_extra_fields(form),
    }
    if required:
        schema["required"] = required
    return schema


def accepts_extra_fields(form):
    """No step accepts a field its form does not declare (the service door refuses them)."""
    return False


# --------------------------------------------------------------------------- checking values


def _bounded(value):
    """No integer anywhere in a JSON value beyond 64 bits (databases cannot compare with them)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return INT64_MIN <= value <= INT64_MAX
    if isinstance(value, float):
        return value == value and abs(value) != float("inf")
    if isinstance(value, (list, tuple)):
        return all(_bounded(v) for v in value)
    if isinstance(value, dict):
        return all(_bounded(v) for v in value.values())
    return True


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _type_error(field, kind, value):
    # A choice's value may come as a number too (choices are often ids): the form compares text.
    choice = isinstance(field, forms.ChoiceField)
    if kind == "boolean":
        return None if isinstance(value, bool) else _("请填写布尔值（true 或 false）")
    if kind == "integer":
        return None if _is_int(value) else _("请填写整数")
    if kind == "number":
        return None if _is_int(value) or isinstance(value, (float, str)) else _("请填写数字")
    if kind == "array":
        ok = isinstance(value, list) and all(isinstance(v, str) or (choice and _is_int(v)) for v in value)
        return None if ok else _("请填写字符串数组")
    if kind == "string":
        return None if isinstance(value, str) or (choice and _is_int(value)) else _("请填写字符串")
    return None


def type_errors(form_class_fields, values, *, extra_allowed):
    """{field: [message]} for values of the wrong JSON type, unknown fields, or numbers out of range."""
    errors = {}
    for name, value in values.items():
        field = form_class_fields.get(name)
        if field is None:
            if not extra_allowed:
                errors[name] = [_("此环节没有该字段")]
            elif not _bounded(value):
                errors[name] = [_("数值超出范围")]
            continue
        if value is None:
            continue  # the form reports a missing required value in its own words
        message = _type_error(field, _json_type(field), value)
        if message is None and not _bounded(value):
            message = _("数值超出范围")
        if message:
            errors[name] = [message]
    return errors
