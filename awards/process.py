"""The award processes' declarations: merit citation (DOMAIN.md §1) and award revocation (§1.4)."""

from django.utils.translation import gettext_lazy as _

from notices.desk import pending_objection_extra
from notices.forms import IntegrityForm, PublishForm, VerificationForm
from records.models import Award
from workflows import process_types
from workflows.forms import OpinionForm
from workflows.presenting import cadre_names, unit_names

from . import forms
from .notice_profile import MERIT_NOTICE
from .quota import quota_usage
from .records import NominationRecord, RevocationRecord, revocation_starters, revocation_task_binding


def award_names(ids, case):
    """撤销奖励: the award to revoke, as "记三等功 鲁组〔2026〕3号 2026年3月1日"."""
    awards = Award.objects.filter(pk__in=ids)
    if case is not None and case.subject_cadre_id:
        awards = awards.filter(cadre_id=case.subject_cadre_id)
    return {a.pk: a.caption for a in awards}


def review_quota_extra(case, task, record):
    """The 审核 step shows the nominating unit's use of its annual quota."""
    return {"quota": quota_usage(record)}


MERIT_CITATION = process_types.register(
    process_types.ProcessType(
        process_id="merit_citation",
        key_prefix="JL",
        forms={
            "Task_nominate": forms.NominationForm,
            "Task_unit_decision": forms.UnitDecisionForm,
            "Task_integrity": IntegrityForm,
            "Task_review": forms.ReviewForm,
            "Task_waive_notice": forms.NoticeWaiverForm,
            "Task_publish": PublishForm,
            "Task_verify": VerificationForm,
            "Task_objection_decision": forms.ObjectionDecisionForm,
            "Task_suspended": forms.SuspendedForm,
            "Task_approve": forms.ApprovalForm,
        },
        services=frozenset(
            {
                "awards.eligibility_facts",
                "awards.route",
                "awards.issue_award",
                "notices.pending_objections",
                "notices.close_objection",
                "workflows.record_check",
            }
        ),
        case_record=NominationRecord(),
        notice_profile=MERIT_NOTICE,
        documents=("award_decision", "award_form", "award_certificate", "notice", "clarification_letter"),
        panels=("awards/panel_nomination.html",),
        step_extras={"Task_review": review_quota_extra, "Task_verify": pending_objection_extra},
        start_links=(("candidates", _("按年度考核结果批量推荐（一年优秀→嘉奖，连续三年优秀→记三等功）")),),
        # 公务员集体 (DOMAIN.md §1.1 [law, art. 51]): the nomination step names the collective.
        start_without_cadre=_("推荐集体（机构或专项工作集体）"),
        field_names={"members": cadre_names, "collective_unit": unit_names},
    )
)

AWARD_REVOCATION = process_types.register(
    process_types.ProcessType(
        process_id="award_revocation",
        key_prefix="CX",
        forms={"Task_apply": forms.RevocationApplicationForm, "Task_review": OpinionForm, "Task_approve": OpinionForm},
        services=frozenset({"awards.revocation_route", "awards.revoke_award"}),
        case_record=RevocationRecord(),
        documents=("revocation_decision",),
        field_names={"award_id": award_names},
        # Started by the original nominating unit, or by the approving authority (DOMAIN.md §1.4).
        extra_starters=revocation_starters,
        extra_start_roles=frozenset({"approver", "reviewer"}),
        task_binding=revocation_task_binding,
    )
)
