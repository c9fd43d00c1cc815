"""Signals the process apps send about a cadre, for the apps that act on them.

Sibling process apps may not import each other (the layering contract in ``pyproject.toml``), so
a process that changes something about a cadre says so here, in the layer below all of them, and
whoever cares listens: the talks app (谈心谈话, DOMAIN.md §10 "Talks"; seed 004 art. 11 "四必谈",
seed 000 #18) opens a talk when a post changes, after an accountability decision and after a
clarification letter.

``cadre_event`` itself is defined in ``records.signals``, the layer below, because recording a
sanction in the cadre records sends it too; it is the same signal, re-exported here.

Receivers run in the sender's transaction (Django signals are synchronous): what they write
commits or rolls back with the action that caused it.
"""

from __future__ import annotations

from records.signals import ACCOUNTABILITY, CLARIFICATION, POST_CHANGE, cadre_event

from . import notify

__all__ = ["ACCOUNTABILITY", "CLARIFICATION", "POST_CHANGE", "acting_user_id", "cadre_event"]


def acting_user_id() -> int | None:
    """The id of the person whose action is running (``services`` sets it around every action),
    or None when no one acts (a timer fired by the worker)."""
    return notify._actor.get()
