"""The processes' daily jobs (``ProcessType.daily``, ``workflows.scheduling``): run once per day per
worker, a failing one logged and retried on the next round without stopping the others."""

import datetime

import pytest

from workflows import process_types
from workflows.scheduling import DailyJobs

pytestmark = pytest.mark.django_db
MORNING = datetime.datetime(2027, 3, 1, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def jobs():
    calls = []

    def broken(day):
        calls.append(("broken", day))
        raise RuntimeError("the job failed")

    def fine(day):
        calls.append(("fine", day))
        return "done"

    for process_id, job in (("zz_broken", broken), ("zz_fine", fine)):
        process_types.register(process_types.ProcessType(process_id=process_id, key_prefix="ZZ", daily=job))
    yield calls
    for process_id in ("zz_broken", "zz_fine"):
        process_types.unregister(process_id)


def test_a_failing_job_is_retried_next_round_and_the_others_run_once_a_day(jobs, caplog):
    daily = DailyJobs()
    results = daily.run(now=MORNING)
    assert results["zz_fine"] == "done" and "zz_broken" not in results
    assert "daily job of zz_broken failed" in caplog.text
    daily.run(now=MORNING + datetime.timedelta(minutes=1))
    day = datetime.date(2027, 3, 1)
    assert jobs == [("broken", day), ("fine", day), ("broken", day)]  # the failed one again, not the done one
    daily.run(now=MORNING + datetime.timedelta(days=1))
    assert jobs[-2:] == [("broken", day + datetime.timedelta(days=1)), ("fine", day + datetime.timedelta(days=1))]
