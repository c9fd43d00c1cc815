"""The exceptional promotion's declaration (破格提拔, DOMAIN.md §4)."""

from notices.desk import pending_objection_extra
from notices.forms import IntegrityForm, PublishForm, VerificationForm
from workflows import process_types

from . import forms
from .notice_profile import PROMOTION_NOTICE
from .records import ProposalRecord, extra_starters, task_binding

EXCEPTIONAL_PROMOTION = process_types.register(
    process_types.ProcessType(
        process_id="exceptional_promotion",
        key_prefix="PG",
        forms={
            "Task_propose": forms.ProposalForm,
            "Task_consent_early": forms.ConsentForm,
            "Task_consent_late": forms.ConsentForm,
            "Task_recommend": forms.RecommendationForm,
            "Task_inspect": forms.InspectionForm,
            "Task_integrity": IntegrityForm,
            "Task_meeting": forms.MeetingForm,
            "Task_reconsider": forms.ReconsiderForm,
            "Task_objection_decision": forms.ObjectionDecisionForm,
            "Task_suspended": forms.SuspendedForm,
            "Task_probation_review": forms.ProbationReviewForm,
            "Task_publish": PublishForm,
            "Task_verify": VerificationForm,
        },
        services=frozenset(
            {
                "promotions.facts",
                "promotions.route",
                "promotions.request_consent",
                "promotions.remind_consent",
                "promotions.appoint",
                "promotions.close_probation",
                "notices.pending_objections",
                "notices.close_objection",
                "workflows.record_check",
            }
        ),
        case_record=ProposalRecord(),
        notice_profile=PROMOTION_NOTICE,
        documents=("request_for_consent", "appointment_notice", "appointment_form", "notice", "clarification_letter"),
        panels=("promotions/panel_proposal.html",),
        step_extras={"Task_verify": pending_objection_extra},
        # 动议 by the organisation department as well (DOMAIN.md §4.3 step 1), without a lane of its own.
        extra_starters=extra_starters,
        extra_start_roles=frozenset({"reviewer"}),
        task_binding=task_binding,
    )
)
