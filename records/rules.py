"""Annual assessment rules (DOMAIN.md §2), in one place.

``check_assessments`` is what every grade passes before it is stored: the Excel import calls it
on the whole file, the admin and ``AnnualAssessment.full_clean()`` on one row. Every rule that
reads a grade (awards from 优秀, promotion bars) therefore reads a grade that passed it.

What "graded staff" (参加考核并确定等次的人数) means here: the cadres assessed in the unit for the year
with a grade other than 不定等次 — the base the 优秀 share is a share of. A row's unit is the unit it
was assessed in (``AnnualAssessment.unit``, the cadre's unit when left blank).
"""

import datetime
from collections import defaultdict

from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .models import (
    AnnualAssessment,
    AssessmentGrade,
    Cadre,
    EffectPeriod,
    ExcellentBar,
    ExcellentShareAllowance,
    ExcellentShareLimit,
    LevelReduction,
    Sanction,
)

LOOKUP_CHUNK = 900  # SQLite's bound-parameter limit is the tightest of the supported backends

# Grades at or below 基本称职: no promotion for one year (seed 004 art. 6; DOMAIN.md §2 line 93).
BELOW_COMPETENT = (AssessmentGrade.BASIC, AssessmentGrade.INCOMPETENT)


def _chunks(items, size=LOOKUP_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unit_id(assessment):
    return assessment.unit_id or (assessment.cadre.unit_id if assessment.cadre else None)


def _cn(day):
    return f"{day.year}年{day.month}月{day.day}日"


# --------------------------------------------------------------------------- sanctions → not 优秀


def sanction_bars_excellent(sanction, year, period=None):
    """Whether ``sanction`` rules out 优秀 for ``year`` (DOMAIN.md §2 line 98):
    a 警告 or 诫勉 decided in the year; 记过 and above while its effect period runs in the year.
    Which measure does what is the ``excellent_bar`` column of the effect-period table.
    A fault excused in full (免予追究, seed 000 #10) does not count."""
    if not sanction.counts_as_disqualifier:
        return False
    period = period or EffectPeriod.objects.in_force(sanction.kind, sanction.decision_date)
    if period is None or period.excellent_bar == ExcellentBar.NONE:
        return False
    if period.excellent_bar == ExcellentBar.DECISION_YEAR:
        return sanction.decision_date.year == year
    return sanction.decision_date <= datetime.date(year, 12, 31) and sanction.effect_end >= datetime.date(year, 1, 1)


def _sanction_message(sanction, year):
    return _("%(year)s年度不能评为优秀：%(kind)s（%(date)s决定，影响期至%(end)s）") % {
        "year": year,
        "kind": sanction.get_kind_display(),
        "date": _cn(sanction.decision_date),
        "end": _cn(sanction.effect_end),
    }


def _sanctions_by_cadre(cadre_ids):
    found = defaultdict(list)
    for chunk in _chunks(cadre_ids):
        for sanction in Sanction.objects.filter(cadre_id__in=chunk).order_by("decision_date"):
            found[sanction.cadre_id].append(sanction)
    return found


def _periods():
    """{kind: [rows, latest first]}: the whole table is a few rows."""
    rows = defaultdict(list)
    for row in EffectPeriod.objects.order_by("-effective_from"):
        rows[row.kind].append(row)
    return rows


def _period_for(periods, sanction):
    return next((row for row in periods.get(sanction.kind, []) if row.effective_from <= sanction.decision_date), None)


# --------------------------------------------------------------------------- 优秀 share


def excellent_share(unit_id, year, allowances=None):
    """The 优秀 share (%) for the unit-year: the special-case allowance when an administrator set
    one, otherwise the general share in force (DOMAIN.md §2 line 91); None when neither exists.
    ``allowances`` is {(unit id, year): ExcellentShareAllowance}, already read."""
    if allowances is None:
        allowance = ExcellentShareAllowance.objects.filter(unit_id=unit_id, year=year).first()
    else:
        allowance = allowances.get((unit_id, year))
    if allowance:
        return allowance.share
    limit = ExcellentShareLimit.in_force(year)
    return limit.share if limit else None


def excellent_limit(graded, share):
    """Most 优秀 allowed: ``share`` % of the graded staff, rounded down (优秀 ≤ share)."""
    return graded * share // 100


def share_message(excellent, graded, share):
    return _("优秀 %(n)s 人，超过本单位参加考核人数 %(m)s 的 %(share)s%%（上限 %(k)s 人）") % {
        "n": excellent,
        "m": graded,
        "share": share,
        "k": excellent_limit(graded, share),
    }


def _stored_grades(keys, exclude_cadres):
    """{(unit id, year): {cadre id: grade}} of the stored rows for those unit-years, other than ``exclude_cadres``'s."""
    found = defaultdict(dict)
    years = {year for _unit, year in keys}
    units = {unit for unit, _year in keys}
    for unit_chunk in _chunks(units):
        rows = (
            AnnualAssessment.objects.annotate(assessed_in=Coalesce("unit_id", "cadre__unit_id"))
            .filter(year__in=years, assessed_in__in=unit_chunk)
            .values_list("assessed_in", "year", "cadre_id", "grade")
        )
        for unit_id, year, cadre_id, grade in rows:
            if (unit_id, year) in keys and (cadre_id, year) not in exclude_cadres:
                found[(unit_id, year)][cadre_id] = grade
    return found


# --------------------------------------------------------------------------- the check


def check_assessments(assessments):
    """Every grade in ``assessments`` (saved or not, each with its cadre) against DOMAIN.md §2.

    The rows are taken together, as they would stand once stored (an import's file, or one row in
    the admin), over the stored rows of the same unit-years. Returns [(assessment, message)], one
    entry per failing row (a unit-year over its 优秀 share names the first of its 优秀 rows).
    """
    errors = []
    assessments = [a for a in assessments if a.grade]

    # 警告/诫勉 in the year, 记过 and above → not 优秀 (DOMAIN.md §2 line 98).
    excellent = [a for a in assessments if a.grade == AssessmentGrade.EXCELLENT]
    if excellent:
        sanctions = _sanctions_by_cadre({a.cadre.pk for a in excellent if a.cadre.pk})
        periods = _periods() if sanctions else {}
        for assessment in excellent:
            for sanction in sanctions.get(assessment.cadre.pk, []):
                if sanction_bars_excellent(sanction, assessment.year, _period_for(periods, sanction)):
                    errors.append((assessment, _sanction_message(sanction, assessment.year)))
                    break

    # 优秀 share of the unit's graded staff (DOMAIN.md §2 line 91).
    keys = {(_unit_id(a), a.year) for a in excellent if _unit_id(a)}
    if keys:
        incoming = {(a.cadre.pk, a.year) for a in assessments if a.cadre.pk}
        grades = _stored_grades(keys, incoming)
        first_excellent = {}
        for assessment in assessments:
            key = (_unit_id(assessment), assessment.year)
            if key in keys:
                grades[key][assessment.cadre.pk or id(assessment.cadre)] = assessment.grade
                if assessment.grade == AssessmentGrade.EXCELLENT:
                    first_excellent.setdefault(key, assessment)
        allowances = {}
        for unit_chunk in _chunks({unit for unit, _year in keys}):
            for allowance in ExcellentShareAllowance.objects.filter(unit_id__in=unit_chunk, year__in={y for _u, y in keys}):
                allowances[(allowance.unit_id, allowance.year)] = allowance
        for key in sorted(keys, key=lambda k: (k[1], k[0])):
            values = list(grades[key].values())
            graded = sum(1 for g in values if g != AssessmentGrade.NOT_GRADED)
            count = sum(1 for g in values if g == AssessmentGrade.EXCELLENT)
            share = excellent_share(*key, allowances=allowances)
            if share is not None and count > excellent_limit(graded, share):
                errors.append((first_excellent[key], share_message(count, graded, share)))
    return errors


# --------------------------------------------------------------------------- consequences


def record_consequences(assessments):
    """不称职 → a LevelReduction fact on the cadre (公务员法 art. 50; seed 004 art. 6; DOMAIN.md §2
    line 94); a grade corrected away from 不称职 drops a reduction not yet carried out."""
    saved = [a for a in assessments if a.pk]
    incompetent = [a for a in saved if a.grade == AssessmentGrade.INCOMPETENT]
    others = [a.pk for a in saved if a.grade != AssessmentGrade.INCOMPETENT]
    for chunk in _chunks(others):
        LevelReduction.objects.filter(assessment_id__in=chunk, carried_out_on__isnull=True).delete()
    existing = set()
    for chunk in _chunks([a.pk for a in incompetent]):
        existing.update(LevelReduction.objects.filter(assessment_id__in=chunk).values_list("assessment_id", flat=True))
    LevelReduction.objects.bulk_create(
        [LevelReduction(cadre_id=a.cadre_id, assessment_id=a.pk, year=a.year) for a in incompetent if a.pk not in existing], batch_size=500
    )


# --------------------------------------------------------------------------- facts for promotion


def promotion_bars(cadre, as_of):
    """[(code, reason)] of DOMAIN.md §2's bars on promoting ``cadre`` on ``as_of``:

    - ``assessment_below_competent``: the previous year graded 基本称职 or 不称职 → no promotion for
      one year (seed 004 art. 6; DOMAIN.md §2 lines 93–94);
    - ``key_targets_missed``: key targets missed in the previous year's assessment → no promotion
      for one year (seed 004 art. 6; DOMAIN.md §2 line 96).

    "One year" is the calendar year after the assessment year, during which the grade is the
    latest one on record.
    """
    previous = as_of.year - 1
    assessment = next((a for a in cadre.assessments.all() if a.year == previous), None)
    bars = []
    if assessment is None:
        return bars
    if assessment.grade in BELOW_COMPETENT:
        bars.append(
            (
                "assessment_below_competent",
                _("%(year)s年度考核为%(grade)s，一年内不得提拔（至%(until)s）")
                % {"year": previous, "grade": assessment.get_grade_display(), "until": _cn(datetime.date(previous + 1, 12, 31))},
            )
        )
    if assessment.key_targets_missed:
        bars.append(
            (
                "key_targets_missed",
                _("%(year)s年度重点目标任务未完成或排名明显靠后，一年内不得提拔（至%(until)s）")
                % {"year": previous, "until": _cn(datetime.date(previous + 1, 12, 31))},
            )
        )
    return bars


def dismissal_candidates():
    """Cadres graded 不称职 two years running (公务员法 art. 88; DOMAIN.md §2 line 95): 辞退 to consider."""
    return Cadre.objects.flagged_for_dismissal()
