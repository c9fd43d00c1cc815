"""On PostgreSQL: a diagram step that would hang runs out of its time budget and parks its case,
while another unit's case completes a step at the same moment (issue 13 item 1)."""

import threading
import time

import pytest
from django.db import connection

from permissions.roles import Role
from tests import factories as f
from tests.test_sandbox_budget import DIAGRAM, PROCESS_ID
from workflows import services
from workflows.deploy import deploy_files
from workflows.models import HumanTask, InstanceStatus, ProcessInstance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_hanging_step_is_parked_while_another_units_case_completes(tmp_path):
    assert connection.vendor == "postgresql"
    f.ensure_reference_data()
    path = tmp_path / "budget.bpmn"
    path.write_text(DIAGRAM, encoding="utf-8")
    deploy_files([path], base=tmp_path)
    tree = f.small_tree()
    officer = f.user("officer", (Role.NOMINATOR, tree["township"]))
    other_officer = f.user("other_officer", (Role.NOMINATOR, tree["other_township"]))
    stuck = services.start_process(officer, PROCESS_ID, unit=tree["township"], data={"mode": "hang"})
    other = services.start_process(other_officer, PROCESS_ID, unit=tree["other_township"], data={"mode": "ok"})
    stuck_task = HumanTask.objects.get(instance=stuck).pk
    other_task = HumanTask.objects.get(instance=other).pk

    barrier = threading.Barrier(2)
    outcome = {}

    def act(name, user, task_id, delay=0.0):
        try:
            barrier.wait()
            time.sleep(delay)  # let the hanging step start first
            started = time.monotonic()
            services.complete_task(user, task_id, opinion="提交")
            outcome[name] = ("done", time.monotonic() - started, time.monotonic())
        except Exception as exc:  # noqa: BLE001 - the outcome is what we compare
            outcome[name] = ("raised", exc, time.monotonic())
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("stuck", officer, stuck_task), daemon=True),
        threading.Thread(target=act, args=("other", other_officer, other_task, 0.2), daemon=True),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcome["stuck"][0] == "done" and outcome["stuck"][1] <= 2.0, outcome
    assert outcome["other"][0] == "done", outcome
    # The other unit's step did not wait for the hanging one: it finished before it was parked.
    assert outcome["other"][2] < outcome["stuck"][2], outcome
    stuck = ProcessInstance.objects.get(pk=stuck.pk)
    assert stuck.status == InstanceStatus.ERROR
    assert "流程图中“预算检查（Gateway_budget）”的表达式超出运行时间限制（1秒）" in stuck.error_message
    other = ProcessInstance.objects.get(pk=other.pk)
    assert other.status == InstanceStatus.COMPLETED and not other.error_message
    # Nothing is left locked: the parked case's row can be taken again at once.
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '1s'")
        cursor.execute("SELECT id FROM workflows_processinstance WHERE id = %s FOR UPDATE", [stuck.pk])
        assert cursor.fetchone() == (stuck.pk,)
