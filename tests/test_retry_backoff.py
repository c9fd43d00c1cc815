"""Issue 13 item 6: errored cases are retried oldest first, with exponential backoff.

Before, ``resume_errored`` took the 100 newest errored cases every round, with no pause: with
more than 100 parked, the older ones were never retried. Now a parked case's first retry is
due a minute after it was parked, each failed retry doubles the wait (capped at 6 hours), the
longest-due go first, and a successful retry resets the counters.
"""

import datetime

import pytest

from permissions.roles import Role
from tests import factories as f
from workdays import calendar
from workdays.models import CalendarYear
from workflows import clock, services
from workflows.models import HumanTask, InstanceStatus, ProcessInstance

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def parked():
    """Three cases parked in the error state (their timer needs calendar year 2027), an hour apart."""
    calendar.clear_cache()  # no year 2027 left over from another test
    f.deploy_test_diagrams("engine/calendar_timer.bpmn")
    tree = f.small_tree()
    officer = f.user("officer", (Role.NOMINATOR, tree["township"]))
    cases = []
    for hour in range(3):
        with clock.frozen_at(T0 + datetime.timedelta(hours=hour)):
            case = services.start_process(officer, "test_calendar_timer", unit=tree["township"], data={"notice_start": "2027-01-04"})
            services.complete_task(officer, HumanTask.objects.get(instance=case).pk)
        cases.append(ProcessInstance.objects.get(pk=case.pk))
    assert all(c.status == InstanceStatus.ERROR for c in cases)
    yield cases
    calendar.clear_cache()


def fresh(case):
    return ProcessInstance.objects.get(pk=case.pk)


def test_parking_sets_the_first_retry_a_minute_later(parked):
    for hour, case in enumerate(parked):
        assert case.retry_count == 0
        assert case.next_retry_at == T0 + datetime.timedelta(hours=hour) + MINUTE


def test_the_oldest_errored_cases_are_retried_first(parked):
    oldest, middle, newest = parked
    late = T0 + datetime.timedelta(hours=5)
    assert services.resume_errored(now=late, limit=1) == 0  # still failing
    assert [fresh(c).retry_count for c in parked] == [1, 0, 0]  # the oldest was tried, not the newest
    assert services.resume_errored(now=late, limit=1) == 0
    assert [fresh(c).retry_count for c in parked] == [1, 1, 0]
    assert services.resume_errored(now=late, limit=1) == 0
    assert [fresh(c).retry_count for c in parked] == [1, 1, 1]
    # Not due yet (2 minutes after the failed retries): nobody is retried.
    assert services.resume_errored(now=late + MINUTE, limit=10) == 0
    assert [fresh(c).retry_count for c in parked] == [1, 1, 1]


def test_failed_retries_back_off_exponentially_up_to_six_hours(parked):
    case = parked[0]
    moment = case.next_retry_at
    for failures in range(1, 6):
        assert services.resume_errored(now=moment - datetime.timedelta(seconds=1)) == 0
        assert fresh(case).retry_count == failures - 1  # not due: untouched
        assert services.resume_errored(now=moment) == 0
        case = fresh(case)
        assert case.retry_count == failures and case.status == InstanceStatus.ERROR
        assert case.next_retry_at == moment + MINUTE * 2**failures  # 2, 4, 8, 16, 32 minutes
        moment = case.next_retry_at
    assert services.retry_delay(8) == datetime.timedelta(minutes=256)
    assert services.retry_delay(9) == services.retry_delay(50) == datetime.timedelta(hours=6)


def test_a_successful_retry_resets_the_backoff(parked):
    case = parked[0]
    assert services.resume_errored(now=case.next_retry_at, limit=1) == 0
    case = fresh(case)
    assert case.retry_count == 1 and case.next_retry_at is not None
    CalendarYear.objects.create(year=2027)
    assert services.resume_errored(now=case.next_retry_at - MINUTE, limit=1) == 0  # the backoff holds even now
    assert services.resume_errored(now=case.next_retry_at, limit=1) == 1
    case = fresh(case)
    assert case.status == InstanceStatus.WAITING and case.retry_count == 0 and case.next_retry_at is None


def test_an_explicit_retry_ignores_the_backoff(parked):
    CalendarYear.objects.create(year=2027)
    assert services.resume_errored(now=T0) == 0  # none is due at T0
    assert services.resume_errored(now=T0, force=True) == 3
    assert all(fresh(c).status == InstanceStatus.WAITING and fresh(c).next_retry_at is None for c in parked)
