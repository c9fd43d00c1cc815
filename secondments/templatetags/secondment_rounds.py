"""The round of a unit's nomination/confirmation task on other apps' pages (issue 15 item 9).

``{% round_line task rows %}`` in an inbox row: the first call reads the rounds of every row of
the page at once (``secondments.context.round_contexts``, a constant number of queries), the others
reuse it. ``{% round_card task %}`` on a task page (the task page may also use ``extras.round_context``).
"""

from django import template
from django.template.loader import render_to_string

from ..context import TEMPLATE, round_context, round_contexts

register = template.Library()
_ATTR = "_secondment_round_context"


@register.simple_tag
def round_line(task, rows=None):
    """One line under an inbox row's step name (nothing for other processes and steps: most rows
    of an inbox, which then cost no template rendering)."""
    if not hasattr(task, _ATTR):
        page = [t for t in (rows or [task]) if hasattr(t, "bpmn_id") and hasattr(t, "instance_id")]
        if task not in page:
            page.append(task)
        found = round_contexts(page)
        for t in page:
            setattr(t, _ATTR, found.get(t.pk))
    found = getattr(task, _ATTR)
    return render_to_string(TEMPLATE, {"round_ctx": found, "compact": True}) if found else ""


@register.inclusion_tag(TEMPLATE)
def round_card(task):
    """The round as a card (title, posts, places, deadline, criteria) on a task page."""
    return {"round_ctx": round_context(task) if task is not None else None, "compact": False}
