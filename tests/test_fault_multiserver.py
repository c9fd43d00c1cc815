"""Several servers, one PostgreSQL, under faults (issue 17 item 5).

Two gunicorn masters (deploy/gunicorn.conf.py, two workers each) and two ``manage.py run_worker``
processes run on the test database. Demo users drive merit citations over HTTP against both
servers at once: the nominator starts cases, four desks complete their steps (单位集体研究,
廉政意见, 审核, 审批), the notice desk publishes each batch waiting at 发布公示 as one 公示 (a PDF),
the workers fire the notice-end timers (their clock set past every notice: ``--now``), and each
approval issues a numbered 奖励决定. In the middle of it one app server (master and workers) and
one timer worker are killed with SIGKILL; the clients move to the surviving server and the
surviving worker carries on. Then everything stops and the database must show:

- no lost step: every start and completion a client was told succeeded is in the history;
- no doubled step, no timer fired twice, no task both open and completed;
- gapless, unique document numbers per issuer and year, matching the number register;
- history ⇔ state: each case's engine state, task list, status and timer agree, one history
  event per version, and every hash chain verifies (``manage.py verify_history``).

A client whose request was cut off by the kill does not know whether it was done: it reads the
state (the inbox, or the cases of the cadre for a start) and goes on from there, as an
integrator must. The checks themselves are shown to catch each fault in
``test_the_checks_catch_each_fault``.
"""

import datetime
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from documents.models import DocumentNumberSequence
from rotation import rules as rotation_rules
from rotation.models import RotationPlan
from tests import factories as f
from tests import fault_helpers
from tests import fault_load as load
from tests.merit_helpers import REVIEW, load_world, person, unit
from workflows.models import HistoryAction, HistoryEvent, InstanceStatus, ProcessInstance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LOAD_SECONDS = 14  # the mixed load, the kills about a third of the way in
DRAIN_SECONDS = 12  # then no new starts: the survivors finish what is open, at most this long
CADRES = 60  # more than the nominator can start in LOAD_SECONDS
USERS = ("ls_qt_jbr", "ls_qt_ld", "ls_jw", "ls_sh", "ls_gs", "ls_sp")


@pytest.fixture
def fleet(tmp_path):
    fleet = load.Fleet(fault_helpers.test_database_url(), tmp_path)
    try:
        yield fleet
    finally:
        fleet.close()  # SIGKILL whatever is still running, before pytest-django empties the tables


def merit_world():
    """The demo world, fresh cadres of 琴台街道 to nominate, and a token per demo user."""
    f.ensure_reference_data()  # the rows of the data migrations (an earlier transactional test flushed them)
    load_world()
    township = unit("HA-PDS-LS-QT")
    cadre_ids = [f.cadre(f"压测干部{i:02d}", township).pk for i in range(CADRES)]
    tokens = {name: Token.objects.get_or_create(user=person(name))[0].key for name in USERS}
    return cadre_ids, tokens


def nomination_today():
    """A nomination of deeds in the months before today (the servers run on the real clock)."""
    today = timezone.localdate()
    return {
        "award_kind": "commendation",
        "deeds": "在2026年汛期防汛抢险中连续奋战七昼夜，组织转移群众三百余人，无一伤亡，表现突出。",
        "period_from": (today - datetime.timedelta(days=150)).isoformat(),
        "period_to": (today - datetime.timedelta(days=30)).isoformat(),
        "deed_reference": "",
    }


def worker_clock():
    """The workers' ``--now``: past the end of every notice published today (5 working days,
    whatever the holidays: 60 days), and on or after the day the year's rotation plans open
    (rotation/rules.py), so both workers also race, at their start, to open the same plans (a
    daily job, DOMAIN.md §10; one plan per unit and year)."""
    moment = timezone.localtime() + datetime.timedelta(days=60)
    opening = datetime.datetime.combine(rotation_rules.opening_date(moment.year), datetime.time(9), tzinfo=moment.tzinfo)
    return max(moment, opening).isoformat()


def test_two_servers_and_two_workers_survive_the_loss_of_one_of_each(fleet):
    started_at = time.monotonic()
    cadre_ids, tokens = merit_world()
    today = timezone.localdate().isoformat()
    ports = {"server_a": load.free_port(), "server_b": load.free_port()}
    for name, port in ports.items():
        fleet.start_server(name, port)
    worker_now = worker_clock()
    for name in ("worker_1", "worker_2"):
        fleet.start_worker(name, worker_now)
    for name, port in ports.items():
        fleet.wait_serving(name, port)
    setup_seconds = time.monotonic() - started_at

    run = load.Run(tokens, list(ports.values()))
    clients = [
        load.Nominator(run, "ls_qt_jbr", cadre_ids, nomination_today()),
        load.Desk(
            run,
            "ls_qt_ld",
            "Task_unit_decision",
            {"action": "approve", "meeting_date": today, "attendees": "党工委班子成员7人", "opinion": "同意推荐"},
        ),
        load.Desk(run, "ls_jw", "Task_integrity", {"integrity_opinion": "no_objection", "opinion": "未发现廉政问题"}),
        load.Desk(run, "ls_sh", "Task_review", {"action": "approve", "opinion": "同意公示", **REVIEW}),
        load.NoticeDesk(run, "ls_gs", "鲁山县委组织部，电话 0375-5051234"),
        load.Desk(run, "ls_sp", "Task_approve", {"action": "approve", "opinion": "同意给予嘉奖"}),
    ]
    try:
        for client in clients:
            client.start()
        load_started = time.monotonic()
        # The kills, a third of the way in: server A (master and workers) the moment one of its
        # requests is inside a write transaction, worker 1 the moment it is firing a timer (its
        # transaction has written); both with SIGKILL, so nothing is finished or rolled back by them.
        time.sleep(max(0.0, load_started + LOAD_SECONDS / 3 - time.monotonic()))
        conninfo = fault_helpers.psycopg_conninfo()
        server_caught = fleet.kill_mid_transaction("server_a", conninfo, timeout=5)
        worker_caught = fleet.kill_mid_transaction("worker_1", conninfo, timeout=LOAD_SECONDS)
        acknowledged_at_kill = len(run.acknowledged)
        time.sleep(max(0.0, load_started + LOAD_SECONDS - time.monotonic()))

        # No new cases; the survivors finish what is open (cases waiting for their timer included).
        run.stop_starting.set()
        drain_deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < drain_deadline and not run.unexpected:
            with run.lock:
                ours = set(run.cases)
            if not ProcessInstance.objects.filter(pk__in=ours).exclude(status=InstanceStatus.COMPLETED).exists():
                break
            time.sleep(0.2)
    finally:
        run.stop.set()
        for client in clients:
            client.join(timeout=40)
        connection.close()  # the drain loop's connection; the checks open a fresh one
    assert not any(client.is_alive() for client in clients)
    assert fleet.stop("server_b") == 0, fleet.log("server_b")[-3000:]
    case_ids = sorted(run.cases)
    # No timer is lost with its worker: the survivor fires every one that is due on its clock.
    # Those a killed worker held locked are free again (the database ended its sessions).
    due = ProcessInstance.objects.filter(pk__in=case_ids, next_timer_due__lte=datetime.datetime.fromisoformat(worker_now))
    deadline = time.monotonic() + 15
    while due.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not due.exists(), f"timers due but never fired: cases {list(due.values_list('pk', flat=True))}"
    assert fleet.stop("worker_2") == 0, fleet.log("worker_2")[-3000:]
    load_seconds = time.monotonic() - load_started

    completed = ProcessInstance.objects.filter(pk__in=case_ids, status=InstanceStatus.COMPLETED).count()
    summary = (
        f"setup {setup_seconds:.1f} s, load+drain {load_seconds:.1f} s: {len(case_ids)} cases started, {completed} approved, "
        f"{len(run.acknowledged)} acknowledged actions ({acknowledged_at_kill} before the kills); "
        f"killed mid-transaction: server {server_caught}, worker {worker_caught}; {dict(run.stats)}"
    )
    print(summary)
    assert run.unexpected == [], summary
    assert load.invariant_problems(case_ids, run.acknowledged) == [], summary

    # The load was real and both faults happened in the middle of it: work went on after them
    # on the surviving server, the surviving worker fired timers, cases went the whole way.
    assert len(run.acknowledged) > acknowledged_at_kill + 10, summary
    assert fleet.processes["server_a"].returncode == -9 and fleet.processes["worker_1"].returncode == -9
    assert server_caught and worker_caught, "no write transaction of server A / worker 1 was under way to cut off"
    assert "timers fired" in fleet.log("worker_2"), fleet.log("worker_2")[-2000:]
    for survivor in ("server_b", "worker_2"):
        assert "Traceback" not in fleet.log(survivor), fleet.log(survivor)[-3000:]
    assert completed >= 5, summary
    # The workers' race to open the year's rotation plans: each unit's plan opened once, and
    # every rotation case started has its plan (the loser of a race left nothing behind).
    rotation_cases = ProcessInstance.objects.filter(definition__process_id="rotation")
    plans = RotationPlan.objects.values_list("unit_id", flat=True)
    assert rotation_cases.count() == len(plans) == len(set(plans)) > 0, summary
    assert not rotation_cases.filter(rotation_plan__isnull=True).exists()
    # Every approved case went through its notice's end: exactly one timer firing each.
    approved_ids = ProcessInstance.objects.filter(pk__in=case_ids, status=InstanceStatus.COMPLETED).values_list("pk", flat=True)
    timers = HistoryEvent.objects.filter(instance_id__in=approved_ids, action=HistoryAction.TIMER)
    assert sorted(timers.values_list("instance_id", flat=True)) == sorted(approved_ids), summary


def test_the_checks_catch_each_fault():
    """The invariants are not vacuous: one approved case passes them, and each fault the fault
    test looks for — a doubled step, a timer fired twice, a step acknowledged but not recorded,
    a gap in the document numbers — is reported (each in a transaction rolled back afterwards)."""
    from notices import desk as notices
    from tests.merit_helpers import at, task_of, to_publish
    from workflows import clock, services

    f.ensure_reference_data()
    load_world()
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = to_publish(f.cadre("检查干部", unit("HA-PDS-LS-QT")))
    with clock.frozen_at(at("2026-09-29 08:30")):
        notices.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="x")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    with clock.frozen_at(at("2026-10-12 09:00")):
        services.complete_task(person("ls_sp"), task_of(case, "Task_approve").pk, action="approve", opinion="同意")
    assert load.invariant_problems([case.pk], [(case.pk, "Task_approve")]) == []

    def found_after(fault):
        with transaction.atomic():
            fault()
            problems = load.invariant_problems([case.pk])
            transaction.set_rollback(True)
        return problems

    def double(action):
        event = HistoryEvent.objects.filter(instance=case, action=action).last()
        HistoryEvent.objects.create(instance=case, action=action, task_bpmn_id=event.task_bpmn_id, task_name=event.task_name)

    problems = found_after(lambda: double(HistoryAction.COMPLETE))
    assert any("Task_approve recorded 2 times" in p for p in problems), problems
    assert any("history events for version" in p for p in problems), problems
    assert any(p.startswith("verify_history") for p in problems), problems
    problems = found_after(lambda: double(HistoryAction.TIMER))
    assert any("timer fired 2 times" in p for p in problems), problems
    assert any("was acknowledged" in p for p in load.invariant_problems([case.pk], [(case.pk, "Task_never_done")]))
    problems = found_after(lambda: DocumentNumberSequence.objects.update(last_number=99))
    assert any("document numbers of issuer" in p for p in problems), problems
