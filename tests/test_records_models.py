"""Cadre record rules (sanction effect periods) and the records/permissions admin."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from permissions.models import Grant, Unit, UnitKind, UnitLevel
from permissions.roles import Role
from records import importing
from records.models import Cadre, Sanction, SanctionKind, Sex

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return Unit.objects.create(name="叶县县委组织部", code="YX-ZZB", level=UnitLevel.COUNTY, kind=UnitKind.ORGANISATION_DEPT)


@pytest.fixture
def cadre(unit):
    return Cadre.objects.create(
        name="张三",
        sex=Sex.MALE,
        birth_date=datetime.date(1980, 1, 1),
        work_start_date=datetime.date(2002, 7, 1),
        current_post="科员",
        unit=unit,
    )


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", "root@example.invalid", "x")


def sanction(cadre, kind, decided, **fields):
    return Sanction.objects.create(cadre=cadre, kind=kind, decision_date=decided, **fields)


# --------------------------------------------------------------------------- DOMAIN.md §3


@pytest.mark.parametrize(
    "kind, months, expected_end",
    [
        # Issue 12 "Dates": the effect period ends the day before its anniversary (was the anniversary).
        (SanctionKind.WARNING, 6, datetime.date(2024, 7, 14)),
        (SanctionKind.DEMERIT, 12, datetime.date(2025, 1, 14)),
        (SanctionKind.MAJOR_DEMERIT, 18, datetime.date(2025, 7, 14)),
        (SanctionKind.DEMOTION, 24, datetime.date(2026, 1, 14)),
        (SanctionKind.DISMISSAL_FROM_POST, 24, datetime.date(2026, 1, 14)),
        (SanctionKind.ADMONISHMENT, 6, datetime.date(2024, 7, 14)),
    ],
)
def test_effect_period_per_measure(cadre, kind, months, expected_end):
    """DOMAIN.md §3: 警告 6 months, 记过 12, 记大过 18, 降级/撤职 24, 诫勉 6, counted from the
    decision date; the end date is computed and stored when left blank."""
    record = sanction(cadre, kind, datetime.date(2024, 1, 15))
    record.refresh_from_db()
    assert record.effect_end == expected_end
    assert record.effect_end_override_reason == ""


def test_organisational_removal_defaults_to_at_least_twelve_months(cadre):
    """DOMAIN.md §3: 组织处理 per decision, at least 12 months for 免职/降职 [default]."""
    for kind in (SanctionKind.ORG_REMOVAL, SanctionKind.ORG_DEMOTION):
        # Issue 12 "Dates": ends the day before the anniversary (was 2025-01-15).
        assert sanction(cadre, kind, datetime.date(2024, 1, 15)).effect_end == datetime.date(2025, 1, 14)
    short = Sanction(
        cadre=cadre,
        kind=SanctionKind.ORG_REMOVAL,
        decision_date=datetime.date(2024, 1, 15),
        effect_end=datetime.date(2024, 10, 15),
        effect_end_override_reason="按决定",
    )
    with pytest.raises(ValidationError) as excinfo:
        short.full_clean()
    assert "effect_end" in excinfo.value.message_dict


@pytest.mark.parametrize(
    "kind, decided, expected_end",
    [
        (SanctionKind.WARNING, datetime.date(2023, 8, 31), datetime.date(2024, 2, 29)),  # leap year
        (SanctionKind.WARNING, datetime.date(2022, 8, 31), datetime.date(2023, 2, 28)),
        (SanctionKind.ADMONISHMENT, datetime.date(2023, 12, 31), datetime.date(2024, 6, 30)),
        # Issue 12 "Dates": where the end month has the corresponding day, the period ends the day
        # before it (these three were the anniversary: 2024-07-31, 2024-03-31, 2024-02-28).
        (SanctionKind.MAJOR_DEMERIT, datetime.date(2023, 1, 31), datetime.date(2024, 7, 30)),
        (SanctionKind.DEMERIT, datetime.date(2023, 3, 31), datetime.date(2024, 3, 30)),
        (SanctionKind.DEMOTION, datetime.date(2022, 2, 28), datetime.date(2024, 2, 27)),
    ],
)
def test_effect_period_clamps_to_month_end(cadre, kind, decided, expected_end):
    """DOMAIN.md §3: a period of N months ending in a shorter month ends on that month's last day."""
    assert sanction(cadre, kind, decided).effect_end == expected_end


def test_effect_period_starts_on_the_decision_date(cadre):
    """DOMAIN.md §3: the effect period starts on the decision date and includes its end date."""
    record = sanction(cadre, SanctionKind.WARNING, datetime.date(2024, 1, 15))
    assert not record.in_effect_on(datetime.date(2024, 1, 14))
    assert record.in_effect_on(datetime.date(2024, 1, 15))
    # Issue 12 "Dates": the last day is the day before the anniversary (was 7-15 in, 7-16 out).
    assert record.in_effect_on(datetime.date(2024, 7, 14))
    assert not record.in_effect_on(datetime.date(2024, 7, 15))


def test_overriding_the_end_date_requires_a_reason(cadre):
    """DOMAIN.md §3: the end date is editable by an administrator *with a reason*."""
    record = Sanction(
        cadre=cadre, kind=SanctionKind.DEMERIT, decision_date=datetime.date(2024, 1, 15), effect_end=datetime.date(2025, 6, 30)
    )
    with pytest.raises(ValidationError) as excinfo:
        record.full_clean()
    assert "effect_end_override_reason" in excinfo.value.message_dict

    record.effect_end_override_reason = "处分决定载明影响期至2025年6月30日"
    record.full_clean()
    record.save()
    record.refresh_from_db()
    assert record.effect_end == datetime.date(2025, 6, 30)

    # Issue 12 "Dates": the computed end is the day before the anniversary (was 2025-01-15).
    same = Sanction(cadre=cadre, kind=SanctionKind.DEMERIT, decision_date=datetime.date(2024, 1, 15), effect_end=datetime.date(2025, 1, 14))
    same.full_clean()  # the computed date itself needs no reason


# --------------------------------------------------------------------------- sanction admin


def sanction_post(cadre, **overrides):
    data = {
        "cadre": cadre.pk,
        "kind": SanctionKind.WARNING,
        "decision_date": "2024-01-15",
        "effect_end": "",
        "effect_end_override_reason": "",
        "excuse": "none",
        "excuse_decision": "",
        "description": "",
    }
    data.update(overrides)
    return data


def test_sanction_admin_computes_and_explains_the_effect_period(client, superuser, cadre):
    """DOMAIN.md §3: in the admin a blank end date is computed; a different one without a reason
    is refused with the computed date shown, and accepted with a reason."""
    client.force_login(superuser)
    add_url = reverse("admin:records_sanction_add")
    page = client.get(add_url).content.decode()
    assert "警告6个月" in page and "记大过18个月" in page and "调整影响期的理由" in page

    response = client.post(add_url, sanction_post(cadre))
    assert response.status_code == 302
    record = Sanction.objects.get()
    # Issue 12 "Dates": ends the day before the anniversary (was 2024-07-15 in this test).
    assert record.effect_end == datetime.date(2024, 7, 14)

    change_url = reverse("admin:records_sanction_change", args=[record.pk])
    assert "2024年7月14日" in client.get(change_url).content.decode()

    response = client.post(change_url, sanction_post(cadre, effect_end="2024-12-31"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "effect_end_override_reason" in form.errors
    assert "2024年7月14日" in " ".join(form.errors["effect_end"])  # the computed date is named (issue 12 "Dates")
    record.refresh_from_db()
    assert record.effect_end == datetime.date(2024, 7, 14)

    response = client.post(change_url, sanction_post(cadre, effect_end="2024-12-31", effect_end_override_reason="处分决定另有规定"))
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.effect_end, record.effect_end_override_reason) == (datetime.date(2024, 12, 31), "处分决定另有规定")


def test_sanction_admin_recomputes_when_kind_or_date_changes(client, superuser, cadre):
    """DOMAIN.md §3: correcting the measure or the decision date of a sanction whose end date was
    computed recomputes it, instead of demanding an override reason."""
    client.force_login(superuser)
    record = sanction(cadre, SanctionKind.WARNING, datetime.date(2024, 1, 15))
    change_url = reverse("admin:records_sanction_change", args=[record.pk])
    # Issue 12 "Dates": the stored end is the day before the anniversary (were 2024-07-15 and 2025-07-15).
    response = client.post(change_url, sanction_post(cadre, kind=SanctionKind.MAJOR_DEMERIT, effect_end="2024-07-14"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    record.refresh_from_db()
    assert (record.kind, record.effect_end) == (SanctionKind.MAJOR_DEMERIT, datetime.date(2025, 7, 14))


def test_sanction_inline_on_cadre_shows_computed_end(client, superuser, cadre):
    """DOMAIN.md §3: the cadre page lists sanctions with their computed effect period."""
    sanction(cadre, SanctionKind.MAJOR_DEMERIT, datetime.date(2023, 1, 31))
    client.force_login(superuser)
    page = client.get(reverse("admin:records_cadre_change", args=[cadre.pk])).content.decode()
    # Issue 12 "Dates": 18 months from 2023-01-31 run through 2024-07-30 (was 2024年7月31日).
    assert "按规定计算的截止日期" in page and "2024年7月30日" in page
    for title in ("家庭成员及社会关系", "年度考核结果", "处分与组织处理", "立案审查调查", "奖励", "职务晋升", "挂职锻炼"):
        assert title in page


# --------------------------------------------------------------------------- admin registration


ADMIN_APPS = ("records", "permissions")


def test_every_records_and_permissions_model_has_a_working_admin(client, superuser, cadre):
    """DOMAIN.md §8.2, §9: every record and the unit tree/grants are maintainable in the admin."""
    from django.apps import apps

    client.force_login(superuser)
    for app_label in ADMIN_APPS:
        for model in apps.get_app_config(app_label).get_models():
            assert admin.site.is_registered(model), model
            info = (model._meta.app_label, model._meta.model_name)
            assert client.get(reverse("admin:%s_%s_changelist" % info)).status_code == 200, info
            assert client.get(reverse("admin:%s_%s_add" % info)).status_code == 200, info


def test_cadre_changelist_filters_and_search(client, superuser, unit, cadre):
    """DOMAIN.md §8.2: cadres are found by name or id number and filtered by unit (with its
    subunits), rank and sex."""
    city = Unit.objects.create(name="平顶山市委", code="PDS", level=UnitLevel.CITY, kind=UnitKind.PARTY_COMMITTEE)
    unit.parent = city
    unit.save()
    first17 = "41040219800101001"
    other = Cadre.objects.create(
        name="李四",
        id_number=first17 + importing.id_check_digit(first17),
        sex=Sex.FEMALE,
        birth_date=datetime.date(1980, 1, 1),
        work_start_date=datetime.date(2002, 7, 1),
        current_post="科员",
        unit=city,
    )
    client.force_login(superuser)
    url = reverse("admin:records_cadre_changelist")

    def names(query):
        return {c.name for c in client.get(url, query).context["cl"].result_list}

    assert names({"q": "李四"}) == {"李四"}
    assert names({"q": other.id_number}) == {"李四"}
    assert names({"sex__exact": Sex.FEMALE}) == {"李四"}
    assert names({"unit_tree": city.pk}) == {"张三", "李四"}
    assert names({"unit_tree": unit.pk}) == {"张三"}
    page = client.get(url).content.decode()
    assert other.id_number not in page and "********" in page  # masked in the list

    autocomplete = client.get(
        reverse("admin:autocomplete"), {"app_label": "records", "model_name": "cadre", "field_name": "unit", "term": "PDS"}
    )
    assert [r["text"] for r in autocomplete.json()["results"]] == ["平顶山市委"]


def test_cadre_admin_checks_the_id_number(client, superuser, unit):
    """DOMAIN.md §8.2: an id number typed in the admin is checked like an imported one."""
    first17 = "41040219800101001"
    good = first17 + importing.id_check_digit(first17)
    wrong = first17 + ("0" if good[-1] != "0" else "1")
    client.force_login(superuser)
    data = {
        "name": "王五",
        "id_number": wrong,
        "sex": Sex.MALE,
        "birth_date": "1980-01-01",
        "ethnicity": "汉族",
        "political_status": "中共党员",
        "work_start_date": "2002-07-01",
        "current_post": "科员",
        "rank_level": "none",
        "unit": unit.pk,
        "health": "健康",
    }
    for prefix in ("family", "assessments", "sanctions", "investigations", "awards", "promotions", "secondments"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    url = reverse("admin:records_cadre_add")
    response = client.post(url, data)
    assert response.status_code == 200 and "校验位" in response.content.decode()
    assert not Cadre.objects.exists()
    data["id_number"] = good.lower()
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Cadre.objects.get().id_number == good


def test_grant_admin_edits_a_grant_and_the_user_page_lists_it(client, superuser, unit):
    """PRODUCT.md (per-unit roles): an edited grant's new role is what the policy reads (there
    is no second copy to keep in step); the user page lists the user's grants."""
    from permissions import policy

    officer = get_user_model().objects.create_user("officer", password="x")
    grant = Grant.objects.create(user=officer, unit=unit, role=Role.NOMINATOR)
    assert policy.holds_role(officer, Role.NOMINATOR, unit)

    client.force_login(superuser)
    response = client.post(
        reverse("admin:permissions_grant_change", args=[grant.pk]),
        {"user": officer.pk, "unit": unit.pk, "role": Role.REVIEWER, "include_subordinates": "on"},
    )
    assert response.status_code == 302
    assert policy.holds_role(officer, Role.REVIEWER, unit) and not policy.holds_role(officer, Role.NOMINATOR, unit)

    page = client.get(reverse("admin:auth_user_change", args=[officer.pk])).content.decode()
    assert "角色授权" in page and "叶县县委组织部" in page

    unit_page = client.get(reverse("admin:permissions_unit_changelist"), {"q": "YX-ZZB"})
    assert [u.name for u in unit_page.context["cl"].result_list] == ["叶县县委组织部"]
