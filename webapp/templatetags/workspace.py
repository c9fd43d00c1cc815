"""Template helpers of the workspace: the navigation state, form fields, status badges."""

from django import forms, template
from django.utils import timezone

from permissions import policy
from permissions.roles import Role
from workflows.models import InstanceStatus, Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def workspace_nav(context):
    """What the top bar shows for the signed-in user (computed once per request)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_workspace_nav", None)
    if cached is not None:
        return cached
    from webapp import queries

    seen = policy.facts_seen(user)  # read by this request's inbox or visibility query, if any
    roles = {role for role, *_rest in seen.grants} if seen is not None else set(user.grants.values_list("role", flat=True))
    nav = {
        "unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "can_start": bool(queries.startable_definitions(user, roles, queries.latest_definitions(request))),
        "notice_desk": bool(roles & {Role.PUBLICITY_OFFICER, Role.REVIEWER}),
        "records": bool(roles) or user.is_superuser,
    }
    request._workspace_nav = nav
    return nav


@register.inclusion_tag("webapp/_field.html")
def field(bound_field, wide=False):
    """A form field with its label, help text and errors next to it (linked for screen readers)."""
    widget = bound_field.field.widget
    attrs = widget.attrs
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    choice = isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple))
    return {
        "f": bound_field,
        "wide": wide,
        "choice": choice,
        "checkbox": isinstance(widget, forms.CheckboxInput),
        "hidden": isinstance(widget, forms.HiddenInput),
    }


STATUS_CSS = {
    InstanceStatus.RUNNING: "running",
    InstanceStatus.WAITING: "waiting",
    InstanceStatus.COMPLETED: "completed",
    InstanceStatus.TERMINATED: "terminated",
    InstanceStatus.ERROR: "error",
}


@register.filter
def status_css(status):
    return STATUS_CSS.get(status, "")


@register.filter
def overdue(due_at):
    return bool(due_at and due_at < timezone.now())


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None
