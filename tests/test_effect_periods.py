"""Sanction effect periods as data (DOMAIN.md §3) and the date conventions of issue 12 "Dates":
a period ends the day before its anniversary; "one year" is a calendar year."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from permissions.models import Unit, UnitKind, UnitLevel
from records.models import (
    Cadre,
    EffectPeriod,
    Sanction,
    SanctionKind,
    Sex,
    add_years,
    full_months_between,
    period_end,
)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def cadre():
    unit = Unit.objects.create(name="叶县县委组织部", code="YX-ZZB", level=UnitLevel.COUNTY, kind=UnitKind.ORGANISATION_DEPT)
    return Cadre.objects.create(
        name="张三", sex=Sex.MALE, birth_date=D(1980, 1, 1), work_start_date=D(2002, 7, 1), current_post="科员", unit=unit
    )


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.invalid", "x"))
    return client


# --------------------------------------------------------------------------- the day before the anniversary


def test_warning_is_over_on_its_anniversary(cadre):
    """DOMAIN.md §3 (警告 6 months, from the decision date) and issue 12 "Dates": a 警告 decided
    2026-03-15 is in effect through 2026-09-14 and over on 2026-09-15."""
    warning = Sanction.objects.create(cadre=cadre, kind=SanctionKind.WARNING, decision_date=D(2026, 3, 15))
    assert warning.effect_end == D(2026, 9, 14)
    assert not warning.in_effect_on(D(2026, 3, 14))
    assert warning.in_effect_on(D(2026, 3, 15))
    assert warning.in_effect_on(D(2026, 9, 14))
    assert not warning.in_effect_on(D(2026, 9, 15))


@pytest.mark.parametrize(
    "start, months, last_day",
    [
        (D(2026, 3, 15), 6, D(2026, 9, 14)),
        (D(2026, 3, 1), 6, D(2026, 8, 31)),  # anniversary 1 September
        (D(2023, 12, 31), 6, D(2024, 6, 30)),  # no 31 June: the month's last day (民法典 art. 202)
        (D(2023, 8, 31), 6, D(2024, 2, 29)),
        (D(2022, 8, 31), 6, D(2023, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2023, 3, 1), 12, D(2024, 2, 29)),
    ],
)
def test_period_end_is_the_day_before_the_anniversary(start, months, last_day):
    """Issue 12 "Dates" for DOMAIN.md §3: the last day is the day before the anniversary, or the end
    month's last day when it has no corresponding day."""
    assert period_end(start, months) == last_day
    assert full_months_between(start, last_day) == months - 1
    assert full_months_between(start, last_day + datetime.timedelta(days=1)) == months


def test_one_year_is_a_calendar_year():
    """Issue 12 "Dates": "one year" is a calendar year, not 365 days (2024 has 366)."""
    assert add_years(D(2024, 1, 1), 1) == D(2025, 1, 1)
    assert D(2024, 1, 1) + datetime.timedelta(days=365) == D(2024, 12, 31)  # what 365 days would give
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert add_years(D(2023, 3, 1), 2) == D(2025, 3, 1)


@pytest.mark.parametrize(
    "start, end, months",
    [
        (D(2026, 3, 15), D(2026, 9, 14), 5),
        (D(2026, 3, 15), D(2026, 9, 15), 6),
        (D(2026, 1, 31), D(2026, 2, 28), 0),
        (D(2026, 1, 31), D(2026, 3, 1), 1),
        (D(2025, 3, 1), D(2026, 2, 28), 11),
        (D(2025, 3, 1), D(2026, 3, 1), 12),
        (D(2026, 9, 15), D(2026, 3, 15), -6),
        (D(2026, 3, 15), D(2026, 3, 15), 0),
    ],
)
def test_full_months_between(start, end, months):
    """Issue 12 "Dates": whole calendar months, complete on the anniversary."""
    assert full_months_between(start, end) == months


# --------------------------------------------------------------------------- the table


def test_table_is_prefilled_with_domain_values():
    """DOMAIN.md §3 table: 警告 6, 记过 12, 记大过 18, 降级/撤职 24, 诫勉 6; 免职/降职 at least 12 [default];
    each row names its source."""
    rows = {row.kind: row for row in EffectPeriod.objects.all()}
    assert {kind: rows[kind].months for kind in SanctionKind.values} == {
        "warning": 6,
        "demerit": 12,
        "major_demerit": 18,
        "demotion": 24,
        "dismissal_from_post": 24,
        "admonishment": 6,
        "org_adjustment": 12,
        "org_resignation": 12,
        "org_removal": 12,
        "org_demotion": 12,
    }
    assert rows["org_removal"].minimum_months == rows["org_demotion"].minimum_months == 12
    assert all("§3" in row.basis for row in rows.values())


def test_editing_the_table_changes_the_computed_end(cadre):
    """DOMAIN.md §3 [law/practice, kept as data]: the period is read from the table, not from code."""
    sanction = Sanction.objects.create(cadre=cadre, kind=SanctionKind.WARNING, decision_date=D(2026, 3, 15))
    assert sanction.computed_effect_end() == D(2026, 9, 14)
    EffectPeriod.objects.filter(kind=SanctionKind.WARNING).update(months=3)
    assert sanction.computed_effect_end() == D(2026, 6, 14)


def test_the_row_in_force_on_the_decision_date_applies(cadre):
    """DOMAIN.md §3: the effect period starts on the decision date, under the rule then in force —
    a new row from 2026-07-01 applies to decisions from that day, not the day before."""
    EffectPeriod.objects.create(kind=SanctionKind.WARNING, months=9, effective_from=D(2026, 7, 1), basis="新规定")
    before = Sanction.objects.create(cadre=cadre, kind=SanctionKind.WARNING, decision_date=D(2026, 6, 30))
    on = Sanction.objects.create(cadre=cadre, kind=SanctionKind.WARNING, decision_date=D(2026, 7, 1))
    assert before.effect_end == D(2026, 12, 29)
    assert on.effect_end == D(2027, 3, 31)


def test_no_row_in_force_is_refused_with_a_message(cadre):
    """DOMAIN.md §3: without a rule for the decision date the end is not guessed."""
    EffectPeriod.objects.filter(kind=SanctionKind.WARNING).delete()
    with pytest.raises(ValidationError) as excinfo:
        Sanction(cadre=cadre, kind=SanctionKind.WARNING, decision_date=D(2026, 3, 15)).full_clean()
    assert "影响期规定" in excinfo.value.message_dict["kind"][0]


def test_minimum_is_read_from_the_table(cadre):
    """DOMAIN.md §3: 免职/降职 at least 12 months [default] — the minimum is table data too; an end
    on the minimum's last day passes, one day earlier is refused."""
    decided = D(2026, 1, 15)

    def clean(end):
        Sanction(
            cadre=cadre, kind=SanctionKind.ORG_REMOVAL, decision_date=decided, effect_end=end, effect_end_override_reason="按决定"
        ).full_clean()

    clean(D(2027, 1, 14))
    with pytest.raises(ValidationError):
        clean(D(2027, 1, 13))
    EffectPeriod.objects.filter(kind=SanctionKind.ORG_REMOVAL).update(months=18, minimum_months=18)
    with pytest.raises(ValidationError) as excinfo:
        clean(D(2027, 1, 14))
    assert "不少于18个月" in excinfo.value.message_dict["effect_end"][0]


def test_admin_edit_of_the_table_recomputes_stored_ends(admin_client, cadre):
    """DOMAIN.md §3 "computed, editable by an administrator with a reason": the administrator edits
    the period on its admin page; sanctions without an override reason follow, overridden ones keep theirs."""
    computed = Sanction.objects.create(cadre=cadre, kind=SanctionKind.DEMERIT, decision_date=D(2026, 1, 15))
    overridden = Sanction.objects.create(
        cadre=cadre,
        kind=SanctionKind.DEMERIT,
        decision_date=D(2026, 1, 15),
        effect_end=D(2027, 6, 30),
        effect_end_override_reason="处分决定载明",
    )
    row = EffectPeriod.objects.get(kind=SanctionKind.DEMERIT)
    page = admin_client.get(reverse("admin:records_effectperiod_changelist")).content.decode()
    assert "记大过" in page and "§3" in page
    response = admin_client.post(
        reverse("admin:records_effectperiod_change", args=[row.pk]),
        {
            "kind": row.kind,
            "months": 15,
            "minimum_months": "",
            "effective_from": row.effective_from.isoformat(),
            "excellent_bar": row.excellent_bar,
            "basis": row.basis,
        },
    )
    assert response.status_code == 302
    computed.refresh_from_db()
    overridden.refresh_from_db()
    assert computed.effect_end == D(2027, 4, 14)
    assert overridden.effect_end == D(2027, 6, 30)


def test_sanction_admin_describes_the_periods_from_the_table(admin_client):
    """DOMAIN.md §3: the sanction page explains the periods in force, read from the table."""
    EffectPeriod.objects.filter(kind=SanctionKind.WARNING).update(months=7)
    page = admin_client.get(reverse("admin:records_sanction_add")).content.decode()
    assert "警告7个月" in page and "前一日" in page


def test_migration_recomputes_ends_without_override_reason(cadre):
    """Issue 12 "Dates": existing rows stored with the anniversary as their end are moved to the day
    before it by migration 0006; rows an administrator adjusted with a reason are kept."""
    old = Sanction.objects.create(cadre=cadre, kind=SanctionKind.WARNING, decision_date=D(2026, 3, 15))
    kept = Sanction.objects.create(
        cadre=cadre, kind=SanctionKind.WARNING, decision_date=D(2026, 3, 15), effect_end=D(2026, 9, 15), effect_end_override_reason="按决定"
    )
    Sanction.objects.filter(pk=old.pk).update(effect_end=D(2026, 9, 15))  # as the old convention stored it
    migration = importlib.import_module("records.migrations.0006_fill_effect_periods_and_assessment_facts")
    migration.forwards(apps, None)
    old.refresh_from_db()
    kept.refresh_from_db()
    assert old.effect_end == D(2026, 9, 14)
    assert kept.effect_end == D(2026, 9, 15)


def test_an_excuse_must_name_its_decision():
    """DOMAIN.md §1.4 (seed 000 #10): "Record the excuse decision with the sanction/accountability
    record" — an excuse without its decision document is refused; with it, it is accepted."""
    from records.models import Cadre, FaultToleranceExcuse

    unit = Unit.objects.create(name="琴台街道", code="T-QT", level=UnitLevel.TOWNSHIP, kind=UnitKind.TOWNSHIP)
    cadre = Cadre.objects.create(
        name="王䶮",
        unit=unit,
        sex="male",
        birth_date=datetime.date(1985, 5, 1),
        work_start_date=datetime.date(2008, 7, 1),
        current_post="科员",
    )
    sanction = Sanction(cadre=cadre, kind="warning", decision_date=datetime.date(2026, 3, 1), excuse=FaultToleranceExcuse.EXEMPT)
    with pytest.raises(ValidationError) as refused:
        sanction.full_clean()
    assert "excuse_decision" in refused.value.message_dict
    sanction.excuse_decision = "鲁纪〔2026〕3号容错认定"
    sanction.full_clean()
