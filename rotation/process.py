"""The rotation process's declaration (轮岗, DOMAIN.md §10 "Rotation")."""

from workflows import process_types
from workflows.presenting import unit_names

from . import forms, opening
from .records import RotationCaseRecord
from .routing import department_for


def rotation_starters(unit):
    """A unit's plan is opened by a reviewer of the organisation department that reviews it."""
    department = department_for(unit)
    if department is None or department.pk == unit.pk:
        return []
    return [("reviewer", department)]


ROTATION = process_types.register(
    process_types.ProcessType(
        process_id="rotation",
        key_prefix="LG",
        forms={
            forms.START_EVENT: forms.RotationStartForm,
            forms.PLAN_STEP: forms.RotationPlanForm,
            forms.REVIEW_STEP: forms.RotationReviewForm,
        },
        case_record=RotationCaseRecord(),
        panels=("rotation/panel_plan.html",),
        field_names={"department_id": unit_names},
        field_texts={"entries": forms.entries_text},
        extra_starters=rotation_starters,
        extra_start_roles=frozenset({"reviewer"}),
        daily=opening.open_plans,
    )
)
