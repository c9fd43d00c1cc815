"""A task row whose engine task is gone (a stale page, a row left behind) is a conflict the user can
act on — "refresh and look again" — not an engine exception."""

import pytest

from tests.merit_helpers import QT_CLEAN, cadre, load_world, person, start_and_nominate, task_of
from workflows import services
from workflows.errors import TaskConflict
from workflows.models import HumanTask

pytestmark = pytest.mark.django_db


def test_a_task_row_without_its_engine_task_is_a_conflict():
    load_world()
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    task = task_of(case, "Task_unit_decision")
    HumanTask.all_objects.filter(pk=task.pk).update(task_uuid="00000000-0000-4000-8000-000000000000")
    with pytest.raises(TaskConflict):
        services.complete_task(person("ls_qt_ld"), task.pk, data={"meeting_date": "2026-09-01", "attendees": "7人"})
