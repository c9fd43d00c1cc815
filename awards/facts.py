"""The record facts the eligibility table reads (DOMAIN.md §1.4, §2, §3)."""

import datetime

from records.models import AWARD_ORDER, AssessmentGrade, Award, AwardKind, Cadre
from workflows import clock


def award_rank(kind):
    """1 for 嘉奖 … 5 for 授予称号; 0 for nothing."""
    return AWARD_ORDER.index(kind) + 1 if kind in AWARD_ORDER else 0


def eligibility_facts(cadre, award_kind, deed_reference="", as_of=None):
    as_of = as_of or clock.today()
    running = [
        s
        for s in cadre.sanctions.all()
        if s.in_effect_on(as_of) and s.counts_as_disqualifier  # 免予追究 under 容错 does not count (seed 000 #10)
    ]
    latest = cadre.assessments.filter(year__lte=as_of.year).order_by("-year").first()
    prior = None
    if deed_reference:
        prior_awards = Award.objects.filter(deed_reference=deed_reference, revoked=False).exclude(cadre_id=None)
        prior = max(prior_awards, key=lambda a: award_rank(a.kind), default=None)
    return {
        "as_of": as_of.isoformat(),
        "sanction_running": bool(running),
        "sanction_summary": "；".join(
            f"{s.get_kind_display()}（{s.decision_date:%Y年%-m月%-d日}决定，影响期至{s.effect_end:%Y年%-m月%-d日}）" for s in running
        ),
        "investigation_open": cadre.investigations.filter(closed_on__isnull=True).exists(),
        "latest_grade": latest.grade if latest else "",
        "latest_grade_label": str(AssessmentGrade(latest.grade).label) if latest else "",
        "latest_grade_year": latest.year if latest else 0,
        "award_rank": award_rank(award_kind),
        "deed_prior_award_rank": award_rank(prior.kind) if prior else 0,
        "deed_prior_award_label": str(AwardKind(prior.kind).label) if prior else "",
        "deed_prior_award_number": prior.decision_number if prior else "",
    }


def _as_date(value):
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)) if value else None


def facts_for(cadre_id, award_kind, deed_reference="", as_of=None):
    return eligibility_facts(Cadre.objects.get(pk=cadre_id), award_kind, deed_reference or "", _as_date(as_of))
