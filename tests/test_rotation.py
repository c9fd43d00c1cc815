"""Rotation (轮岗) as a process (issue 16 item 2; DOMAIN.md §10 "Rotation", seed 000 #15): once a
year, on the opening day, each unit with cadres ≥ 5 years in their current post gets a rotation
plan; the unit records each cadre's outcome (rotated to a post / deferred with a reason), the
organisation department approves or returns it; a cadre ≥ 10 years in the post cannot be deferred.
On approval the rotated cadres' records take the new post and a post-change talk opens."""

import datetime
import io

import pytest
from django.core.management import call_command

from permissions import policy
from records.models import Cadre, PostHistory
from rotation import opening, rules
from rotation.models import Outcome, RotationEntry, RotationPlan
from rotation.routing import department_for as rotation_department
from talks.models import TalkReason, TalkRecord
from tests.merit_helpers import at, load_world, person, refresh, task_of, unit
from workflows import clock, services
from workflows.errors import ActionNotAllowed, FormInvalid
from workflows.models import HumanTask, InstanceStatus, ProcessInstance
from workflows.scheduling import DailyJobs

pytestmark = pytest.mark.django_db
OPENING = datetime.date(2027, 3, 1)
QT, ZGY, COUNTY_DEPT = "HA-PDS-LS-QT", "HA-PDS-LS-ZGY", "HA-PDS-LS-ZZB"


@pytest.fixture
def world():
    load_world()


def qt_cadres():
    """琴台街道's cadres, those related to the people acting below (DOMAIN.md §9) last."""
    related = policy.related_cadre_ids(person("ls_qt_ld")) | policy.related_cadre_ids(person("ls_sh"))
    cadres = Cadre.objects.filter(unit__code=QT).order_by("pk")
    return [c for c in cadres if c.pk not in related] + [c for c in cadres if c.pk in related]


@pytest.fixture
def qt_plan(world):
    """琴台街道's plan with two due cadres: one ≥ 10 years (must), one ≥ 5 years (should); the others
    of the unit are not due."""
    must, should, *others = qt_cadres()
    Cadre.objects.filter(pk=must.pk).update(post_since=datetime.date(2015, 6, 1))
    Cadre.objects.filter(pk=should.pk).update(post_since=datetime.date(2021, 6, 1))
    Cadre.objects.filter(pk__in=[c.pk for c in others]).update(post_since=datetime.date(2024, 1, 1))
    with clock.frozen_at(at("2027-03-01 08:00")):
        case = services.start_process(person("ls_sh"), "rotation", unit=unit(QT), data={"year": 2027})
    return case, Cadre.objects.get(pk=must.pk), Cadre.objects.get(pk=should.pk)


def plan_rows(must, should, *, must_outcome="rotated"):
    rows = [
        {"cadre_id": should.pk, "outcome": "deferred", "reason": "承担防汛重点任务，明年轮岗"},
    ]
    if must_outcome == "rotated":
        rows.append({"cadre_id": must.pk, "outcome": "rotated", "new_post": "张官营镇副镇长", "new_unit": ZGY, "rotated_on": "2027-04-01"})
    else:
        rows.append({"cadre_id": must.pk, "outcome": "deferred", "reason": "工作需要，暂缓一年"})
    return rows


# --------------------------------------------------------------------------- who is due


def test_due_cadres_just_inside_and_outside_five_and_ten_years(world):
    """DOMAIN.md §10: ≥ 5 years in the current post → should rotate, ≥ 10 years → must; counted from
    the day the cadre took the post (an anniversary counts on its day)."""
    a, b, c, d = qt_cadres()[:4]
    days = {a: "2022-03-01", b: "2022-03-02", c: "2017-03-01", d: "2017-03-02"}
    for cadre, day in days.items():
        Cadre.objects.filter(pk=cadre.pk).update(post_since=datetime.date.fromisoformat(day))
    due = set(rules.due_cadres(OPENING, unit(QT)).values_list("pk", flat=True))
    assert a.pk in due and b.pk not in due and c.pk in due and d.pk in due
    assert rules.must_rotate(datetime.date(2017, 3, 1), OPENING)
    assert not rules.must_rotate(datetime.date(2017, 3, 2), OPENING)
    assert rules.whole_years(datetime.date(2017, 3, 1), OPENING) == 10
    assert rules.whole_years(datetime.date(2017, 3, 2), OPENING) == 9


def test_the_plan_lists_the_units_due_cadres_with_their_years(qt_plan):
    case, must, should = qt_plan
    plan = RotationPlan.objects.get(instance=case)
    assert (plan.unit.code, plan.department.code, plan.year, plan.counted_on) == (QT, COUNTY_DEPT, 2027, OPENING)
    entries = {e.cadre_id: e for e in plan.entries.all()}
    assert set(entries) == {must.pk, should.pk}
    assert (entries[must.pk].years, entries[must.pk].must) == (11, True)
    assert (entries[should.pk].years, entries[should.pk].must) == (5, False)
    task = task_of(case, "Task_plan")
    assert (task.unit.code, task.role) == (QT, "unit_leader")


# --------------------------------------------------------------------------- the annual opening


def test_the_annual_opening_starts_one_case_per_unit_with_due_cadres(world):
    assert opening.open_plans(datetime.date(2027, 2, 28)).opened == []  # before the opening day: nothing
    with clock.frozen_at(at("2027-03-01 06:00")):
        result = opening.open_plans(OPENING)
    due_units = set(rules.due_cadres(OPENING).values_list("unit_id", flat=True))
    opened_units = {case.nominating_unit_id for case in result.opened}
    skipped_units = {u.pk for u, _why in result.skipped}
    assert opened_units and opened_units | skipped_units == due_units and not opened_units & skipped_units
    assert unit(QT).pk in opened_units and unit(ZGY).pk in opened_units
    # Units without due cadres have none; a unit whose area has no reviewer is reported, not opened.
    assert not RotationPlan.objects.exclude(unit_id__in=due_units).exists()
    assert all(rotation_department(u) is None or opening.starter_for(rotation_department(u)) is None for u, _ in result.skipped)
    for case in result.opened:
        plan = RotationPlan.objects.get(instance=case)
        assert case.status == InstanceStatus.RUNNING and case.business_key.startswith("LG-")
        assert plan.entries.count() == rules.due_cadres(OPENING, plan.unit).count() > 0
    # Idempotent: running it again (the daily cron) opens nothing more.
    call_command("open_rotation_plans", "--on", "2027-03-02", verbosity=0)
    assert ProcessInstance.objects.filter(definition__process_id="rotation").count() == len(result.opened)


def test_the_worker_opens_the_plans_on_its_first_round_of_the_opening_day(world):
    """The annual opening is the rotation process's daily job (``ProcessType.daily``): the worker runs
    it on its first round of each day — no cron entry of its own — and it opens each plan once."""
    jobs = DailyJobs()
    with clock.frozen_at(at("2027-02-28 23:00")):
        assert jobs.run()["rotation"].opened == []  # the day before: nothing
    with clock.frozen_at(at("2027-03-01 00:05")):
        call_command("run_worker", "--once", stdout=io.StringIO())  # a worker round runs the day's jobs
        opened = ProcessInstance.objects.filter(definition__process_id="rotation").count()
        assert opened > 0 and RotationPlan.objects.filter(unit=unit(QT), year=2027).exists()
        assert opening.open_plans(OPENING).opened == []  # all opened already
        assert "rotation" in jobs.run() and "rotation" not in jobs.run()  # once a day per worker
    with clock.frozen_at(at("2027-03-02 00:05")):
        assert jobs.run()["rotation"].opened == []  # idempotent across days, workers and servers
    assert ProcessInstance.objects.filter(definition__process_id="rotation").count() == opened


def test_two_workers_opening_at_once_leave_one_plan_per_unit_and_no_warning(world, monkeypatch, caplog):
    """Every worker runs the daily jobs: when another worker opens a unit's plan between this
    worker reading the open plans and starting its own, the start fails on the unique plan — that
    unit was opened, not skipped, and nothing is worth a warning."""
    department_for = opening.department_for
    raced = []

    def another_worker_first(unit):
        department = department_for(unit)
        starter = opening.starter_for(department) if department is not None else None
        if not raced and starter is not None:  # the other worker's start, committed meanwhile
            raced.append(services.start_process(starter, "rotation", unit=unit, data={"year": 2027}))
        return department

    monkeypatch.setattr(opening, "department_for", another_worker_first)
    with clock.frozen_at(at("2027-03-01 06:00")), caplog.at_level("WARNING", logger="rotation.opening"):
        result = opening.open_plans(OPENING)
    raced_unit = raced[0].nominating_unit
    assert raced_unit not in {u for u, _why in result.skipped} and raced_unit.pk not in {c.nominating_unit_id for c in result.opened}
    assert RotationPlan.objects.filter(unit=raced_unit, year=2027).count() == 1
    assert not any(str(raced_unit) in record.getMessage() for record in caplog.records)


def test_a_unit_without_due_cadres_cannot_open_a_plan(world):
    Cadre.objects.filter(unit__code=QT).update(post_since=datetime.date(2024, 1, 1))
    with pytest.raises(FormInvalid) as refused:
        services.start_process(person("ls_sh"), "rotation", unit=unit(QT), data={"year": 2027})
    assert "没有" in str(refused.value.errors["year"])
    assert not RotationPlan.objects.exists()


# --------------------------------------------------------------------------- the plan and its review


def test_a_ten_year_case_cannot_be_deferred(qt_plan):
    case, must, should = qt_plan
    task = task_of(case, "Task_plan")
    with pytest.raises(FormInvalid) as refused:
        services.complete_task(person("ls_qt_ld"), task.pk, data={"entries": plan_rows(must, should, must_outcome="deferred")})
    message = " ".join(refused.value.errors["entries"])
    assert must.name in message and "必须轮岗，不能暂缓" in message
    # Nothing changed: the step is open, no outcome recorded.
    assert HumanTask.objects.filter(pk=task.pk).exists()
    assert set(RotationEntry.objects.filter(plan__instance=case).values_list("outcome", flat=True)) == {""}


def test_the_plan_as_text_lines_and_its_refusals(qt_plan):
    case, must, should = qt_plan
    task = task_of(case, "Task_plan")
    with pytest.raises(FormInvalid) as refused:
        services.complete_task(person("ls_qt_ld"), task.pk, data={"entries": f"{must.name}｜轮岗｜副镇长｜不存在的单位｜2027-04-01"})
    message = " ".join(refused.value.errors["entries"])
    assert "不在" in message and should.name in message  # the unknown unit, the cadre left out
    lines = f"{must.name}｜轮岗｜张官营镇副镇长｜{ZGY}｜2027-04-01\n{should.name}｜暂缓｜承担防汛重点任务"
    services.complete_task(person("ls_qt_ld"), task.pk, data={"entries": lines})
    entries = {e.cadre_id: e for e in RotationEntry.objects.filter(plan__instance=case)}
    assert (entries[must.pk].outcome, entries[must.pk].new_unit.code, entries[must.pk].rotated_on) == (
        Outcome.ROTATED,
        ZGY,
        datetime.date(2027, 4, 1),
    )
    assert (entries[should.pk].outcome, entries[should.pk].reason) == (Outcome.DEFERRED, "承担防汛重点任务")


def test_approval_updates_the_records_and_starts_talks(qt_plan):
    case, must, should = qt_plan
    services.complete_task(person("ls_qt_ld"), task_of(case, "Task_plan").pk, data={"entries": plan_rows(must, should)})
    review = task_of(case, "Task_review")
    assert (review.unit.code, review.role) == (COUNTY_DEPT, "reviewer")
    with clock.frozen_at(at("2027-03-20 10:00")):
        services.complete_task(person("ls_sh"), review.pk, action="approve", opinion="同意")
    case = refresh(case)
    assert (case.status, case.outcome) == (InstanceStatus.COMPLETED, "End_approved")
    rotated = Cadre.objects.get(pk=must.pk)
    assert (rotated.current_post, rotated.post_since, rotated.unit.code) == ("张官营镇副镇长", datetime.date(2027, 4, 1), ZGY)
    current = PostHistory.objects.get(cadre=rotated, end__isnull=True)
    assert (current.post, current.post_unit.code, current.start) == ("张官营镇副镇长", ZGY, datetime.date(2027, 4, 1))
    assert not PostHistory.objects.filter(cadre=rotated, end__isnull=True).exclude(pk=current.pk).exists()
    deferred = Cadre.objects.get(pk=should.pk)
    assert (deferred.current_post, deferred.post_since) == (should.current_post, should.post_since)
    plan = RotationPlan.objects.get(instance=case)
    assert plan.approved and not plan.is_open and plan.entries.get(cadre=rotated).applied
    # A post change calls for a talk (DOMAIN.md §10 "Talks", seed 004 art. 11): the rotated cadre only.
    talks = TalkRecord.objects.filter(source=case)
    assert [(t.cadre_id, t.reason, t.automatic) for t in talks] == [(rotated.pk, TalkReason.POST_CHANGE, True)]
    assert talks.get().department.code == COUNTY_DEPT


def test_a_return_sends_the_plan_back_to_the_unit(qt_plan):
    case, must, should = qt_plan
    services.complete_task(person("ls_qt_ld"), task_of(case, "Task_plan").pk, data={"entries": plan_rows(must, should)})
    services.complete_task(person("ls_sh"), task_of(case, "Task_review").pk, action="return", opinion="请说明暂缓理由的依据")
    task = task_of(case, "Task_plan")
    assert task.unit.code == QT
    assert Cadre.objects.get(pk=must.pk).post_since == must.post_since  # nothing recorded yet
    assert not TalkRecord.objects.filter(source=case).exists()
    services.complete_task(person("ls_qt_ld"), task.pk, data={"entries": plan_rows(must, should)}, opinion="已补充")
    services.complete_task(person("ls_sh"), task_of(case, "Task_review").pk, action="approve")
    assert refresh(case).outcome == "End_approved"


def test_only_the_unit_and_the_organisation_department_see_the_plan(qt_plan):
    case, _must, _should = qt_plan
    for username in ("ls_qt_ld", "ls_qt_jbr", "ls_sh"):
        assert ProcessInstance.objects.visible_to(person(username)).filter(pk=case.pk).exists(), username
    for username in ("ls_zgy_ld", "ls_zgy_jbr", "bf_sh", "bf_tl_ld", "pds_jyj_ld"):
        assert not ProcessInstance.objects.visible_to(person(username)).filter(pk=case.pk).exists(), username
    assert not HumanTask.objects.inbox_for(person("ls_zgy_ld")).filter(instance=case).exists()
    assert HumanTask.objects.inbox_for(person("ls_qt_ld")).filter(instance=case).exists()


def test_one_plan_per_unit_and_year(qt_plan):
    with pytest.raises(FormInvalid):
        services.start_process(person("ls_sh"), "rotation", unit=unit(QT), data={"year": 2027})


def test_nobody_decides_a_plan_that_lists_themselves(qt_plan):
    """DOMAIN.md §9: the unit leader whose own rotation is on the plan may not submit it."""
    case, must, should = qt_plan
    Cadre.objects.filter(user=person("ls_qt_ld")).update(user=None)
    Cadre.objects.filter(pk=must.pk).update(user=person("ls_qt_ld"))
    with pytest.raises(ActionNotAllowed):
        services.complete_task(person("ls_qt_ld"), task_of(case, "Task_plan").pk, data={"entries": plan_rows(must, should)})
    assert set(RotationEntry.objects.filter(plan__instance=case).values_list("outcome", flat=True)) == {""}


def test_the_pages_start_show_and_take_a_plan(world):
    """The start page opens a unit's plan for a year; the plan step's page lists the cadres; the case
    page shows the plan."""
    from django.test import Client

    first, second, *others = qt_cadres()
    Cadre.objects.filter(pk__in=[first.pk, second.pk]).update(post_since=datetime.date(2016, 1, 1))
    Cadre.objects.filter(pk__in=[c.pk for c in others]).update(post_since=datetime.date(2024, 1, 1))
    client = Client()
    client.force_login(person("ls_sh"))
    page = client.get("/start/rotation/", {"unit": unit(QT).pk})
    assert page.status_code == 200 and "年度" in page.content.decode()
    with clock.frozen_at(at("2027-03-01 09:00")):
        case = services.start_process(person("ls_sh"), "rotation", unit=unit(QT), data={"year": 2027})
    leader = Client()
    leader.force_login(person("ls_qt_ld"))
    task = task_of(case, "Task_plan")
    text = leader.get(f"/cases/{case.pk}/tasks/{task.pk}/").content.decode()
    names = [e.cadre.name for e in RotationEntry.objects.filter(plan__instance=case)]
    assert all(f"{name}｜" in text for name in names)
    assert "必须轮岗，不能暂缓" in text  # the plan's table above the field
    shown = leader.get(f"/cases/{case.pk}/").content.decode()
    assert "2027年度轮岗计划" in shown and "必须轮岗" in shown
    lines = "\n".join(f"{name}｜轮岗｜{name}新岗位｜{ZGY}｜2027年4月1日" for name in names)
    response = leader.post(f"/cases/{case.pk}/tasks/{task.pk}/", {"entries": lines, "action": "submit"})
    assert response.status_code in (302, 303), response.content.decode()[:2000]
    review = task_of(case, "Task_review")
    reviewer = Client()
    reviewer.force_login(person("ls_sh"))
    text = reviewer.get(f"/cases/{case.pk}/tasks/{review.pk}/").content.decode()
    assert f"轮岗至鲁山县张官营镇，任{names[0]}新岗位（2027年4月1日起）" in text
