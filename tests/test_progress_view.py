"""The case page opens on its progress (issue 15 item 6): the done steps with who (name, role,
unit), when and the opinion; the current step with who may act on it; the diagram one click
away; and what the case's subject may not read stays out of it."""

import re

import pytest
from django.urls import reverse

from permissions.roles import Role
from tests import factories
from tests.merit_helpers import QT_CLEAN, REVIEW, at, cadre, load_world, person, start_and_nominate, task_of, unit, unit_decides
from workflows import clock, services
from workflows.models import HumanTask

pytestmark = pytest.mark.django_db
INTEGRITY = "经查阅信访举报和案件线索，未发现该同志有违纪违法问题"


@pytest.fixture
def world():
    load_world()


def progress_of(client, username, case):
    client.force_login(person(username))
    answer = client.get(reverse("case", args=[case.pk]))
    assert answer.status_code == 200
    body = answer.content.decode()
    start = body.index('aria-labelledby="progress-title"')
    return body, body[start : body.index("</section>", start)]


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_done_steps_show_actor_role_unit_and_opinion_and_the_current_step_its_holders(client, world):
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0])))
    body, progress = progress_of(client, "ls_qt_jbr", case)
    steps = text(progress)
    leader, discipline = person("ls_qt_ld"), person("ls_jw")
    # Done: 单位集体研究 by the unit's leader, as 单位党组织 of 琴台街道, with the opinion.
    done = steps[steps.index("单位集体研究") : steps.index("办理中")]
    assert leader.get_full_name() in done and "经集体研究，同意推荐" in done
    decision_task = HumanTask.all_objects.get(instance=case, bpmn_id="Task_unit_decision")
    assert decision_task.get_role_display() in done and decision_task.unit.name in done
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", done)  # when
    # In order: the nomination before the unit's decision.
    assert steps.index("填报推荐材料") < steps.index("单位集体研究") < steps.index("廉政意见")
    # Current: 廉政意见, at the discipline body, with who may act.
    current = steps[steps.index("办理中") :]
    integrity = task_of(case, "Task_integrity")
    assert "廉政意见" in steps[: steps.index("办理中")].rsplit("单位集体研究", 1)[1]
    assert integrity.unit.name in current and integrity.get_role_display() in current
    assert "可办理人" in current and discipline.get_full_name() in current
    # The diagram one click away: in a closed <details> after the progress view.
    details = re.search(r'<details class="card diagram-card"[^>]*>', body)
    assert details and " open" not in details.group(0)
    assert (
        body.index('aria-labelledby="progress-title"')
        < details.start()
        < body.index('<svg xmlns="http://www.w3.org/2000/svg" class="bpmn"')
    )
    assert body.index("<svg xmlns") < body.index("</details>")


def test_the_subject_does_not_read_the_integrity_opinion_in_the_progress(client, world):
    colleague = factories.user("qt_colleague", (Role.NOMINATOR, unit("HA-PDS-LS-QT")))
    subject = person("ls_qt_jbr").cadre
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = unit_decides("ls_qt_ld", start_and_nominate(colleague.username, "HA-PDS-LS-QT", subject))
        services.complete_task(
            person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"}, opinion=INTEGRITY
        )
        services.complete_task(person("ls_sh"), task_of(case, "Task_review").pk, action="approve", data=REVIEW, opinion="同意公示")
    _, seen_by_reviewer = progress_of(client, "ls_sh", case)
    assert INTEGRITY in seen_by_reviewer and person("ls_jw").get_full_name() in seen_by_reviewer
    _, seen_by_subject = progress_of(client, "ls_qt_jbr", case)
    assert INTEGRITY not in seen_by_subject and "廉政意见" not in seen_by_subject
    assert "同意公示" in seen_by_subject  # the other steps are there
