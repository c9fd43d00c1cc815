"""Fault tests on PostgreSQL (issue 8): races, killed workers, dropped connections.

- 8 threads race to complete the same 200 tasks: each is completed exactly once, every loser
  gets ``TaskConflict``, the history holds no duplicate.
- A timer worker (a real ``manage.py run_worker`` process) is killed with SIGKILL in the middle
  of firing timers, again and again: no instance is ever half-changed, and after the restarts
  every timer has fired exactly once.
- Two timer workers running side by side never fire the same timer twice (SKIP LOCKED).
- The database connection is dropped in the middle of a completion (``pg_terminate_backend``
  while the completion holds the instance lock, at three points of the transaction): the caller
  gets a clear database error, nothing is half-written, and the task can be completed afterwards;
  through the API the request answers a JSON error without a traceback.
- The document-number register under 50 simultaneous approvals (distinct, gapless numbers) is
  tested in tests/test_merit_concurrency_pg.py.
"""

import random
import signal
import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction

from tests import fault_helpers as h
from workflows import engine, services
from workflows.errors import TaskConflict
from workflows.models import HistoryAction, HistoryEvent, HumanTask, InstanceStatus, ProcessInstance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# --------------------------------------------------------------------------- racing completions


def test_eight_threads_race_for_the_same_200_tasks():
    threads_count, task_count = 8, 200
    tree, nominators, _approvers = h.world(nominators=threads_count)
    case_ids = h.start_cases(tree, nominators[0], task_count)
    task_ids = list(HumanTask.objects.filter(instance_id__in=case_ids).order_by("id").values_list("id", flat=True))
    assert len(task_ids) == task_count

    barrier = threading.Barrier(threads_count)
    outcomes = [[] for _ in range(threads_count)]  # per thread: (task id, "won" | exception)

    def racer(index):
        user = nominators[index]
        try:
            barrier.wait()
            for task_id in task_ids:  # the same order in every thread: they collide on every task
                try:
                    services.complete_task(user, task_id, opinion=f"线程{index}")
                    outcomes[index].append((task_id, "won"))
                except Exception as exc:  # noqa: BLE001 - the outcome is what we check
                    outcomes[index].append((task_id, exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(thread.is_alive() for thread in threads)

    results = [item for thread_results in outcomes for item in thread_results]
    assert len(results) == threads_count * task_count
    winners = {}
    for task_id, outcome in results:
        if outcome == "won":
            winners[task_id] = winners.get(task_id, 0) + 1
        else:
            assert isinstance(outcome, TaskConflict), repr(outcome)
    assert winners == dict.fromkeys(task_ids, 1)  # every task exactly once
    assert sum(1 for _t, o in results if o != "won") == (threads_count - 1) * task_count
    # the history: one completion of 填报 per case, nothing else duplicated
    completions = list(
        HistoryEvent.objects.filter(instance_id__in=case_ids, action=HistoryAction.COMPLETE).values_list("instance_id", "task_bpmn_id")
    )
    assert sorted(completions) == sorted((c, "Task_submit") for c in case_ids)
    assert HumanTask.objects.filter(instance_id__in=case_ids, bpmn_id="Task_approve").count() == task_count
    for case_id in random.sample(case_ids, 20):
        assert h.inconsistencies(case_id) == []


# --------------------------------------------------------------------------- timer workers


def _assert_whole(case_ids):
    """Every instance either untouched (waiting at 审批) or fully fired (办结 by the timer)."""
    fired = h.timer_events(case_ids)
    assert max(fired.values()) <= 1, "a timer fired twice"
    for case_id in case_ids:
        assert h.inconsistencies(case_id) == [], case_id
        instance = ProcessInstance.objects.get(pk=case_id)
        if fired[case_id]:
            assert (instance.status, instance.outcome, instance.version) == (InstanceStatus.COMPLETED, "End_expired", 3)
        else:
            assert (instance.status, instance.version) == (InstanceStatus.RUNNING, 2)
    return sum(fired.values())


def test_worker_killed_while_firing_timers_leaves_nothing_half_done():
    count = 120
    tree, (nominator,), _ = h.world()
    case_ids = h.start_cases(tree, nominator, count, submit=True)
    assert _assert_whole(case_ids) == 0

    kills = mid_round = 0
    done = 0
    rng = random.Random(8)
    while kills < 5 and done < count:
        worker = h.start_worker("--interval", "0.1")
        # Wait until this worker has committed progress, then kill it a moment later: inside
        # a round of firing, most likely inside an instance's transaction.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            now_done = sum(h.timer_events(case_ids).values())
            if now_done > done:
                break
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.05))
        assert worker.poll() is None, h.stop(worker)
        h.stop(worker, signal.SIGKILL)
        kills += 1
        connection.close()  # see the killed worker's work from a fresh connection
        before = done
        done = _assert_whole(case_ids)
        mid_round += before < done < count
    assert kills >= 3 and mid_round >= 3, (kills, mid_round, done)

    # Restart: the remaining timers fire, each exactly once.
    worker = h.start_worker("--interval", "0.1")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and sum(h.timer_events(case_ids).values()) < count:
        time.sleep(0.1)
    out, err = h.stop(worker)
    assert "Traceback" not in err, err
    assert _assert_whole(case_ids) == count
    assert h.timer_events(case_ids) == dict.fromkeys(case_ids, 1)


def test_two_workers_side_by_side_never_fire_a_timer_twice():
    count = 200
    tree, (nominator,), _ = h.world()
    case_ids = h.start_cases(tree, nominator, count)  # at 填报: no timer yet

    workers = [h.start_worker("--interval", "0.05") for _ in range(2)]
    h.wait_for_other_connections(2)  # both workers are polling …
    with transaction.atomic():  # … when all 200 timers become due in one commit
        for task_id in HumanTask.objects.filter(instance_id__in=case_ids).values_list("pk", flat=True):
            services.complete_task(nominator, task_id)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(h.timer_events(case_ids).values()) < count:
        time.sleep(0.1)
    time.sleep(0.3)  # one more round each: nothing left to fire
    outputs = [h.stop(worker) for worker in workers]
    for _out, err in outputs:
        assert "Traceback" not in err, err
    fired = [sum(h.fired_counts(out)) for out, _err in outputs]
    assert sum(fired) == count, fired  # what the workers report …
    assert all(n > 0 for n in fired), fired  # … both took part …
    assert h.timer_events(case_ids) == dict.fromkeys(case_ids, 1)  # … and the history agrees
    assert _assert_whole(case_ids) == count


# --------------------------------------------------------------------------- dropped connection


def _kill_own_connection_at(monkeypatch, point):
    """Terminate this thread's database connection from outside at ``point`` of complete_task."""
    pid = h.backend_pid()
    if point == "engine":  # after the history row is written, while the state is serialised
        target, name = engine, "dump_state"
    elif point == "projection":  # after the versioned UPDATE of the instance, before the task rows
        target, name = services, "_project_tasks"
    else:  # everything written, the COMMIT is next
        target, name = services, "_project_tasks"
    original = getattr(target, name)

    def dropping(*args, **kwargs):
        if point == "commit":
            result = original(*args, **kwargs)
            h.terminate_backend(pid)
            return result
        h.terminate_backend(pid)
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, dropping)


@pytest.mark.parametrize("point", ["engine", "projection", "commit"])
def test_connection_dropped_mid_completion(monkeypatch, point):
    tree, (nominator,), (approver,) = h.world()
    (case_id,) = h.start_cases(tree, nominator, 1, submit=True)
    task = HumanTask.objects.get(instance_id=case_id)
    before = ProcessInstance.objects.get(pk=case_id)

    with monkeypatch.context() as patch:
        _kill_own_connection_at(patch, point)
        with pytest.raises(DatabaseError) as failure:
            services.complete_task(approver, task.pk, opinion="同意")
    # A clear error: the database said why, and it is not mistaken for a conflict or a refusal.
    assert "terminat" in str(failure.value).lower() or "closed" in str(failure.value).lower(), failure.value
    assert not isinstance(failure.value, TaskConflict)

    connection.close()  # a new connection, as the next request would have
    after = ProcessInstance.objects.get(pk=case_id)
    assert (after.version, after.state, after.status) == (before.version, before.state, before.status)
    assert list(HumanTask.objects.filter(instance_id=case_id).values_list("pk", flat=True)) == [task.pk]
    assert not HistoryEvent.objects.filter(instance_id=case_id, action=HistoryAction.COMPLETE, task_bpmn_id="Task_approve").exists()
    assert h.inconsistencies(case_id) == []

    # The task can be completed afterwards, once.
    services.complete_task(approver, task.pk, opinion="同意")
    assert HistoryEvent.objects.filter(instance_id=case_id, action=HistoryAction.COMPLETE, task_bpmn_id="Task_approve").count() == 1
    assert ProcessInstance.objects.get(pk=case_id).status == InstanceStatus.WAITING  # at the one-day wait
    assert h.inconsistencies(case_id) == []


def test_connection_dropped_mid_completion_through_the_api(monkeypatch):
    from rest_framework.test import APIClient

    tree, (nominator,), (approver,) = h.world()
    (case_id,) = h.start_cases(tree, nominator, 1, submit=True)
    task = HumanTask.objects.get(instance_id=case_id)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(approver)

    with monkeypatch.context() as patch:
        _kill_own_connection_at(patch, "projection")
        response = client.post(f"/api/v1/tasks/{task.pk}/complete/", {"opinion": "同意"}, format="json")
    assert response.status_code >= 500
    assert response["Content-Type"].startswith("application/json")
    assert "Traceback" not in response.content.decode()
    assert response.json()["code"] in ("server_error", "database_unavailable", "service_unavailable")

    connection.close()
    assert h.inconsistencies(case_id) == []
    assert HumanTask.objects.filter(pk=task.pk).exists()
    response = client.post(f"/api/v1/tasks/{task.pk}/complete/", {"opinion": "同意"}, format="json")
    assert response.status_code == 200, response.content
    assert not HumanTask.objects.filter(pk=task.pk).exists()
