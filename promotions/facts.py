"""The record facts the hard limits of an exceptional promotion read (DOMAIN.md §4.2, §3, §2)."""

from records.models import RANK_ORDER, AssessmentGrade, RankLevel, rank_index
from workflows import clock

# Levels (级) group the grades (正/副) of DOMAIN.md §4.4: 乡科级, 县处级, 厅局级, 省部级.
GRADES_PER_LEVEL = 2


def step_gap(current, target):
    """How many grades the target lies above the current one (1 = the next grade)."""
    return rank_index(target) - rank_index(current)


def level_label(level):
    return str(RankLevel(level).label) if level in RankLevel.values else ""


def promotion_facts(cadre, target_level, *, special_post=False, as_of=None):
    as_of = as_of or clock.today()
    last = cadre.promotions.order_by("-promoted_on").first()
    previous_year = cadre.assessments.filter(year=as_of.year - 1).first()
    running = [s for s in cadre.sanctions.all() if s.in_effect_on(as_of) and s.counts_as_disqualifier]
    days_since_promotion = (as_of - last.promoted_on).days if last else None
    return {
        "as_of": as_of.isoformat(),
        "current_level": cadre.rank_level,
        "current_level_label": level_label(cadre.rank_level),
        "target_level": target_level,
        "target_level_label": level_label(target_level),
        "step_gap": step_gap(cadre.rank_level, target_level) if cadre.rank_level in RANK_ORDER else 1,
        "in_probation": bool(cadre.probation_end and cadre.probation_end >= as_of),
        "probation_end": cadre.probation_end.isoformat() if cadre.probation_end else "",
        "days_since_promotion": days_since_promotion if days_since_promotion is not None else 100000,
        "last_promotion_exceptional": bool(last and last.exceptional),
        "previous_year": as_of.year - 1,
        "previous_grade": previous_year.grade if previous_year else "",
        "previous_grade_label": str(AssessmentGrade(previous_year.grade).label) if previous_year else "",
        "effect_period_running": bool(running),
        "effect_period_summary": "；".join(f"{s.get_kind_display()}（影响期至{s.effect_end:%Y年%-m月%-d日}）" for s in running),
        "investigation_open": cadre.investigations.filter(closed_on__isnull=True).exists(),
        "canvassing": cadre.canvassing_flag,
        "naked_official": cadre.naked_official_flag,
        "special_post": bool(special_post),
    }
