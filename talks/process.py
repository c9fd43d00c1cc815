"""The talk process's declaration (谈心谈话, DOMAIN.md §10 "Talks")."""

from permissions import routing
from permissions.models import UnitKind
from workflows import process_types
from workflows.presenting import cadre_names

from . import forms
from .records import TalkCaseRecord


def talk_starters(unit):
    """Besides the department's reviewer, the approver of its party committee may start a talk for
    it: the committee decides the post changes (an appointment, a secondment) that make one due."""
    if unit.kind != UnitKind.ORGANISATION_DEPT:
        return []
    area = routing.area_of(unit)
    return [("approver", area)] if area.pk != unit.pk else []


TALK = process_types.register(
    process_types.ProcessType(
        process_id="talk",
        key_prefix="TH",
        forms={forms.START_EVENT: forms.TalkStartForm, "Task_talk": forms.TalkForm},
        case_record=TalkCaseRecord(),
        panels=("talks/panel_talk.html",),
        field_names={"cadre_id": cadre_names},
        extra_starters=talk_starters,
    )
)
