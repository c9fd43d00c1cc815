"""The subject of a case does not read its integrity opinion or its objections (issue 13 item 5):
recusal (DOMAIN.md §9) kept the subject from acting on their own case, but a subject who holds a
role at the nominating unit could read what the discipline body said and who objected."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from notices import desk
from permissions.roles import Role
from tests import factories
from tests.merit_helpers import REVIEW, at, load_world, person, refresh, start_and_nominate, task_of, unit, unit_decides
from workflows import clock, services

pytestmark = pytest.mark.django_db
INTEGRITY = "经查阅信访举报和案件线索，未发现该同志有违纪违法问题"
OBJECTION = "反映其在防汛中虚报转移人数，请组织核查"


@pytest.fixture
def case():
    """A nomination of ls_qt_jbr's own cadre record (by a colleague), under notice, with an objection."""
    load_world()
    colleague = factories.user("qt_colleague", (Role.NOMINATOR, unit("HA-PDS-LS-QT")))
    subject = person("ls_qt_jbr").cadre
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = unit_decides("ls_qt_ld", start_and_nominate(colleague.username, "HA-PDS-LS-QT", subject))
        services.complete_task(
            person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"}, opinion=INTEGRITY
        )
        services.complete_task(person("ls_sh"), task_of(case, "Task_review").pk, action="approve", data=REVIEW, opinion="同意公示")
    with clock.frozen_at(at("2026-09-29 08:30")):
        desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="组织部")
        desk.record_objection(person("ls_gs"), case.pk, content=OBJECTION, contact="匿名")
    return refresh(case)


def page_of(client, username, case):
    client.force_login(person(username))
    answer = client.get(reverse("case", args=[case.pk]))
    assert answer.status_code == 200
    return answer.content.decode()


def api_detail(client, username, case):
    token = Token.objects.get_or_create(user=person(username))[0].key
    answer = client.get(f"/api/v1/processes/{case.pk}/", HTTP_AUTHORIZATION=f"Token {token}")
    assert answer.status_code == 200
    return answer.json()


def test_the_subject_reads_neither_the_integrity_opinion_nor_the_objections(client, case):
    page = page_of(client, "ls_qt_jbr", case)
    assert INTEGRITY not in page and OBJECTION not in page and "廉政意见" not in page.split("办理记录与审批意见")[1]
    detail = api_detail(client, "ls_qt_jbr", case)
    assert detail["objections"] == []
    assert all(event["step"] != "Task_integrity" and event["action"] != "message" for event in detail["history"])
    assert INTEGRITY not in str(detail)


def test_a_colleague_on_the_same_unit_reads_both(client, case):
    """Only the subject (and their relatives) are kept out: the unit leader still reads them."""
    page = page_of(client, "ls_qt_ld", case)
    assert INTEGRITY in page and OBJECTION[:20] in page
    detail = api_detail(client, "ls_qt_ld", case)
    assert [o["content"] for o in detail["objections"]] == [OBJECTION]
    assert any(event["opinion"] == INTEGRITY for event in detail["history"])
