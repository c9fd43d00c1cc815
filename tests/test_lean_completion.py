"""The statements of a plain step's completion (issue 17 item 1: "a lean completion path").

A plain step: 廉政意见 of a merit citation — one human task closes, the next (审核) opens, the
engine runs no service task in between. Its completion through ``services.complete_task`` is
counted statement by statement, in a real transaction (BEGIN/COMMIT as the app sends them), with
the definition's spec already cached (as it is after a worker's first request):

    BEGIN · the task with its case, locked, with what the rest needs to know of the case (one
    SELECT … FOR UPDATE: open 委派/加签, the chain head, the number of open tasks) · the policy:
    the role grant, the person's cadre record, their relatives, the separation of duties (4;
    ``permissions.policy.person_facts`` reads grants and relatives in one) · the typed case
    record (UPDATE awards_nomination) · the history event (chain head compare-and-set UPDATE,
    INSERT) · the case row (UPDATE … WHERE version) · the closed task (UPDATE) · its 待办 notices
    read (UPDATE) · the new task's unit · the new task (INSERT) · the case's units (INSERT …
    ignore) · the new task's holders · their 待办 notice (INSERT) · COMMIT.

The counts are exact: a statement added to this path (a second read of the task, a savepoint
around engine steps that touch no database, the spec read on every call …) fails the test with
the statements listed; one removed should lower the number here.
"""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from permissions.roles import Role
from tests import factories as f
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, nomination, person, start_and_nominate, task_of, unit, unit_decides
from workflows import chain, clock, handover, services
from workflows.errors import InvalidAction
from workflows.models import ChainHead, HistoryAction, HistoryEvent, HumanTask, ProcessInstance

# BEGIN and COMMIT included (both databases log them). The acting check reads the person's grants
# and relatives in one statement (permissions.policy.person_facts), then the separation of duties.
PLAIN_STEP_STATEMENTS = 16


def complete_integrity_step():
    """Bring a fresh case to 廉政意见 (not counted) and complete it (counted); return the
    statements and the case."""
    subject = cadre(QT_CLEAN[0])
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", subject))
        task = task_of(case, "Task_integrity")
        discipline = person("ls_jw")
        with CaptureQueriesContext(connection) as statements:
            services.complete_task(discipline, task.pk, data={"integrity_opinion": "no_objection"}, opinion="未发现廉政问题")
    return [q["sql"] for q in statements.captured_queries], case


def check_plain_step():
    f.ensure_reference_data()  # the rows of the data migrations, flushed by an earlier transactional test
    load_world()
    statements, case = complete_integrity_step()
    listing = "\n".join(f"{n:2}. {sql[:160]}" for n, sql in enumerate(statements, start=1))
    expected = PLAIN_STEP_STATEMENTS
    assert len(statements) == expected, (
        f"a plain step's completion sends {len(statements)} statements on {connection.vendor}, expected {expected}:\n{listing}"
    )
    # Lean, not lossy: the step is done, audited and projected, the version moved.
    case = ProcessInstance.objects.get(pk=case.pk)
    assert case.history.filter(action=HistoryAction.COMPLETE, task_bpmn_id="Task_integrity").count() == 1
    assert list(HumanTask.objects.filter(instance=case).values_list("bpmn_id", flat=True)) == ["Task_review"]
    assert case.award_nomination.integrity_opinion == "no_objection"
    # The definition's spec and files stay where they are (cached per version); the task and the
    # case are read once.
    assert not [sql for sql in statements if "processdefinitionsource" in sql]
    assert sum(1 for sql in statements if sql.startswith("SELECT") and '"workflows_processinstance"."state"' in sql) == 1


@pytest.mark.django_db(transaction=True)
def test_a_plain_step_costs_a_fixed_number_of_statements():
    check_plain_step()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_plain_step_costs_a_fixed_number_of_statements_on_postgresql():
    check_plain_step()


@pytest.mark.django_db
def test_a_next_step_at_the_acted_steps_unit_reads_no_unit():
    """填报推荐材料 → 单位集体研究 stay at the township: the new task's unit and path come from the
    acted task's unit, read with it under the lock, not from another SELECT of the unit. The
    integrity step above moves to another unit and still reads it (its count includes that)."""
    load_world()
    township = unit("HA-PDS-LS-QT")
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = services.start_process(person("ls_qt_jbr"), "merit_citation", unit=township, subject_cadre=cadre(QT_CLEAN[0]))
        with CaptureQueriesContext(connection) as statements:
            services.complete_task(person("ls_qt_jbr"), task_of(case, "Task_nominate").pk, data=nomination())
    unit_reads = [q["sql"] for q in statements.captured_queries if q["sql"].startswith("SELECT") and 'FROM "permissions_unit"' in q["sql"]]
    assert unit_reads == []
    decision = task_of(case, "Task_unit_decision")
    assert (decision.unit_id, decision.unit_path) == (township.pk, township.path)


@pytest.mark.django_db
def test_the_task_page_asks_the_policy_with_the_facts_it_read_and_a_completion_reads_them_again_under_the_lock(client):
    """The task page reads the person's grants and relatives once (with the case's visibility)
    and asks the policy with them whether to offer the form; posting it reads them once more, under
    the case's lock, where the service decides — no separate role, cadre or relatives queries."""
    from django.urls import reverse

    load_world()
    township = unit("HA-PDS-LS-QT")
    nominator = person("ls_qt_jbr")
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = services.start_process(nominator, "merit_citation", unit=township, subject_cadre=cadre(QT_CLEAN[0]))
    task = task_of(case, "Task_nominate")
    url = reverse("task", args=[case.pk, task.pk])
    client.force_login(nominator)

    def reads(statements):
        sent = [q["sql"] for q in statements.captured_queries]
        facts = [sql for sql in sent if "permissions_grant" in sql and "UNION ALL" in sql]
        apart = [sql for sql in sent if sql.startswith('SELECT 1 AS "a" FROM "permissions_grant"') or 'FROM "records_familymember"' in sql]
        return len(facts), apart

    with CaptureQueriesContext(connection) as statements:
        assert client.get(url).status_code == 200
    assert reads(statements) == (1, [])
    with clock.frozen_at(at("2026-09-28 10:00")), CaptureQueriesContext(connection) as statements:
        assert client.post(url, {**nomination(), "action": "submit"}).status_code == 302
    assert reads(statements) == (2, [])
    assert task_of(case, "Task_unit_decision") is not None


@pytest.mark.django_db
def test_a_web_completion_says_where_the_case_went_from_what_the_action_left_in_memory(client):
    """After a completion the page says where the case stands (the next step and its unit) from the
    case and open steps the service returns (``services.TaskProjection``): no read of the case or
    its tasks after the action's transaction."""
    from django.contrib.messages import get_messages
    from django.urls import reverse

    load_world()
    nominator = person("ls_qt_jbr")
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = services.start_process(nominator, "merit_citation", unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[0]))
    task = task_of(case, "Task_nominate")
    client.force_login(nominator)
    with clock.frozen_at(at("2026-09-28 10:00")), CaptureQueriesContext(connection) as statements:
        response = client.post(reverse("task", args=[case.pk, task.pk]), {**nomination(), "action": "submit"})
    assert response.status_code == 302
    [said] = [str(m) for m in get_messages(response.wsgi_request)]
    assert (
        said
        == f"已办理“填报推荐材料”。{case.business_key} 当前：单位集体研究（{unit('HA-PDS-LS-QT').short_name or unit('HA-PDS-LS-QT').name}）"
    )
    sent = [q["sql"] for q in statements.captured_queries]
    saved = max(i for i, sql in enumerate(sent) if sql.startswith('UPDATE "workflows_processinstance"'))
    read_back = [
        sql for sql in sent[saved:] if sql.startswith("SELECT") and ('"workflows_processinstance"' in sql or '"workflows_humantask"' in sql)
    ]
    assert not read_back, read_back


@pytest.mark.django_db
def test_a_chain_head_moved_by_another_writer_is_read_again():
    """The head the lock statement saw is only a guess: when a document of the case (or any writer
    outside the service door) moved it meanwhile, the compare-and-set fails and the event is linked
    to the real head — the case's chain stays whole."""
    load_world()
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
        with transaction.atomic():
            instance, _task = services._lock_task(task_of(case, "Task_unit_decision").pk)
            seen = instance._chain_head
            # Another writer appends to the case's chain without going through this instance object.
            services._record(ProcessInstance.objects.get(pk=case.pk), None, HistoryAction.REMIND, opinion="another writer")
            assert instance._chain_head == seen
            services._record(instance, person("ls_qt_ld"), HistoryAction.REMIND, opinion="this writer")
    assert chain.verify_chain(chain.case_key(case.pk)) is None
    assert ChainHead.objects.get(key=chain.case_key(case.pk)).length == seen[1] + 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_completion_that_waited_for_the_lock_sees_the_delegation_made_meanwhile():
    """The lock statement reads the task's 委派/加签 as of its start; when it had to wait for the
    case's lock, the writer before it may have changed them — it reads them again (the case's
    version moved), so the holder cannot complete a task just 委派'd to a colleague."""
    f.deploy_test_diagrams("engine/two_lanes_timer.bpmn")
    tree = f.small_tree()
    nominator = f.user("n", (Role.NOMINATOR, tree["township"]))
    approver = f.user("a1", (Role.APPROVER, tree["county"]))
    colleague = f.user("c1", (Role.REVIEWER, tree["county"]))
    case = services.start_process(
        nominator,
        "test_two_lanes",
        unit=tree["township"],
        data={"approving_unit_id": tree["county"].pk, "approve_deadline": "2030-01-01T00:00:00+08:00"},
    )
    services.complete_task(nominator, HumanTask.objects.get(instance=case).pk)
    task_id = HumanTask.objects.get(instance=case).pk
    delegated, finish = threading.Event(), threading.Event()
    outcome = {}

    def delegate_and_hold_the_lock():
        try:
            with transaction.atomic():
                handover.delegate_task(approver, task_id, to=colleague.username)
                delegated.set()
                finish.wait(timeout=30)
        finally:
            connection.close()

    def complete():
        try:
            services.complete_task(approver, task_id, opinion="同意")
            outcome["result"] = "completed"
        except Exception as exc:  # noqa: BLE001 - the outcome is what we compare
            outcome["result"] = exc
        finally:
            connection.close()

    holder = threading.Thread(target=delegate_and_hold_the_lock)
    holder.start()
    assert delegated.wait(timeout=30)
    completer = threading.Thread(target=complete)
    completer.start()
    waiting_for_a_lock(timeout=30)
    finish.set()
    holder.join(timeout=30)
    completer.join(timeout=30)
    assert isinstance(outcome["result"], InvalidAction) and "委派" in str(outcome["result"]), outcome
    assert not HistoryEvent.objects.filter(instance=case, action=HistoryAction.COMPLETE, task_bpmn_id="Task_approve").exists()


def waiting_for_a_lock(timeout):
    """Return once some other session of this database waits for a row lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the completion never waited for the case's lock")
