"""How a merit citation appears in a notice (DOMAIN.md §1.3 step 4): from its nomination record."""

from django.utils.translation import gettext_lazy as _

from notices.profiles import NoticeProfile

from . import wording
from .models import Nomination


def notice_row(case):
    nomination = Nomination.objects.filter(instance=case).select_related("collective__unit").first()
    proposal = wording.of_nomination(nomination).phrase if nomination and nomination.award_kind else ""
    if nomination is not None and nomination.collective_id:
        # A collective (DOMAIN.md §1.1) is published under its own name, with the unit it belongs to.
        collective = nomination.collective
        return {"name": collective.name, "unit_post": collective.unit.name, "proposal": proposal}
    cadre = case.subject_cadre
    return {"name": cadre.name, "unit_post": cadre.unit_and_post, "proposal": proposal}


MERIT_NOTICE = NoticeProfile(
    process_id="merit_citation",
    row=notice_row,
    proposal_label=_("拟奖励等次"),
    title=_("关于拟奖励人员的公示"),
    intro=_("根据干部奖励工作有关规定，经研究，拟给予以下同志奖励，现予以公示。"),
)
