"""On PostgreSQL: two people completing the same task at the same moment — exactly one wins,
the other gets the conflict error, the history holds one completion (issue 2)."""

import threading

import pytest
from django.db import connection

from permissions.roles import Role
from tests import factories as f
from workflows import services
from workflows.errors import TaskConflict
from workflows.models import HistoryAction, HistoryEvent, HumanTask

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(calls):
    """Run the callables at the same moment in threads; return their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what we compare
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_simultaneous_completions_one_wins():
    assert connection.vendor == "postgresql"
    f.deploy_test_diagrams("engine/two_lanes_timer.bpmn")
    tree = f.small_tree()
    nominator = f.user("n", (Role.NOMINATOR, tree["township"]))
    first = f.user("a1", (Role.APPROVER, tree["county"]))
    second = f.user("a2", (Role.APPROVER, tree["county"]))
    rounds = 10  # repeat: a single lucky interleaving proves little
    for _ in range(rounds):
        case = services.start_process(
            nominator,
            "test_two_lanes",
            unit=tree["township"],
            data={"approving_unit_id": tree["county"].pk, "approve_deadline": "2030-01-01T00:00:00+08:00"},
        )
        services.complete_task(nominator, HumanTask.objects.get(instance=case).pk)
        task_id = HumanTask.objects.get(instance=case).pk

        results = race(
            [
                lambda: services.complete_task(first, task_id, opinion="同意"),
                lambda: services.complete_task(second, task_id, opinion="同意"),
            ]
        )
        winners = [r for r in results if not isinstance(r, Exception)]
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(winners) == 1, results
        assert len(losers) == 1 and isinstance(losers[0], TaskConflict), results
        completions = HistoryEvent.objects.filter(instance=case, action=HistoryAction.COMPLETE, task_bpmn_id="Task_approve")
        assert completions.count() == 1
