"""Case units carry their case's nominating unit (workflows migration 0013): what the cadre
visibility of the units handling a case reads (``permissions.policy.visible_units``); and its
creation time (0017): what the case list reads its newest cases by."""

import importlib
import types

import pytest
from django.db import connection

from records.models import Cadre
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, start_and_nominate, task_of, unit_decides
from workflows import clock, services
from workflows.models import CaseUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    load_world()
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0])))
        # On to 审核 at 鲁山县委组织部 (ls_sh): the county's units now handle the case.
        services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
    return case


def test_every_case_unit_names_the_cases_nominating_unit(case):
    rows = CaseUnit.objects.filter(instance=case)
    assert rows.count() > 1  # the nominating unit and the units its steps were bound to
    assert set(rows.values_list("nominating_unit_id", flat=True)) == {case.nominating_unit_id}


def test_the_migration_copies_it_in_batches(case, monkeypatch):
    migration = importlib.import_module("workflows.migrations.0013_caseunit_nominating_unit")
    monkeypatch.setattr(migration, "BATCH", 2)  # several batches over this case's rows
    other = case.nominating_unit.parent
    CaseUnit.objects.update(nominating_unit=other)
    migration.copy_nominating_units(None, types.SimpleNamespace(connection=connection))
    assert set(CaseUnit.objects.values_list("nominating_unit_id", flat=True)) == {case.nominating_unit_id}


def test_every_case_unit_carries_the_cases_creation_time_and_the_migration_copies_it(case, monkeypatch):
    import datetime

    rows = CaseUnit.objects.filter(instance=case)
    assert set(rows.values_list("case_created_at", flat=True)) == {case.created_at}
    migration = importlib.import_module("workflows.migrations.0017_caseunit_case_created_at")
    monkeypatch.setattr(migration, "BATCH", 2)  # several batches over this case's rows
    CaseUnit.objects.update(case_created_at=case.created_at - datetime.timedelta(days=9))
    migration.copy_case_creation_times(None, types.SimpleNamespace(connection=connection))
    assert set(rows.values_list("case_created_at", flat=True)) == {case.created_at}


def test_the_task_definition_migration_copies_the_cases_definition(case, monkeypatch):
    from workflows.models import HumanTask, ProcessDefinition

    migration = importlib.import_module("workflows.migrations.0015_humantask_definition")
    monkeypatch.setattr(migration, "BATCH", 1)
    tasks = HumanTask.all_objects.filter(instance=case)
    tasks.update(definition=ProcessDefinition.objects.exclude(pk=case.definition_id).first())
    migration.copy_definitions(None, types.SimpleNamespace(connection=connection))
    assert set(tasks.values_list("definition_id", flat=True)) == {case.definition_id}


def test_a_reviewer_of_a_handling_unit_sees_the_nominating_units_cadres(case):
    reviewer = person("ls_sh")
    assert Cadre.objects.visible_to(reviewer).filter(unit=case.nominating_unit).count() > 1
    CaseUnit.objects.update(nominating_unit=case.nominating_unit.parent)  # as if another unit had nominated it
    assert not Cadre.objects.visible_to(reviewer).filter(unit=case.nominating_unit).exists()
