"""A timer that needs a calendar year the database lacks parks the instance in the error state,
visible to administrators, and resumes once the year is added (DOMAIN.md §7)."""

import datetime

import pytest

from permissions.roles import Role
from tests import factories as f
from workdays.models import CalendarYear
from workflows import services
from workflows.models import HistoryAction, HumanTask, InstanceStatus, ProcessInstance

pytestmark = pytest.mark.django_db


def test_missing_year_parks_the_case_and_adding_the_year_resumes_it():
    f.deploy_test_diagrams("engine/calendar_timer.bpmn")
    tree = f.small_tree()
    officer = f.user("officer", (Role.NOMINATOR, tree["township"]))
    instance = services.start_process(officer, "test_calendar_timer", unit=tree["township"], data={"notice_start": "2027-01-04"})
    task = HumanTask.objects.get(instance=instance)
    services.complete_task(officer, task.pk)  # the completion itself is kept

    instance = ProcessInstance.objects.get(pk=instance.pk)
    assert instance.status == InstanceStatus.ERROR
    assert "2027" in instance.error_message
    assert instance.history.filter(action=HistoryAction.COMPLETE).count() == 1
    assert instance.history.filter(action=HistoryAction.ERROR).exists()

    assert services.resume_errored() == 0  # still missing: stays parked
    assert ProcessInstance.objects.get(pk=instance.pk).status == InstanceStatus.ERROR

    CalendarYear.objects.create(year=2027)
    assert services.resume_errored(force=True) == 1  # the administrator retries at once, past the backoff
    instance = ProcessInstance.objects.get(pk=instance.pk)
    assert instance.status == InstanceStatus.WAITING
    # 2027-01-04 is a Monday: five working days end on Friday 8 January, due at 24:00.
    assert instance.next_timer_due == datetime.datetime(2027, 1, 9, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    services.fire_due_timers(now=instance.next_timer_due + datetime.timedelta(minutes=1))
    assert ProcessInstance.objects.get(pk=instance.pk).status == InstanceStatus.COMPLETED
