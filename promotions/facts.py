"""The record facts the hard limits of an exceptional promotion read (DOMAIN.md §4.2, §3, §2)."""

from records.models import RANK_ORDER, AssessmentGrade, RankLevel, full_months_between, rank_index
from records.rules import promotion_bars
from workflows import clock

# Levels (级) group the grades (正/副) of DOMAIN.md §4.4: 乡科级, 县处级, 厅局级, 省部级.
GRADES_PER_LEVEL = 2


def step_gap(current, target):
    """How many grades the target lies above the current one (1 = the next grade)."""
    return rank_index(target) - rank_index(current)


def level_label(level):
    return str(RankLevel(level).label) if level in RankLevel.values else ""


# The qualification whose break may not follow a break of it (不得在任职年限上连续破格, DOMAIN.md §4.2).
TENURE = "tenure"


def last_promotion_on(cadre, last):
    """The date of the cadre's last promotion, whatever its source: a promotion recorded here, or
    the imported 任现职级时间 (DOMAIN.md §4.2 "less than 1 year after the last promotion")."""
    dates = [d for d in (last.promoted_on if last else None, cadre.current_rank_since) if d]
    return max(dates, default=None)


def promotion_facts(cadre, target_level, *, special_post=False, breaks=(), as_of=None):
    """The facts of DOMAIN.md §4.2 for one cadre and proposal. ``breaks`` are the ordinary
    qualifications the proposal says it breaks (promotions.forms.BREAKABLE codes)."""
    as_of = as_of or clock.today()
    last = cadre.promotions.order_by("-promoted_on").first()
    previous_year = cadre.assessments.filter(year=as_of.year - 1).first()
    running = [s for s in cadre.sanctions.all() if s.in_effect_on(as_of) and s.counts_as_disqualifier]
    promoted_on = last_promotion_on(cadre, last)
    bars = promotion_bars(cadre, as_of)
    # A promotion recorded before the broken qualifications were kept counts as a tenure break:
    # the safe reading until an administrator records what it broke.
    last_broke_tenure = bool(last and last.exceptional and (TENURE in (last.broken_items or []) or not last.broken_items))
    # The probation on the record (imported or set at appointment), or the last promotion's while
    # its end-of-probation assessment is still open.
    open_probation = last.probation_end if last and not last.probation_result else None
    probation_end = max((d for d in (cadre.probation_end, open_probation) if d), default=None)
    return {
        "as_of": as_of.isoformat(),
        "current_level": cadre.rank_level,
        "current_level_label": level_label(cadre.rank_level),
        "target_level": target_level,
        "target_level_label": level_label(target_level),
        "step_gap": step_gap(cadre.rank_level, target_level) if cadre.rank_level in RANK_ORDER else 1,
        "in_probation": bool(probation_end and probation_end >= as_of),
        "probation_end": probation_end.isoformat() if probation_end else "",
        "last_promotion_on": promoted_on.isoformat() if promoted_on else "",
        "months_since_promotion": full_months_between(promoted_on, as_of) if promoted_on else 100000,
        "last_promotion_exceptional": bool(last and last.exceptional),
        "last_promotion_broke_tenure": last_broke_tenure,
        "proposal_breaks_tenure": TENURE in (breaks or ()),
        "previous_year": as_of.year - 1,
        "previous_grade": previous_year.grade if previous_year else "",
        "previous_grade_label": str(AssessmentGrade(previous_year.grade).label) if previous_year else "",
        "effect_period_running": bool(running),
        "effect_period_summary": "；".join(f"{s.get_kind_display()}（影响期至{s.effect_end:%Y年%-m月%-d日}）" for s in running),
        "investigation_open": cadre.investigations.filter(closed_on__isnull=True).exists(),
        # DOMAIN.md §2 (seed 004 art. 6): key targets missed last year → no promotion for one year.
        "key_targets_missed": any(code == "key_targets_missed" for code, _reason in bars),
        "key_targets_reason": next((str(reason) for code, reason in bars if code == "key_targets_missed"), ""),
        "canvassing": cadre.canvassing_flag,
        "naked_official": cadre.naked_official_flag,
        "special_post": bool(special_post),
    }
