"""The secondment selection's declaration (挂职锻炼, DOMAIN.md §5). Its case record is the round
(``secondments.models.Round``), written by the diagram's service operations."""

from notices.desk import pending_objection_extra
from workflows import process_types
from workflows.presenting import cadre_names, unit_names

from . import forms
from .context import round_extra
from .models import Candidate, Round
from .plan import START_EVENT, PlanForm


class RoundRecord(process_types.CaseRecord):
    model = Round


def candidate_names(ids, case):
    candidates = Candidate.objects.filter(pk__in=ids)
    if case is not None:
        candidates = candidates.filter(round__instance_id=case.pk)
    return dict(candidates.values_list("pk", "cadre__name"))


def positions_text(value):
    """挂职单位和岗位 of a round's plan: "单位 岗位（n名）；…", as the selection form offers them."""
    if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
        return None
    return "；".join(
        f"{p.get('host_unit_name') or p.get('host_unit_code') or p.get('host_unit') or ''} {p.get('title', '')}（{p.get('places', 1)}名）"
        for p in value
    )


SECONDMENT_SELECTION = process_types.register(
    process_types.ProcessType(
        process_id="secondment_selection",
        key_prefix="GZ",
        forms={
            START_EVENT: PlanForm,
            "Task_nominate": forms.NominationForm,
            "Task_unit_confirm": forms.UnitConfirmationForm,
            "Task_select": forms.SelectionForm,
            "Task_integrity": forms.IntegrityForm,
            "Task_publish": forms.RoundPublishForm,
            "Task_verify": forms.RoundVerificationForm,
            "Task_objection_decision": forms.ObjectionDecisionForm,
            "Task_approve": forms.ApprovalForm,
            "Task_term_assessment": forms.TermAssessmentForm,
        },
        services=frozenset(
            {
                "secondments.open_round",
                "secondments.record_nomination",
                "secondments.confirm_nomination",
                "secondments.mark_late",
                "secondments.close_call",
                "secondments.record_check",
                "secondments.record_selection",
                "secondments.record_integrity",
                "secondments.publish_notice",
                "secondments.close_objection",
                "secondments.drop_candidate",
                "secondments.dispatch",
                "secondments.record_recall",
                "secondments.record_assessment",
                "notices.pending_objections",
            }
        ),
        case_record=RoundRecord(),
        documents=("notice", "selection_notice", "introduction_letter", "clarification_letter"),
        step_extras={"Task_verify": pending_objection_extra, "Task_nominate": round_extra, "Task_unit_confirm": round_extra},
        field_names={"candidate_ids": cadre_names, "invited_unit_ids": unit_names, "objection_candidate_id": candidate_names},
        field_texts={"positions": positions_text},
    )
)
