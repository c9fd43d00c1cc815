"""Signals the process apps send about a cadre, for the apps that act on them.

Sibling process apps may not import each other (the layering contract in ``pyproject.toml``), so
a process that changes something about a cadre says so here, in the layer below all of them, and
whoever cares listens: the talks app (谈心谈话, DOMAIN.md §10 "Talks"; seed 004 art. 11 "四必谈",
seed 000 #18) opens a talk when a post changes, after an accountability decision and after a
clarification letter.

Receivers run in the sender's transaction (Django signals are synchronous): what they write
commits or rolls back with the action that caused it.
"""

from __future__ import annotations

from django.dispatch import Signal

from . import notify

# Sent with: cadre (records.Cadre), reason (a code: "post_change", "accountability",
# "clarification", …), instance (the case that caused it, or None), unit (a unit the event
# belongs to — e.g. the deciding committee or the organisation department —, or None), note (text).
cadre_event = Signal()

POST_CHANGE = "post_change"  # appointed to a post (a promotion), sent on a secondment, rotated
ACCOUNTABILITY = "accountability"  # an accountability decision (问责) was taken
CLARIFICATION = "clarification"  # a clarification letter (澄清反馈函) after a false report


def acting_user_id() -> int | None:
    """The id of the person whose action is running (``services`` sets it around every action),
    or None when no one acts (a timer fired by the worker)."""
    return notify._actor.get()
