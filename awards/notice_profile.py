"""How a merit citation appears in a notice (DOMAIN.md §1.3 step 4)."""
from django.utils.translation import gettext_lazy as _

from notices.profiles import NoticeProfile, register_notice_profile
from records.models import AwardKind
from workflows.models import HistoryAction


def notice_row(case):
    nomination = case.history.filter(task_bpmn_id="Task_nominate", action=HistoryAction.COMPLETE).order_by("-at", "-id").first()
    kind = (nomination.changed_fields or {}).get("award_kind") if nomination else None
    cadre = case.subject_cadre
    return {"name": cadre.name, "unit_post": cadre.unit_and_post,
            "proposal": str(AwardKind(kind).label) if kind else ""}


register_notice_profile(NoticeProfile(
    process_id="merit_citation", row=notice_row, proposal_label=_("拟奖励等次"), title=_("关于拟奖励人员的公示"),
    intro=_("根据干部奖励工作有关规定，经研究，拟给予以下同志奖励，现予以公示。"),
))
