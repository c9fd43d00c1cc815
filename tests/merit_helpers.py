"""Shared steps for the merit-citation tests: demo users acting through the service layer."""

import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.management import call_command

from permissions.models import Unit
from records.models import Cadre
from workflows import services
from workflows.models import HumanTask, ProcessInstance

SHANGHAI = ZoneInfo("Asia/Shanghai")
PROCESS = "merit_citation"
# Clean cadres of 鲁山县琴台街道 in the demo data (no sanction, no investigation, 称职 in 2025).
QT_CLEAN = ["410423198912254396", "410423198906079413", "410423197505138641", "410423198804012672"]


def at(text):
    """An aware datetime in Asia/Shanghai from 'YYYY-MM-DD HH:MM'."""
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def load_world():
    call_command("deploy_processes", verbosity=0)
    call_command("load_demo", verbosity=0)


def person(username):
    return get_user_model().objects.get(username=username)


def unit(code):
    return Unit.objects.get(code=code)


def cadre(id_number):
    return Cadre.objects.get(id_number=id_number)


def task_of(case, bpmn_id):
    return HumanTask.objects.get(instance_id=case.pk, bpmn_id=bpmn_id)


def refresh(case):
    return ProcessInstance.objects.get(pk=case.pk)


# The reviewer's deed summary that the 奖励决定 prints (DOMAIN.md §1.3 steps 3 and 5): required
# (20–300 characters) when the 审核 step approves the notice or reports a classified case.
DEED_SUMMARY = "该同志在2026年汛期防汛抢险中连续奋战七昼夜，组织转移群众三百余人，无一伤亡，表现突出"
REVIEW = {"deed_summary": DEED_SUMMARY}


def review_data(**extra):
    """The 审核 step's data when approving: the deed summary, plus ``extra`` fields."""
    return {**REVIEW, **extra}


def nomination(award_kind="commendation", deed_reference="", **extra):
    return {
        "award_kind": award_kind,
        "deeds": "在2026年汛期防汛抢险中连续奋战七昼夜，组织转移群众三百余人，无一伤亡，表现突出。",
        "period_from": "2026-07-01",
        "period_to": "2026-08-31",
        "deed_reference": deed_reference,
        **extra,
    }


def start_and_nominate(nominator, unit_code, subject, **nomination_fields):
    case = services.start_process(person(nominator), PROCESS, unit=unit(unit_code), subject_cadre=subject)
    services.complete_task(person(nominator), task_of(case, "Task_nominate").pk, data=nomination(**nomination_fields))
    return refresh(case)


def unit_decides(leader, case):
    services.complete_task(
        person(leader),
        task_of(case, "Task_unit_decision").pk,
        data={"meeting_date": "2026-09-01", "attendees": "党委书记、镇长、副书记等7人"},
        opinion="经集体研究，同意推荐",
    )
    return refresh(case)


def to_publish(
    subject, *, nominator="ls_qt_jbr", unit_code="HA-PDS-LS-QT", leader="ls_qt_ld", discipline="ls_jw", reviewer="ls_sh", **fields
):
    """Nominate → unit decision → integrity → review: the case waits at 发布公示."""
    from workflows import services as _services

    case = start_and_nominate(nominator, unit_code, subject, **fields)
    _services.complete_task(
        person(leader),
        task_of(case, "Task_unit_decision").pk,
        data={"meeting_date": "2026-09-01", "attendees": "班子成员7人"},
        opinion="同意推荐",
    )
    _services.complete_task(person(discipline), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
    _services.complete_task(person(reviewer), task_of(case, "Task_review").pk, action="approve", data=review_data(), opinion="同意公示")
    return refresh(case)


# Discipline, reviewer, publicity officer and approver of each approving area (DOMAIN.md §1.2).
AREA_ACTORS = {
    "county": ("ls_jw", "ls_sh", "ls_gs", "ls_sp"),
    "city": ("pds_jw", "pds_sh", "pds_gs", "pds_sp"),
    "province": ("ha_jw", "ha_sh", "ha_gs", "ha_sp"),
}


def approve_through(case, area):
    """From 廉政意见 to the award: integrity, review, a 5-working-day notice from Tuesday 29
    September 2026 with no objection, approval on 12 October; asserts the case was awarded."""
    from notices import desk
    from workflows import clock

    discipline, reviewer, publicity, approver = AREA_ACTORS[area]
    with clock.frozen_at(at("2026-09-28 09:00")):
        services.complete_task(person(discipline), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
        services.complete_task(person(reviewer), task_of(case, "Task_review").pk, action="approve", data=review_data(), opinion="同意公示")
    with clock.frozen_at(at("2026-09-29 08:30")):
        desk.publish_notice(person(publicity), [task_of(case, "Task_publish").pk], contact="组织部")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    with clock.frozen_at(at("2026-10-12 09:00")):
        services.complete_task(person(approver), task_of(case, "Task_approve").pk, action="approve", opinion="同意")
    case = refresh(case)
    assert case.outcome == "End_awarded", case.error_message
    return case
