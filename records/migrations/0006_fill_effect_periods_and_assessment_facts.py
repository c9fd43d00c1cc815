"""Pre-fill the effect-period and 优秀-share tables with DOMAIN.md's values; recompute the stored
effect ends (the day before the anniversary, issue 12 "Dates"); fill the assessed unit and the
不称职 level-reduction facts of existing grades (DOMAIN.md §2)."""

import calendar
import datetime

from django.db import migrations

FROM = datetime.date(1950, 1, 1)  # applies to every decision on record

# DOMAIN.md §3 table, with which grades a measure rules out (DOMAIN.md §2 last bullet).
PERIODS = [
    ("warning", 6, None, "decision_year", "《规则手册》§3：警告6个月；§2：警告当年不得评为优秀"),
    ("demerit", 12, None, "effect_period", "《规则手册》§3：记过12个月；§2：记过以上不得评为优秀"),
    ("major_demerit", 18, None, "effect_period", "《规则手册》§3：记大过18个月；§2：记过以上不得评为优秀"),
    ("demotion", 24, None, "effect_period", "《规则手册》§3：降级24个月；§2：记过以上不得评为优秀"),
    ("dismissal_from_post", 24, None, "effect_period", "《规则手册》§3：撤职24个月；§2：记过以上不得评为优秀"),
    ("admonishment", 6, None, "decision_year", "《规则手册》§3：诫勉6个月；§2：诫勉当年不得评为优秀"),
    ("org_adjustment", 12, None, "none", "《规则手册》§3：组织处理按决定，默认12个月"),
    ("org_resignation", 12, None, "none", "《规则手册》§3：组织处理按决定，默认12个月"),
    ("org_removal", 12, 12, "none", "《规则手册》§3：免职按决定，不少于12个月［默认］"),
    ("org_demotion", 12, 12, "none", "《规则手册》§3：降职按决定，不少于12个月［默认］"),
]


def _add_months(day, months):
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _period_end(start, months):
    """As records.models.period_end at the time of writing (copied: migrations keep their own code)."""
    anniversary = _add_months(start, months)
    return anniversary if anniversary.day != start.day else anniversary - datetime.timedelta(days=1)


def forwards(apps, schema_editor):
    EffectPeriod = apps.get_model("records", "EffectPeriod")
    ExcellentShareLimit = apps.get_model("records", "ExcellentShareLimit")
    Sanction = apps.get_model("records", "Sanction")
    AnnualAssessment = apps.get_model("records", "AnnualAssessment")
    LevelReduction = apps.get_model("records", "LevelReduction")

    months = {}
    for kind, period, minimum, bar, basis in PERIODS:
        EffectPeriod.objects.get_or_create(
            kind=kind, effective_from=FROM, defaults={"months": period, "minimum_months": minimum, "excellent_bar": bar, "basis": basis}
        )
        months[kind] = period
    ExcellentShareLimit.objects.get_or_create(
        from_year=1950, defaults={"share": 20, "special_share": 25, "basis": "《规则手册》§2：优秀一般不超过20%，特殊情况最多25%［实践］"}
    )

    for sanction in Sanction.objects.filter(effect_end_override_reason="").only("pk", "kind", "decision_date", "effect_end"):
        if sanction.kind in months:
            end = _period_end(sanction.decision_date, months[sanction.kind])
            if end != sanction.effect_end:
                Sanction.objects.filter(pk=sanction.pk).update(effect_end=end)

    for assessment in AnnualAssessment.objects.filter(unit__isnull=True).select_related("cadre").only("pk", "cadre__unit_id"):
        AnnualAssessment.objects.filter(pk=assessment.pk).update(unit_id=assessment.cadre.unit_id)
    LevelReduction.objects.bulk_create(
        [
            LevelReduction(cadre_id=a.cadre_id, assessment_id=a.pk, year=a.year)
            for a in AnnualAssessment.objects.filter(grade="incompetent", level_reduction__isnull=True)
        ]
    )


def backwards(apps, schema_editor):
    """Back to the anniversary as the end date (the old convention)."""
    Sanction = apps.get_model("records", "Sanction")
    EffectPeriod = apps.get_model("records", "EffectPeriod")
    months = dict(EffectPeriod.objects.filter(effective_from=FROM).values_list("kind", "months"))
    for sanction in Sanction.objects.filter(effect_end_override_reason=""):
        if sanction.kind in months:
            Sanction.objects.filter(pk=sanction.pk).update(effect_end=_add_months(sanction.decision_date, months[sanction.kind]))


class Migration(migrations.Migration):
    dependencies = [("records", "0005_assessment_rules_and_effect_periods")]

    operations = [migrations.RunPython(forwards, backwards)]
