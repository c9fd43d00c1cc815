"""What a secondment round refuses, each with a clear translated message (issue 7 acceptance):
over-selection, nomination after the deadline, a unit nominating for another unit, a candidate
outside the round's rank range — and the plan's own limits (DOMAIN.md §5, §9)."""

import pytest

from secondments import plan
from secondments.models import CandidateStatus, InvitationStatus
from secondments.queries import nomination_status
from tests.test_secondment_helpers import (
    AFTER_DEADLINE,
    NOMINATORS,
    OPEN_AT,
    OWNER,
    SELECTOR,
    at,
    call_task,
    candidate,
    confirm,
    load_world,
    nominate,
    open_round,
    person,
    plan_data,
    refresh,
    selection,
    task,
    to_selection,
    unit,
)
from workflows import clock, services
from workflows.errors import ActionNotAllowed, FormInvalid, OutOfScope, TaskConflict
from workflows.models import HumanTask

pytestmark = pytest.mark.django_db
QT, TL, JYJ = "HA-PDS-LS-QT", "HA-PDS-BF-TL", "HA-PDS-JYJ"


@pytest.fixture
def world():
    load_world()


def unchanged(case):
    case = refresh(case)
    return case.version, case.state


def test_selecting_more_than_the_places_is_refused(world):
    """Issue 7 step 4: the reviewer "cannot select more than the places"."""
    fourth = candidate("李文博", "HA-PDS-JYJ", born="1993-11-20")
    case = open_round()
    nominate(case, QT, [candidate("赵青山", QT, born="1992-03-01")])
    nominate(case, TL, [candidate("钱晓岚", TL, born="1991-06-12", rank="township_deputy")])
    nominate(case, JYJ, [candidate("孙立德", JYJ, born="1987-06-01", rank="county_deputy"), fourth])
    for code in (QT, TL, JYJ):
        confirm(case, code)
    services.fire_due_timers(now=AFTER_DEADLINE)
    people = [c.cadre for c in refresh(case).secondment_round.candidates.select_related("cadre").order_by("pk")]
    before = unchanged(case)
    step = task(case, "Task_select")
    with clock.frozen_at(at("2026-09-16 10:00")):
        with pytest.raises(FormInvalid) as caught:  # 4 selected for 3 places (the posts would hold them: 2 + 1 + …)
            services.complete_task(
                person(SELECTOR),
                step.pk,
                data=selection(case, [(people[0], "P1"), (people[1], "P1"), (people[2], "P2"), (people[3], "P2")]),
            )
        assert caught.value.errors["__all__"] == ["本轮选派名额为3名，已选4名，选派人数不能超过名额"]
        with pytest.raises(FormInvalid) as caught:  # a post of 1 place given twice
            services.complete_task(
                person(SELECTOR), step.pk, data=selection(case, [(people[0], "P2"), (people[1], "P2"), (people[2], ""), (people[3], "")])
            )
        assert "名额为1名，已安排2名" in caught.value.errors["__all__"][0]
        with pytest.raises(FormInvalid) as caught:  # ranks must be 1..n without repeats
            data = selection(case, [(people[0], "P1"), (people[1], ""), (people[2], ""), (people[3], "")])
            data[next(k for k in data if k.startswith("rank_") and data[k] == 2)] = 1
            services.complete_task(person(SELECTOR), step.pk, data=data)
        assert caught.value.errors["__all__"] == ["排序应为1至4，且不能重复"]
        with pytest.raises(FormInvalid) as caught:  # nobody selected: that is 终止本轮, not a selection
            services.complete_task(person(SELECTOR), step.pk, data=selection(case, [(p, "") for p in people]))
        assert "请至少选派一名人选" in caught.value.errors["__all__"][0]
    assert unchanged(case) == before
    with clock.frozen_at(at("2026-09-16 10:00")):
        services.complete_task(
            person(SELECTOR), step.pk, data=selection(case, [(people[0], "P1"), (people[1], "P1"), (people[2], "P2"), (people[3], "")])
        )
    assert refresh(case).secondment_round.candidates.filter(status=CandidateStatus.SELECTED).count() == 3


def test_nomination_after_the_deadline_is_refused(world):
    """Issue 7 step 2: units nominate "before the deadline (a timer closes the call; late units are shown as such)"."""
    case = open_round()
    late_cadre = candidate("王建峰", QT, born="1991-01-01")
    step = call_task(case, QT)
    # After 24:00 of the deadline day, before the worker has fired the timer: the form refuses.
    with clock.frozen_at(at("2026-09-16 00:00")), pytest.raises(FormInvalid) as caught:
        services.complete_task(person("ls_qt_jbr"), step.pk, data={"candidate_ids": [str(late_cadre.pk)], "recommendation": "补报"})
    assert caught.value.errors["__all__"] == ["推荐已于2026年9月15日24时截止，不能再报送或修改"]
    # A unit that nominated in time but whose leadership had not confirmed is late too.
    nominate(case, TL, [candidate("钱晓岚", TL, born="1991-06-12", rank="township_deputy")])
    services.fire_due_timers(now=AFTER_DEADLINE)
    # Once the worker has closed the call, the step is gone: a late submission meets a conflict.
    with clock.frozen_at(at("2026-09-16 09:00")), pytest.raises(TaskConflict):
        services.complete_task(person("ls_qt_jbr"), step.pk, data={"candidate_ids": [str(late_cadre.pk)], "recommendation": "补报"})
    assert not HumanTask.objects.filter(instance=case, bpmn_id__in=["Task_nominate", "Task_unit_confirm"]).exists()
    status = {u["unit"].code: u for u in nomination_status(refresh(case))["units"]}
    assert status[QT]["status"] == InvitationStatus.LATE and status[QT]["label"] == "逾期未报送"
    assert status[TL]["status"] == InvitationStatus.LATE
    assert [c["status"] for c in status[TL]["candidates"]] == [CandidateStatus.LAPSED]
    # Nobody was reported, so the round ends.
    case = refresh(case)
    assert case.status == "completed" and case.outcome == "End_none_reported"


def test_a_unit_cannot_nominate_for_another_unit(world):
    """Issue 7 acceptance; DOMAIN.md §9 (roles per unit): each unit proposes its own cadres."""
    case = open_round()
    other = candidate("钱晓岚", TL, born="1991-06-12", rank="township_deputy")
    before = unchanged(case)
    with pytest.raises(OutOfScope) as caught:  # through its own call, with another unit's cadre
        nominate(case, QT, [other])
    # Issue 12: answered like an object out of scope — never naming the cadre or their unit.
    assert "钱晓岚" not in str(caught.value.message) and "宝丰" not in str(caught.value.message)
    with pytest.raises(ActionNotAllowed) as caught:  # or through the other unit's call
        nominate(case, TL, [other], username="ls_qt_jbr")
    assert str(caught.value.message) == "您不具有“宝丰县铁路街道”的“推荐单位经办人”角色，不能办理此任务"
    assert unchanged(case) == before
    assert not HumanTask.objects.inbox_for(person("ls_qt_jbr")).filter(unit=unit(TL)).exists()


def test_another_units_cadre_is_a_404_through_the_api_without_a_name(world, client):
    """Issue 12 "A nomination for another unit's cadre … must answer like any out-of-scope object
    (404, no name)"; DOMAIN.md §9 (roles per unit)."""
    case = open_round()
    other = candidate("钱晓岚", TL, born="1991-06-12", rank="township_deputy")
    before = unchanged(case)
    client.force_login(person(NOMINATORS[QT]))
    with clock.frozen_at(at("2026-09-07 10:00")):
        response = client.post(
            f"/api/v1/tasks/{call_task(case, QT).pk}/complete/",
            {"candidate_ids": [str(other.pk)], "recommendation": "政治素质好"},
            content_type="application/json",
        )
    assert response.status_code == 404, response.content
    assert "钱晓岚" not in response.content.decode() and "宝丰" not in response.content.decode()
    assert unchanged(case) == before


def test_a_candidate_outside_the_rank_range_is_refused(world):
    """DOMAIN.md §5 [default, plan parameter]: the round's rank range (here 其他人员 to 县处级副职)."""
    case = open_round(rank_max="county_deputy")
    head = candidate("孙立德", JYJ, born="1987-06-01", rank="county_principal")
    with pytest.raises(FormInvalid) as caught:
        nominate(case, JYJ, [head])
    assert caught.value.errors["candidate_ids"] == [
        "“孙立德”不符合本轮选派条件：职级层次为县处级正职，不在本轮选派范围（其他人员至县处级副职）内"
    ]


def test_a_nominator_may_not_nominate_a_relative(world):
    """DOMAIN.md §9: nobody acts on a task about themselves or a listed relative."""
    from records.models import Cadre
    from tests import factories

    case = open_round()
    own = Cadre.objects.get(user=person("ls_qt_jbr"))
    sibling = candidate("李晓红", QT, born="1993-04-04")
    factories.relative(own, sibling, relation="妹妹")
    with pytest.raises(FormInvalid) as caught:
        nominate(case, QT, [sibling])
    assert "存在回避关系" in caught.value.errors["candidate_ids"][0]


def test_the_plan_is_checked_before_the_round_opens(world):
    """DOMAIN.md §5: term 1–2 years; places fit the posts; the deadline comes before the term."""
    with clock.frozen_at(OPEN_AT), pytest.raises(FormInvalid) as caught:
        plan.open_round(
            person(OWNER),
            unit("HA-PDS-ZZB"),
            plan_data(
                places=4,
                term_months=30,
                term_start="2026-09-10",
                nomination_deadline="2026-08-31",
                rank_min="county_principal",
                rank_max="township_deputy",
            ),
        )
    errors = caught.value.errors
    assert errors["term_months"] == ["挂职期限应为12至24个月"]  # DOMAIN.md §5: 1–2 years, a rule parameter
    assert errors["nomination_deadline"] == ["推荐截止日期不能早于今天"]
    assert errors["rank_max"] == ["职级范围的上限不能低于下限"]
    with clock.frozen_at(OPEN_AT):
        with pytest.raises(FormInvalid) as caught:
            plan.open_round(person(OWNER), unit("HA-PDS-ZZB"), plan_data(places=4))
        assert caught.value.errors["places"] == ["选派名额（4名）多于各岗位名额之和（3名）"]
        with pytest.raises(FormInvalid) as caught:
            plan.open_round(person(OWNER), unit("HA-PDS-ZZB"), plan_data(positions="NOPE｜副镇长｜1"))
        assert caught.value.errors["positions"] == ["第1个岗位：找不到挂职单位“NOPE”"]
        with pytest.raises(FormInvalid) as caught:  # a unit outside the department's area
            plan.open_round(person(OWNER), unit("HA-PDS-ZZB"), plan_data(invited_unit_ids=[str(unit("HA-GOV").pk)]))
        assert "不在可用的选项中" in caught.value.errors["invited_unit_ids"][0]
        with pytest.raises(ActionNotAllowed):  # only a reviewer of the department opens a round
            plan.open_round(person("ls_qt_jbr"), unit("HA-PDS-ZZB"), plan_data())
        with pytest.raises(FormInvalid) as caught:  # the area's party committee is not the organisation department
            plan.open_round(person(OWNER), unit("HA-PDS"), plan_data())
        assert "不是组织部门" in caught.value.errors["__all__"][0]


def test_after_the_call_closes_a_selected_candidate_who_became_ineligible_is_refused(world):
    """DOMAIN.md §5 default exclusions hold until the selection: an investigation opened after the
    re-check refuses the candidate's selection with the reason."""
    from tests.test_secondment_helpers import investigated

    case, people = to_selection()
    investigated(people["tl"], opened="2026-09-16")
    with clock.frozen_at(at("2026-09-16 10:00")), pytest.raises(FormInvalid) as caught:
        services.complete_task(
            person(SELECTOR),
            task(case, "Task_select").pk,
            data=selection(case, [(people["jyj"], "P1"), (people["qt"], "P2"), (people["tl"], "P1")]),
        )
    assert any("“钱晓岚”现已不符合选派条件：正在接受立案审查调查，尚未结案" in m for ms in caught.value.errors.values() for m in ms)
