"""Moving a unit to another parent moves the copies of its path: the open and closed tasks and the
case units of its cases follow it (``workflows.unit_paths``), so the inbox and the case lists of
the new parent's people cover them and the old parent's no longer do."""

import pytest

from permissions.models import Unit
from permissions.roles import Role
from tests import factories as f
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, start_and_nominate, unit
from workflows import clock
from workflows.models import CaseUnit, HumanTask, ProcessInstance


def check_a_move():
    load_world()
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    old_county, new_county = unit("HA-PDS-LS"), unit("HA-PDS-BF")
    old_viewer = f.user("old_county_viewer", (Role.REVIEWER, old_county, True))
    new_viewer = f.user("new_county_viewer", (Role.REVIEWER, new_county, True))
    assert ProcessInstance.objects.visible_to(old_viewer).filter(pk=case.pk).exists()
    assert not ProcessInstance.objects.visible_to(new_viewer).filter(pk=case.pk).exists()

    township = unit("HA-PDS-LS-QT")
    township.parent = new_county
    township.save()
    township = Unit.objects.get(pk=township.pk)
    assert township.path.startswith(new_county.path)

    assert set(HumanTask.all_objects.filter(instance=case).values_list("unit_path", flat=True)) == {township.path}
    assert set(CaseUnit.objects.filter(instance=case).values_list("unit_path", flat=True)) == {township.path}
    assert ProcessInstance.objects.visible_to(new_viewer).filter(pk=case.pk).exists()
    assert not ProcessInstance.objects.visible_to(old_viewer).filter(pk=case.pk).exists()
    # A task of another unit keeps its path.
    assert not HumanTask.all_objects.exclude(instance=case).filter(unit_path__startswith=township.path).exists()


@pytest.mark.django_db
def test_a_moved_units_cases_and_tasks_follow_it_to_its_new_parent():
    check_a_move()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_moved_units_cases_and_tasks_follow_it_on_postgresql():
    f.ensure_reference_data()  # the rows of the data migrations, flushed by an earlier transactional test
    check_a_move()
