"""Small builders for tests: a unit tree, users with grants, cadres, deployed test diagrams."""

import datetime
from pathlib import Path

from django.contrib.auth import get_user_model

from permissions.models import Grant, Unit, UnitKind, UnitLevel
from records.models import Cadre, FamilyMember

TEST_BPMN = Path(__file__).parent / "bpmn"


def unit(code, name, level, kind, parent=None):
    return Unit.objects.create(code=code, name=name, level=level, kind=kind, parent=parent)


def small_tree():
    """city → two counties (party committees) → one township each."""
    city = unit("C", "平顶山市委", UnitLevel.CITY, UnitKind.PARTY_COMMITTEE)
    county = unit("C-LS", "鲁山县委", UnitLevel.COUNTY, UnitKind.PARTY_COMMITTEE, city)
    other_county = unit("C-BF", "宝丰县委", UnitLevel.COUNTY, UnitKind.PARTY_COMMITTEE, city)
    township = unit("C-LS-QT", "琴台街道", UnitLevel.TOWNSHIP, UnitKind.TOWNSHIP, county)
    other_township = unit("C-BF-CG", "城关镇", UnitLevel.TOWNSHIP, UnitKind.TOWNSHIP, other_county)
    return {"city": city, "county": county, "other_county": other_county, "township": township, "other_township": other_township}


def user(username, *grants, **extra):
    """``grants`` are (role, unit) or (role, unit, include_subordinates) tuples."""
    person = get_user_model().objects.create_user(username, password="pw-12345678", first_name=extra.pop("first_name", username), **extra)
    for grant in grants:
        role, on_unit, *rest = grant
        Grant.objects.create(user=person, role=role, unit=on_unit, include_subordinates=bool(rest and rest[0]))
    return person


def cadre(name, on_unit, **fields):
    defaults = dict(
        sex="male", birth_date=datetime.date(1985, 5, 1), work_start_date=datetime.date(2008, 7, 1), current_post="科员", rank_level="none"
    )
    defaults.update(fields)
    return Cadre.objects.create(name=name, unit=on_unit, **defaults)


def relative(of_cadre, relative_cadre, relation="配偶"):
    return FamilyMember.objects.create(cadre=of_cadre, relation=relation, name=relative_cadre.name, relative_cadre=relative_cadre)


def _test_process_types():
    """Process types of the test diagrams in tests/bpmn/engine (the app's own are in its apps)."""
    from django import forms

    from workflows import process_types
    from workflows.forms import OpinionForm, TaskForm

    class SubmitForm(TaskForm):
        deeds = forms.CharField(required=False)

    if process_types.get("test_two_lanes") is None:
        process_types.register(
            process_types.ProcessType(
                process_id="test_two_lanes", key_prefix="TTL", forms={"Task_submit": SubmitForm, "Task_approve": OpinionForm}
            )
        )


def deploy_test_diagrams(*names):
    from workflows.deploy import deploy_files

    _test_process_types()
    return deploy_files([TEST_BPMN / name for name in names], base=TEST_BPMN)


def ensure_reference_data():
    """Re-create what data migrations provide; a transactional test's flush deletes it."""
    from awards.models import AwardBonus
    from awards.reference import install_default_bonuses
    from workdays import calendar
    from workdays.models import CalendarDay, CalendarYear
    from workdays.sync import sync_from_package

    sync_from_package(CalendarYear, CalendarDay)
    calendar.clear_cache()
    install_default_bonuses(AwardBonus)
    # The rule tables filled by data migrations (issue 12 "Rules as data"), through the migrations'
    # own functions so there is one list of the defaults.
    import importlib

    from django.apps import apps

    for module, function in (
        ("records.migrations.0006_fill_effect_periods_and_assessment_facts", "forwards"),
        ("notices.migrations.0003_fill_notice_rules", "fill"),
        ("promotions.migrations.0005_fill_exceptional_rules", "fill"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)
