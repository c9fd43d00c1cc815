"""docs/walkthrough.md, "Walking one merit citation through the demo", on any date.

The walkthrough tells a newcomer to nominate 何朝 with a deed period before today, hold the
unit meeting today, publish a notice starting today and then fast-forward with
``manage.py fast_forward``. The same steps run here through the service layer with the clock
set to several "todays" — one whose notice period crosses into a year the official calendar
does not have yet, one years after the demo's reference date — and must reach the issued award
decision each time. ``load_demo --provisional-calendar`` is what ``scripts/run`` does.
"""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from awards.models import Nomination
from documents.models import DocumentKind, IssuedDocument
from notices import desk
from workdays.models import CalendarYear
from workflows import clock, services
from workflows.models import ProcessInstance

from .merit_helpers import REVIEW, at, cadre, person, refresh, task_of, unit

pytestmark = pytest.mark.django_db

HE_CHAO = "410423198912254396"  # the walkthrough's example cadre (何朝, 鲁山县琴台街道)


def walk(today):
    """The walkthrough's steps 1–7 as the demo users, on ``today`` (a date)."""
    morning = at(f"{today:%Y-%m-%d} 09:00")
    with clock.frozen_at(morning):
        case = services.start_process(person("ls_qt_jbr"), "merit_citation", unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(HE_CHAO))
        services.complete_task(
            person("ls_qt_jbr"),
            task_of(case, "Task_nominate").pk,
            data={
                "award_kind": "commendation",
                "deeds": "在防汛抢险工作中连续奋战七昼夜，组织转移群众三百余人，确保无一人伤亡，表现突出。",
                "period_from": (today - datetime.timedelta(days=300)).isoformat(),
                "period_to": (today - datetime.timedelta(days=30)).isoformat(),
            },
        )
        services.complete_task(
            person("ls_qt_ld"),
            task_of(case, "Task_unit_decision").pk,
            data={"meeting_date": today.isoformat(), "attendees": "张广志、翟倩新、何朝、田勇新、翟超"},
            opinion="经街道党工委会议研究，同意推荐。",
        )
        services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
        services.complete_task(person("ls_sh"), task_of(case, "Task_review").pk, action="approve", data=REVIEW, opinion="同意公示")
        desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], start_date=today, contact="鲁山县委组织部干部监督室")
    out = StringIO()
    call_command("fast_forward", stdout=out)
    assert "timers fired: 1" in out.getvalue(), out.getvalue()
    # The approver acts later the same day in real time: the clock override only moved the timer.
    with clock.frozen_at(morning + datetime.timedelta(hours=6)):
        services.complete_task(person("ls_sp"), task_of(case, "Task_approve").pk, action="approve", opinion="同意给予嘉奖。")
    return refresh(case)


@pytest.mark.parametrize(
    "today",
    [
        datetime.date(2026, 11, 21),  # the demo's reference date
        datetime.date(2026, 12, 28),  # the notice runs into 2027, a year the package does not cover
        datetime.date(2029, 3, 14),  # years later
    ],
)
def test_the_walkthrough_reaches_an_issued_decision_on_any_date(today):
    call_command("deploy_processes", verbosity=0)
    call_command("load_demo", verbosity=0)
    from demo.calendar import add_provisional_years

    add_provisional_years(today)
    case = walk(today)
    assert case.outcome == "End_awarded", (case.status, case.error_message)
    assert Nomination.objects.filter(instance=case).exists()
    decision = IssuedDocument.objects.get(instance=case, kind=DocumentKind.AWARD_DECISION)
    assert decision.number.startswith("鲁组〔"), decision.number


def test_provisional_calendar_years_only_when_asked_and_only_missing_years():
    call_command("load_demo", verbosity=0)
    last = CalendarYear.objects.filter(complete=True).order_by("-year").first().year
    assert not CalendarYear.objects.filter(year__gt=last).exists()
    from demo.calendar import add_provisional_years

    added = add_provisional_years(datetime.date(last + 2, 6, 1))
    assert added == [last + 1, last + 2, last + 3]
    assert add_provisional_years(datetime.date(last + 2, 6, 1)) == []  # idempotent


def test_fast_forward_lists_and_refuses_without_a_timer(settings):
    out = StringIO()
    call_command("fast_forward", "--list", stdout=out)
    assert "no case waits for a timer" in out.getvalue()
    with pytest.raises(CommandError, match="no case waits for a timer"):
        call_command("fast_forward")
    settings.MERITFLOW_ALLOW_CLOCK_OVERRIDE = False
    with pytest.raises(CommandError, match="disabled"):
        call_command("fast_forward")
    assert not ProcessInstance.objects.exists()
