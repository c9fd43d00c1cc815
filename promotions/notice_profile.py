"""How an exceptional promotion appears in a 任前公示 (DOMAIN.md §4.3 step 6: stating the
specific exceptional circumstances and reasons), from its proposal record."""

from django.utils.translation import gettext_lazy as _

from notices.profiles import NoticeProfile

from .issuing import exceptional_circumstances
from .models import Proposal


def notice_row(case):
    proposal = Proposal.objects.filter(instance=case).select_related("cadre", "proposed_by_unit", "instance__nominating_unit").first()
    cadre = case.subject_cadre
    if proposal is None:
        return {"name": cadre.name, "unit_post": cadre.unit_and_post, "proposal": ""}
    # DOMAIN.md §4.3 step 6: the specific exceptional circumstances and reasons, not the ground's label only.
    proposal_text = _("%(post)s（破格提拔）。%(circumstances)s") % {
        "post": proposal.target_post,
        "circumstances": exceptional_circumstances(proposal),
    }
    return {"name": cadre.name, "unit_post": cadre.unit_and_post, "proposal": proposal_text}


PROMOTION_NOTICE = NoticeProfile(
    process_id="exceptional_promotion",
    row=notice_row,
    proposal_label=_("拟任职务及破格情形"),
    title=_("干部任前公示"),
    intro=_("根据《党政领导干部选拔任用工作条例》，经研究，拟破格提拔以下同志，现将有关情况予以公示。"),
)
