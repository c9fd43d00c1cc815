"""Who may be seconded in a round: the record facts and the round's criteria that the decision
table ``bpmn/dmn/secondment_eligibility.dmn`` reads (DOMAIN.md §5).

The rules themselves live in the table; this module only gathers the inputs. The same table
refuses a candidate at once when a unit nominates them (``check``) and re-checks every reported
candidate when the call closes (the diagram's business-rule task ``Rule_recheck``).
"""

import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from records.models import (
    AnnualAssessment,
    AssessmentGrade,
    Cadre,
    Investigation,
    Promotion,
    RankLevel,
    full_months_between,
    rank_index,
)
from workflows import clock
from workflows.decisions import evaluate

DECISION = "secondment_eligibility"
# Ordinal of the annual grades (公务员法 art. 38, DOMAIN.md §2); no grade or 不定等次 meets no requirement.
GRADE_RANK = {
    AssessmentGrade.EXCELLENT: 3,
    AssessmentGrade.COMPETENT: 2,
    AssessmentGrade.BASIC: 1,
    AssessmentGrade.INCOMPETENT: 0,
    AssessmentGrade.NOT_GRADED: -1,
}
NEVER_PROMOTED_MONTHS = 100000
# Levels a round may be opened for (DOMAIN.md §4.4 order; 其他人员 below them all).
ROUND_LEVELS = [
    RankLevel.NONE,
    RankLevel.TOWNSHIP_DEPUTY,
    RankLevel.TOWNSHIP_PRINCIPAL,
    RankLevel.COUNTY_DEPUTY,
    RankLevel.COUNTY_PRINCIPAL,
    RankLevel.BUREAU_DEPUTY,
    RankLevel.BUREAU_PRINCIPAL,
]
# DOMAIN.md §5 [default]: "≤ 40 for 县处级, ≤ 35 below"; higher levels unlimited unless the plan says so.
DEFAULT_AGE_LIMITS = {
    RankLevel.NONE: 35,
    RankLevel.TOWNSHIP_DEPUTY: 35,
    RankLevel.TOWNSHIP_PRINCIPAL: 35,
    RankLevel.COUNTY_DEPUTY: 40,
    RankLevel.COUNTY_PRINCIPAL: 40,
}


def _cn(day):
    return f"{day.year}年{day.month}月{day.day}日"


def build_criteria(*, age_limits, rank_min, rank_max, min_work_years, min_grade, age_as_of):
    """The round's parameters as the decision table reads them (``criteria[...]``)."""
    lo, hi = RankLevel(rank_min).label, RankLevel(rank_max).label
    return {
        "age_limits": {str(level): int(limit) for level, limit in age_limits.items() if limit not in (None, "")},
        "rank_min": str(rank_min),
        "rank_max": str(rank_max),
        # rank_index: -1 for 其他人员, so a range may start below 乡科级副职.
        "rank_min_index": rank_index(rank_min),
        "rank_max_index": rank_index(rank_max),
        "rank_range_label": str(lo) if rank_min == rank_max else f"{lo}至{hi}",
        "min_work_years": int(min_work_years),
        "min_grade": str(min_grade),
        "min_grade_rank": GRADE_RANK[min_grade],
        "min_grade_label": str(AssessmentGrade(min_grade).label),
        "age_as_of": age_as_of.isoformat(),
    }


def full_years(start, end):
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _last_promotion_label(promotion, promoted_on):
    if promotion is not None and promotion.promoted_on == promoted_on:
        return _("%(date)s任%(post)s") % {"date": _cn(promotion.promoted_on), "post": promotion.post}
    return _("%(date)s任现职级") % {"date": _cn(promoted_on)} if promoted_on else ""


def candidate_facts(cadre, criteria, as_of=None):
    """The facts of one cadre: status facts on ``as_of`` (today), age and years of work on the
    round's reference date (the nomination deadline)."""
    as_of = as_of or clock.today()
    reference = datetime.date.fromisoformat(criteria["age_as_of"])
    running = [s for s in cadre.sanctions.all() if s.in_effect_on(as_of) and s.counts_as_disqualifier]
    # ``facts_many`` loads the records of many cadres at once into these attributes.
    if hasattr(cadre, "_latest_promotions"):
        promotion = cadre._latest_promotions[0] if cadre._latest_promotions else None
    else:
        promotion = cadre.promotions.order_by("-promoted_on").first()
    promoted_on = max((d for d in (promotion.promoted_on if promotion else None, cadre.current_rank_since) if d), default=None)
    probation_ends = [d for d in (cadre.probation_end, promotion.probation_end if promotion else None) if d]
    probation_end = max(probation_ends) if probation_ends else None
    if hasattr(cadre, "_latest_assessments"):
        latest = cadre._latest_assessments[0] if cadre._latest_assessments else None
    else:
        latest = cadre.assessments.filter(year__lte=as_of.year).order_by("-year").first()
    if hasattr(cadre, "_open_investigations"):
        investigation_open = bool(cadre._open_investigations)
    else:
        investigation_open = cadre.investigations.filter(closed_on__isnull=True).exists()
    if latest is None:
        grade_text = _("无年度考核结果")
    else:
        grade_text = _("%(year)s年度考核为%(grade)s") % {"year": latest.year, "grade": latest.get_grade_display()}
    return {
        "cadre_id": cadre.pk,
        "name": cadre.name,
        "as_of": as_of.isoformat(),
        "investigation_open": investigation_open,
        "sanction_running": bool(running),
        "sanction_summary": "；".join(
            f"{s.get_kind_display()}（{_cn(s.decision_date)}决定，影响期至{_cn(s.effect_end)}）" for s in running
        ),
        "in_probation": bool(probation_end and probation_end >= as_of),
        "probation_end_label": _cn(probation_end) if probation_end else "",
        # DOMAIN.md §5 "promoted less than 1 year ago": a calendar year (12 whole months) from the
        # later of the recorded promotion and the imported 任现职级时间 (issue 12 "Dates").
        "months_since_promotion": full_months_between(promoted_on, as_of) if promoted_on else NEVER_PROMOTED_MONTHS,
        "last_promotion_label": _last_promotion_label(promotion, promoted_on),
        "latest_grade": latest.grade if latest else "",
        "latest_grade_rank": GRADE_RANK.get(latest.grade, -1) if latest else -1,
        "latest_grade_text": grade_text,
        "age": cadre.age_on(reference),
        "rank_level": cadre.rank_level,
        "rank_index": rank_index(cadre.rank_level),
        "rank_label": str(RankLevel(cadre.rank_level).label),
        "work_years": full_years(cadre.work_start_date, reference),
    }


def failures(definition, facts, criteria):
    """The failed rules of the decision table: a list of {"rule", "reason"} (empty: eligible)."""
    result = evaluate(definition, DECISION, {"facts": facts, "criteria": criteria})
    return [
        {"rule": rule, "reason": reason}
        for rule, reason in zip(result.get("eligibility_rule", []), result.get("eligibility_reason", []))
        if rule != "ok"
    ]


def facts_many(cadres, criteria, as_of=None):
    """``candidate_facts`` of many cadres (a queryset) in a constant number of queries."""
    as_of = as_of or clock.today()
    cadres = cadres.prefetch_related(
        "sanctions",
        Prefetch("promotions", queryset=Promotion.objects.order_by("-promoted_on"), to_attr="_latest_promotions"),
        Prefetch(
            "assessments",
            queryset=AnnualAssessment.objects.filter(year__lte=as_of.year).order_by("-year"),
            to_attr="_latest_assessments",
        ),
        Prefetch("investigations", queryset=Investigation.objects.filter(closed_on__isnull=True), to_attr="_open_investigations"),
    )
    return {cadre.pk: (cadre, candidate_facts(cadre, criteria, as_of)) for cadre in cadres}


def marks(definition, cadres, criteria, as_of=None):
    """Each cadre of ``cadres`` (a queryset) with the rules they fail now and their facts:
    {pk: (cadre, failures, facts)}; what the nomination form shows before a cadre is picked (the
    same table refuses them)."""
    return {pk: (cadre, failures(definition, facts, criteria), facts) for pk, (cadre, facts) in facts_many(cadres, criteria, as_of).items()}


def check(definition, cadre, criteria, as_of=None):
    """Check one cadre now; returns the failures (empty when eligible)."""
    if isinstance(cadre, int):
        cadre = Cadre.objects.get(pk=cadre)
    return failures(definition, candidate_facts(cadre, criteria, as_of), criteria)
