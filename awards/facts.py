"""The record facts the eligibility table reads (DOMAIN.md §1.4, §2, §3)."""

import datetime

from django.utils.translation import gettext as _

from permissions.routing import level_order
from records.models import APPROVING_LEVELS, AWARD_ORDER, AssessmentGrade, AwardKind, Cadre, Collective
from workflows import clock

LEVEL_LABELS = dict(APPROVING_LEVELS)


def award_rank(kind):
    """1 for 嘉奖 … 5 for 授予称号; 0 for nothing."""
    return AWARD_ORDER.index(kind) + 1 if kind in AWARD_ORDER else 0


def level_rank(level):
    """1 for a township authority … 5 for a central one; 0 for none."""
    return level_order().get(level, 0)


def unknown_prior_level():
    """An imported award without its approving level counts as the highest: nothing may reward
    that deed again until an administrator records the level (DOMAIN.md §1.4, the safe reading)."""
    return max(level_order().values())


def prior_award_for_deed(recipient, deed_reference):
    """The highest standing award of a cadre or a collective for this deed: by approving level,
    then by kind (§1.4)."""
    if not deed_reference:
        return None
    awards = recipient.awards.filter(deed_reference=deed_reference, revoked=False)
    return max(awards, key=lambda a: (level_rank(a.approving_level) or unknown_prior_level(), award_rank(a.kind)), default=None)


def eligibility_facts(cadre, award_kind, deed_reference="", as_of=None, approving_level=""):
    """The facts of DOMAIN.md §1.4 for one cadre. ``approving_level`` is the level of the authority
    that would approve this award (known once the case is routed); one deed, one reward is judged
    per cadre against it."""
    as_of = as_of or clock.today()
    facts = _deed_facts(cadre, award_kind, deed_reference, approving_level)
    running = [
        s
        for s in cadre.sanctions.all()
        if s.in_effect_on(as_of) and s.counts_as_disqualifier  # 免予追究 under 容错 does not count (seed 000 #10)
    ]
    latest = cadre.assessments.filter(year__lte=as_of.year).order_by("-year").first()
    return {
        **facts,
        "as_of": as_of.isoformat(),
        "sanction_running": bool(running),
        "sanction_summary": "；".join(
            f"{s.get_kind_display()}（{s.decision_date:%Y年%-m月%-d日}决定，影响期至{s.effect_end:%Y年%-m月%-d日}）" for s in running
        ),
        "investigation_open": cadre.investigations.filter(closed_on__isnull=True).exists(),
        "latest_grade": latest.grade if latest else "",
        "latest_grade_label": str(AssessmentGrade(latest.grade).label) if latest else "",
        "latest_grade_year": latest.year if latest else 0,
    }


def collective_facts(collective, award_kind, deed_reference="", as_of=None, approving_level=""):
    """The facts of DOMAIN.md §1.4 for a collective (§1.1 "a unit, or a task team"). Sanctions,
    investigations and assessment grades are records of people, not of collectives, so those rules
    find nothing here; one deed, one reward is judged against the collective's own awards."""
    as_of = as_of or clock.today()
    return {
        **_deed_facts(collective, award_kind, deed_reference, approving_level),
        "as_of": as_of.isoformat(),
        "sanction_running": False,
        "sanction_summary": "",
        "investigation_open": False,
        "latest_grade": "",
        "latest_grade_label": "",
        "latest_grade_year": 0,
    }


def _deed_facts(recipient, award_kind, deed_reference, approving_level):
    """One deed, one reward (§1.4): the recipient's prior award for the deed against this award."""
    prior = prior_award_for_deed(recipient, deed_reference)
    prior_level = (level_rank(prior.approving_level) or unknown_prior_level()) if prior else 0
    return {
        "award_rank": award_rank(award_kind),
        "deed_prior_award_rank": award_rank(prior.kind) if prior else 0,
        "deed_prior_award_label": str(AwardKind(prior.kind).label) if prior else "",
        "deed_prior_award_number": prior.decision_number if prior else "",
        "deed_prior_level_rank": prior_level,
        "deed_prior_level_label": str(LEVEL_LABELS.get(prior.approving_level, _("未记录层级的"))) if prior else "",
        # Not yet routed (a case on an earlier diagram version): the lowest level, so any prior award refuses.
        "approving_level_rank": level_rank(approving_level) or 1,
        "approving_level_label": str(LEVEL_LABELS.get(approving_level, "")),
    }


def _as_date(value):
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)) if value else None


def facts_for(cadre_id, award_kind, deed_reference="", as_of=None, approving_level="", collective_id=None):
    if collective_id is not None:
        return collective_facts(
            Collective.objects.get(pk=collective_id), award_kind, deed_reference or "", _as_date(as_of), approving_level or ""
        )
    return eligibility_facts(Cadre.objects.get(pk=cadre_id), award_kind, deed_reference or "", _as_date(as_of), approving_level or "")
