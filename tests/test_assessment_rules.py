"""Annual assessment rules (DOMAIN.md §2, lines 88–99) as records/rules.py enforces them: at the
Excel import, in the admin and in AnnualAssessment.full_clean()."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from permissions.models import Unit, UnitKind, UnitLevel
from records import importing, rules
from records.models import (
    AnnualAssessment,
    AssessmentGrade,
    Cadre,
    ExcellentShareAllowance,
    FaultToleranceExcuse,
    LevelReduction,
    RankLevel,
    Sanction,
    SanctionKind,
    Sex,
)

pytestmark = pytest.mark.django_db

YEAR = 2025
E, C, B, U, N = (
    AssessmentGrade.EXCELLENT,
    AssessmentGrade.COMPETENT,
    AssessmentGrade.BASIC,
    AssessmentGrade.INCOMPETENT,
    AssessmentGrade.NOT_GRADED,
)
LABELS = {E: "优秀", C: "称职", B: "基本称职", U: "不称职", N: "不定等次"}


def make_id(n):
    first17 = f"41040219800101{n:03d}"
    return first17 + importing.id_check_digit(first17)


@pytest.fixture
def unit():
    return Unit.objects.create(name="叶县财政局", code="YX-CZJ", level=UnitLevel.COUNTY, kind=UnitKind.DEPARTMENT)


@pytest.fixture
def other_unit():
    return Unit.objects.create(name="叶县教育局", code="YX-JYJ", level=UnitLevel.COUNTY, kind=UnitKind.DEPARTMENT)


def staff(unit, count, start=0):
    return [
        Cadre.objects.create(
            name=f"干部{start + i}",
            id_number=make_id(start + i),
            sex=Sex.MALE,
            birth_date=datetime.date(1980, 1, 1),
            work_start_date=datetime.date(2002, 7, 1),
            current_post="科员",
            rank_level=RankLevel.TOWNSHIP_DEPUTY,
            unit=unit,
        )
        for i in range(count)
    ]


def workbook(rows, key_targets=False):
    """年度考核结果 sheet: (cadre, grade[, year[, 重点目标任务未完成]])."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "年度考核结果"
    sheet.append(["身份证号", "年度", "考核等次"] + (["重点目标任务未完成"] if key_targets else []))
    for cadre, grade, *rest in rows:
        year = rest[0] if rest else YEAR
        sheet.append([cadre.id_number, year, LABELS[grade], *rest[1:]])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def grades(cadres, *pattern):
    """[(cadre, grade)] with the first grades as given and 称职 for the rest."""
    return [(cadre, pattern[i] if i < len(pattern) else C) for i, cadre in enumerate(cadres)]


def import_rows(rows, **kwargs):
    return importing.import_assessments(workbook(rows, **kwargs))


# --------------------------------------------------------------------------- 优秀 share (line 91)


def test_import_excellent_share_twenty_percent_boundary(unit):
    """DOMAIN.md §2 line 91: 优秀 ≤ 20% of the unit's graded staff — 2 of 10 passes, 3 of 10 is
    refused with the count, and the refused file changes nothing."""
    cadres = staff(unit, 10)
    report = import_rows(grades(cadres, E, E, E))
    assert not report.ok
    assert [e.message for e in report.errors] == ["优秀 3 人，超过本单位参加考核人数 10 的 20%（上限 2 人）"]
    assert report.errors[0].row == 2 and report.errors[0].column == "考核等次"
    assert not AnnualAssessment.objects.exists()

    report = import_rows(grades(cadres, E, E))
    assert report.ok, report.errors
    assert AnnualAssessment.objects.filter(grade=E).count() == 2


def test_not_graded_staff_are_not_in_the_base(unit):
    """DOMAIN.md §2 lines 89–91: "graded staff" excludes 不定等次 — 10 graded and 5 不定等次 allow 2 优秀, not 3."""
    cadres = staff(unit, 15)
    rows = grades(cadres, E, E, E)[:10] + [(c, N) for c in cadres[10:]]
    report = import_rows(rows)
    assert [e.message for e in report.errors] == ["优秀 3 人，超过本单位参加考核人数 10 的 20%（上限 2 人）"]
    assert import_rows(grades(cadres[:10], E, E) + [(c, N) for c in cadres[10:]]).ok


def test_share_is_per_unit_and_year(unit, other_unit):
    """DOMAIN.md §2 line 91: the share is of *a unit's* staff for a year: another unit's or another
    year's 优秀 do not count."""
    here, there = staff(unit, 5), staff(other_unit, 5, start=100)
    rows = grades(here, E) + grades(there, E) + [(here[1], E, YEAR - 1)] + [(c, C, YEAR - 1) for c in here[2:]] + [(here[0], C, YEAR - 1)]
    report = import_rows(rows)
    assert report.ok, report.errors


def test_special_case_allows_twenty_five_percent(unit):
    """DOMAIN.md §2 line 91: up to 25% where an administrator marks the unit-year as a special case:
    12 graded → 2 at 20%, 3 at 25%, never 4."""
    cadres = staff(unit, 12)
    assert [e.message for e in import_rows(grades(cadres, E, E, E)).errors] == ["优秀 3 人，超过本单位参加考核人数 12 的 20%（上限 2 人）"]
    ExcellentShareAllowance.objects.create(unit=unit, year=YEAR, share=25, reason="获评先进集体")
    assert import_rows(grades(cadres, E, E, E)).ok
    AnnualAssessment.objects.all().delete()
    assert [e.message for e in import_rows(grades(cadres, E, E, E, E)).errors] == [
        "优秀 4 人，超过本单位参加考核人数 12 的 25%（上限 3 人）"
    ]
    ExcellentShareAllowance.objects.create(unit=unit, year=YEAR + 1, share=25, reason="其他年度")
    with pytest.raises(ValidationError):
        ExcellentShareAllowance(unit=unit, year=YEAR + 2, share=26, reason="超过25%").full_clean()


def test_import_counts_the_stored_grades_and_replaces_updated_ones(unit):
    """DOMAIN.md §2 line 91: the share counts what is already stored for the unit-year; a row of the
    file replaces the stored grade of the same cadre and year."""
    cadres = staff(unit, 11)
    for cadre, grade in grades(cadres[:10], E, E):
        AnnualAssessment.objects.create(cadre=cadre, year=YEAR, grade=grade)
    report = import_rows([(cadres[10], E)])
    assert [e.message for e in report.errors] == ["优秀 3 人，超过本单位参加考核人数 11 的 20%（上限 2 人）"]
    assert import_rows([(cadres[10], E), (cadres[0], C)]).ok
    assert set(AnnualAssessment.objects.filter(grade=E).values_list("cadre", flat=True)) == {cadres[1].pk, cadres[10].pk}


def test_full_clean_and_admin_refuse_over_the_share(client, unit):
    """DOMAIN.md §2 line 91: the same check in AnnualAssessment.full_clean() and the admin form."""
    cadres = staff(unit, 10)
    for cadre, grade in grades(cadres[:9], E, E):
        AnnualAssessment.objects.create(cadre=cadre, year=YEAR, grade=grade)
    third = AnnualAssessment(cadre=cadres[9], year=YEAR, grade=E)
    with pytest.raises(ValidationError) as excinfo:
        third.full_clean()
    assert excinfo.value.message_dict["grade"] == ["优秀 3 人，超过本单位参加考核人数 10 的 20%（上限 2 人）"]
    AnnualAssessment(cadre=cadres[9], year=YEAR, grade=C).full_clean()

    client.force_login(get_user_model().objects.create_superuser("root", "root@example.invalid", "x"))
    url = reverse("admin:records_annualassessment_add")
    response = client.post(url, {"cadre": cadres[9].pk, "year": YEAR, "grade": E, "unit": ""})
    assert response.status_code == 200
    assert "超过本单位参加考核人数 10 的 20%" in response.content.decode()
    assert not AnnualAssessment.objects.filter(cadre=cadres[9]).exists()
    response = client.post(url, {"cadre": cadres[9].pk, "year": YEAR, "grade": C, "unit": ""})
    assert response.status_code == 302
    assert AnnualAssessment.objects.get(cadre=cadres[9]).unit == unit  # assessed in the cadre's unit


# --------------------------------------------------------------------------- sanctions (line 98)


def sanction(cadre, kind, decided, **fields):
    return Sanction.objects.create(cadre=cadre, kind=kind, decision_date=decided, **fields)


@pytest.mark.parametrize("kind, label", [(SanctionKind.WARNING, "警告"), (SanctionKind.ADMONISHMENT, "诫勉")])
def test_warning_or_admonishment_in_the_year_rules_out_excellent(unit, kind, label):
    """DOMAIN.md §2 line 98: a 警告 or 诫勉 in the year → not 优秀 that year (and only that year,
    although its 6-month effect period runs into the next)."""
    cadres = staff(unit, 10)
    sanction(cadres[0], kind, datetime.date(YEAR, 11, 1))
    report = import_rows(grades(cadres, E))
    assert [e.message for e in report.errors] == [f"{YEAR}年度不能评为优秀：{label}（{YEAR}年11月1日决定，影响期至{YEAR + 1}年4月30日）"]
    with pytest.raises(ValidationError) as excinfo:
        AnnualAssessment(cadre=cadres[0], year=YEAR, grade=E).full_clean()
    assert label in excinfo.value.message_dict["grade"][0]
    assert import_rows([(c, g, YEAR + 1) for c, g in grades(cadres, E)]).ok
    assert import_rows([(c, g, YEAR - 1) for c, g in grades(cadres, E)]).ok


@pytest.mark.parametrize(
    "kind, label",
    [
        (SanctionKind.DEMERIT, "记过"),
        (SanctionKind.MAJOR_DEMERIT, "记大过"),
        (SanctionKind.DEMOTION, "降级"),
        (SanctionKind.DISMISSAL_FROM_POST, "撤职"),
    ],
)
def test_demerit_and_above_rule_out_excellent_during_the_effect_period(unit, kind, label):
    """DOMAIN.md §2 line 98 [practice]: 记过 and above → not 优秀, for every year the effect period
    (DOMAIN.md §3) runs in; a year after it is over is free."""
    cadres = staff(unit, 10)
    sanction(cadres[0], kind, datetime.date(YEAR - 1, 12, 31))  # 12 months or more: runs into YEAR
    report = import_rows(grades(cadres, E))
    assert len(report.errors) == 1 and report.errors[0].message.startswith(f"{YEAR}年度不能评为优秀：{label}")
    assert import_rows([(c, g, YEAR - 2) for c, g in grades(cadres, E)]).ok  # before the decision


def test_demerit_effect_period_boundary_between_years(unit):
    """DOMAIN.md §2 line 98 and §3: a 记过 decided 2024-01-01 runs through 2024-12-31, so 2025 may be 优秀;
    decided 2024-01-02 it runs through 2025-01-01, so 2025 may not."""
    cadres = staff(unit, 10)
    record = sanction(cadres[0], SanctionKind.DEMERIT, datetime.date(YEAR - 1, 1, 1))
    assert record.effect_end == datetime.date(YEAR - 1, 12, 31)
    assert import_rows(grades(cadres, E)).ok
    AnnualAssessment.objects.all().delete()
    Sanction.objects.filter(pk=record.pk).update(decision_date=datetime.date(YEAR - 1, 1, 2), effect_end=datetime.date(YEAR, 1, 1))
    assert not import_rows(grades(cadres, E)).ok


def test_fault_excused_in_full_does_not_rule_out_excellent(unit):
    """DOMAIN.md §1.4 / seed 000 #10 with §2 line 98: 免予追究 does not count; reduced liability does."""
    cadres = staff(unit, 10)
    record = sanction(cadres[0], SanctionKind.WARNING, datetime.date(YEAR, 3, 1), excuse=FaultToleranceExcuse.EXEMPT)
    assert import_rows(grades(cadres, E)).ok
    AnnualAssessment.objects.all().delete()
    Sanction.objects.filter(pk=record.pk).update(excuse=FaultToleranceExcuse.REDUCED)
    assert not import_rows(grades(cadres, E)).ok


def test_organisational_measures_do_not_rule_out_excellent(unit):
    """DOMAIN.md §2 line 98 names 警告/诫勉 and 记过 and above only; 组织处理 is not among them."""
    cadres = staff(unit, 10)
    sanction(cadres[0], SanctionKind.ORG_ADJUSTMENT, datetime.date(YEAR, 3, 1))
    assert import_rows(grades(cadres, E)).ok


# --------------------------------------------------------------------------- 不称职 (lines 94–95)


def test_incompetent_records_a_level_reduction_without_changing_the_rank(client, unit):
    """DOMAIN.md §2 line 94 (公务员法 art. 50; seed 004 art. 6): 不称职 → one level down, recorded on
    the cadre for the organisation department; the rank itself is not changed by the system."""
    cadres = staff(unit, 3)
    assert import_rows([(cadres[0], U), (cadres[1], C)]).ok
    reduction = LevelReduction.objects.get()
    assert (reduction.cadre, reduction.year, reduction.carried_out_on) == (cadres[0], YEAR, None)
    cadres[0].refresh_from_db()
    assert cadres[0].rank_level == RankLevel.TOWNSHIP_DEPUTY

    AnnualAssessment.objects.create(cadre=cadres[2], year=YEAR, grade=U)  # and through the ORM / admin
    assert LevelReduction.objects.filter(cadre=cadres[2], year=YEAR).exists()
    assessment = AnnualAssessment.objects.get(cadre=cadres[2])
    assessment.grade = C
    assessment.save()  # a corrected grade drops the pending reduction
    assert not LevelReduction.objects.filter(cadre=cadres[2]).exists()

    client.force_login(get_user_model().objects.create_superuser("root", "root@example.invalid", "x"))
    page = client.get(reverse("admin:records_cadre_change", args=[cadres[0].pk])).content.decode()
    assert f"{YEAR}年度考核不称职：应降低一个职务或者职级层次" in page
    listing = client.get(reverse("admin:records_cadre_changelist"), {"assessment_consequence": "level_reduction"})
    assert [c.pk for c in listing.context["cl"].result_list] == [cadres[0].pk]


def test_two_consecutive_incompetent_years_flag_dismissal(client, unit):
    """DOMAIN.md §2 line 95 (公务员法 art. 88): two consecutive years 不称职 → flagged for 辞退;
    two years apart → not flagged."""
    consecutive, apart, once = staff(unit, 3)
    for cadre, years in ((consecutive, (YEAR - 1, YEAR)), (apart, (YEAR - 2, YEAR)), (once, (YEAR,))):
        for year in years:
            AnnualAssessment.objects.create(cadre=cadre, year=year, grade=U)
    AnnualAssessment.objects.create(cadre=apart, year=YEAR - 1, grade=C)
    assert list(Cadre.objects.flagged_for_dismissal()) == [consecutive]
    assert list(rules.dismissal_candidates()) == [consecutive]
    assert consecutive.dismissal_years() == [(YEAR - 1, YEAR)] and apart.dismissal_years() == []

    client.force_login(get_user_model().objects.create_superuser("root", "root@example.invalid", "x"))
    listing = client.get(reverse("admin:records_cadre_changelist"), {"assessment_consequence": "dismissal"})
    assert [c.pk for c in listing.context["cl"].result_list] == [consecutive.pk]
    page = client.get(reverse("admin:records_cadre_change", args=[consecutive.pk])).content.decode()
    assert f"{YEAR - 1}、{YEAR}年度连续两年不称职：应予辞退" in page


# --------------------------------------------------------------------------- promotion bars (lines 93, 96)


@pytest.mark.parametrize("grade, barred", [(B, True), (U, True), (C, False), (E, False), (N, False)])
def test_previous_year_basic_or_below_bars_promotion_for_one_year(unit, grade, barred):
    """DOMAIN.md §2 line 93 (seed 004 art. 6): 基本称职 (or below) → no promotion for one year: the
    calendar year after the assessment year, 1 January through 31 December."""
    cadre = staff(unit, 1)[0]
    AnnualAssessment.objects.create(cadre=cadre, year=YEAR, grade=grade)
    for day, expected in (
        (datetime.date(YEAR, 12, 31), False),
        (datetime.date(YEAR + 1, 1, 1), barred),
        (datetime.date(YEAR + 1, 12, 31), barred),
        (datetime.date(YEAR + 2, 1, 1), False),
    ):
        codes = [code for code, _reason in rules.promotion_bars(cadre, day)]
        assert codes == (["assessment_below_competent"] if expected else []), day
    if barred:
        reason = rules.promotion_bars(cadre, datetime.date(YEAR + 1, 6, 1))[0][1]
        assert reason == f"{YEAR}年度考核为{LABELS[grade]}，一年内不得提拔（至{YEAR + 1}年12月31日）"


def test_key_targets_missed_is_imported_and_bars_promotion_for_one_year(unit):
    """DOMAIN.md §2 line 96 (seed 004 art. 6): key targets missed → no promotion for one year; the
    fact is recorded per cadre and year and imported from the 重点目标任务未完成 column."""
    missed, met = staff(unit, 2)
    report = import_rows([(missed, C, YEAR, "是"), (met, C, YEAR, "否")], key_targets=True)
    assert report.ok, report.errors
    assert AnnualAssessment.objects.get(cadre=missed).key_targets_missed is True
    assert AnnualAssessment.objects.get(cadre=met).key_targets_missed is False
    assert [code for code, _r in rules.promotion_bars(missed, datetime.date(YEAR + 1, 1, 1))] == ["key_targets_missed"]
    assert rules.promotion_bars(missed, datetime.date(YEAR + 2, 1, 1)) == []
    assert rules.promotion_bars(met, datetime.date(YEAR + 1, 1, 1)) == []
    bad = import_rows([(missed, C, YEAR, "也许")], key_targets=True)
    assert [(e.column, e.row) for e in bad.errors] == [("重点目标任务未完成", 2)]


def test_new_cadres_of_a_cadre_workbook_count_with_the_stored_grades(unit):
    """DOMAIN.md §2 line 91: a cadre workbook's new cadres are counted with what the unit already has."""
    from tests.test_records_import import cadre_row, write_workbook

    for cadre, grade in grades(staff(unit, 10), E, E):
        AnnualAssessment.objects.create(cadre=cadre, year=YEAR, grade=grade)
    newcomer = cadre_row(500, unit_code=unit.code)
    report = importing.import_cadres(write_workbook([newcomer], [(newcomer["身份证号"], YEAR, "优秀")]))
    assert [e.message for e in report.errors] == ["优秀 3 人，超过本单位参加考核人数 11 的 20%（上限 2 人）"]
    assert not Cadre.objects.filter(id_number=newcomer["身份证号"]).exists()
    assert importing.import_cadres(write_workbook([newcomer], [(newcomer["身份证号"], YEAR, "称职")])).ok
