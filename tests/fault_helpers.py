"""Helpers of the fault tests (tests/test_faults_pg.py): cases of the test diagram, timer workers
as real ``manage.py run_worker`` processes on the test database, the consistency check of an
instance (state ⇔ task projection ⇔ history), killing a database connection from outside."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.db import connection

from permissions.roles import Role
from tests import factories as f
from workflows import engine, services
from workflows.models import HistoryAction, HistoryEvent, HumanTask, InstanceStatus, ProcessInstance

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
PAST_DEADLINE = "2030-01-01T00:00:00+08:00"  # the boundary timer of the approval step
WORKER_NOW = "2030-01-02T00:00+08:00"  # the worker's clock: every deadline above is due


def test_database_url():
    """postgres:// URL of the database pytest-django made (``test_<name>``), for subprocesses."""
    s = connection.settings_dict
    user = quote(s["USER"] or "", safe="")
    password = (":" + quote(s["PASSWORD"], safe="")) if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def psycopg_conninfo():
    s = connection.settings_dict
    return {"host": s["HOST"], "port": s["PORT"], "user": s["USER"], "password": s["PASSWORD"] or None, "dbname": s["NAME"]}


def world(approvers=1, nominators=1):
    """The test diagram ``test_two_lanes`` deployed; a small tree; nominators and approvers."""
    f.deploy_test_diagrams("engine/two_lanes_timer.bpmn")
    tree = f.small_tree()
    noms = [f.user(f"nominator{i}", (Role.NOMINATOR, tree["township"])) for i in range(nominators)]
    apps = [f.user(f"approver{i}", (Role.APPROVER, tree["county"])) for i in range(approvers)]
    return tree, noms, apps


def start_cases(tree, nominator, count, *, submit=False, deadline=PAST_DEADLINE):
    """``count`` cases waiting at 填报 (or, with ``submit``, at 审批 with its boundary timer)."""
    cases = []
    for _ in range(count):
        case = services.start_process(
            nominator, "test_two_lanes", unit=tree["township"], data={"approving_unit_id": tree["county"].pk, "approve_deadline": deadline}
        )
        if submit:
            services.complete_task(nominator, HumanTask.objects.get(instance=case).pk)
        cases.append(case.pk)
    return cases


def inconsistencies(instance_id):
    """What is wrong with an instance's rows, as a list of strings (empty: consistent).

    The engine state is the truth: the open human tasks must be exactly its ready user tasks,
    the status must follow from it, the due time of its timers must be what the worker polls,
    and the history must hold one event per version bump (start + one per change here).
    """
    instance = ProcessInstance.objects.select_related("definition").get(pk=instance_id)
    problems = []
    workflow = engine.load_workflow(instance.definition, instance.state)
    ready = {t.id for t in engine.ready_user_tasks(workflow)}
    projected = set(HumanTask.objects.filter(instance=instance).values_list("task_uuid", flat=True))
    if ready != projected:
        problems.append(f"ready tasks {ready} != projected {projected}")
    expected_status = InstanceStatus.COMPLETED if workflow.is_completed() else InstanceStatus.RUNNING if ready else InstanceStatus.WAITING
    if instance.status != expected_status:
        problems.append(f"status {instance.status} but the state says {expected_status}")
    due = engine.next_timer_due(workflow) if not workflow.is_completed() else None
    if due != instance.next_timer_due:
        problems.append(f"next_timer_due {instance.next_timer_due} but the state says {due}")
    events = HistoryEvent.objects.filter(instance=instance).count()
    if events != instance.version:
        problems.append(f"{events} history events for version {instance.version}")
    return problems


def timer_events(instance_ids):
    """instance id → number of TIMER history events."""
    counts = dict.fromkeys(instance_ids, 0)
    for instance_id in HistoryEvent.objects.filter(instance_id__in=instance_ids, action=HistoryAction.TIMER).values_list(
        "instance_id", flat=True
    ):
        counts[instance_id] += 1
    return counts


def worker_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=test_database_url(),
        MERITFLOW_ENV="test",
        MERITFLOW_ALLOW_CLOCK_OVERRIDE="1",
        LOG_LEVEL="WARNING",
        DB_CONN_MAX_AGE="0",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_worker(*extra):
    """A real timer worker process (``manage.py run_worker --now …``) on the test database."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--now", WORKER_NOW, *extra],
        cwd=ROOT,
        env=worker_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def fired_counts(output):
    """The ``timers fired: N`` counts a worker printed."""
    counts = []
    for line in output.splitlines():
        if "timers fired:" in line:
            counts.append(int(line.split("timers fired:")[1].split(",")[0]))
    return counts


def stop(process, sig=signal.SIGTERM, timeout=30):
    """Signal a worker we started and wait for it; return (stdout, stderr)."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()


def wait_for_other_connections(count, timeout=60):
    """Wait until ``count`` other sessions (e.g. worker processes) are connected to the test database."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"{count} other connections did not appear in {timeout} s")


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate_backend(pid):
    """Drop a database connection from outside (as an operator or a network failure would) and
    wait until the server has ended it."""
    with psycopg.connect(**psycopg_conninfo(), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
        for _ in range(200):
            if other.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0] == 0:
                return
            time.sleep(0.01)
    raise AssertionError(f"backend {pid} did not end")
