"""Shared steps for the API tests (issue 5): demo users with tokens, a case driven through the API.

No tests here; the module is named test_api_* so it stays with the API's tests.
"""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.merit_helpers import QT_CLEAN, REVIEW, at, cadre, load_world, nomination, person
from workflows import clock

PASSWORD = "demo12345"
MONDAY = at("2026-09-28 09:00")
PUBLISH_DAY = at("2026-09-29 08:30")
AFTER_NOTICE = at("2026-10-11 00:01")
APPROVAL_DAY = at("2026-10-12 10:00")


@pytest.fixture
def world():
    """The demo world, with the engine clock on Monday 28 September 2026 and empty throttle history."""
    load_world()
    cache.clear()
    with clock.frozen_at(MONDAY):
        yield
    cache.clear()


def client_for(username):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=person(username))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def anonymous():
    return APIClient()


def clean_cadre(index=0):
    return cadre(QT_CLEAN[index])


def start(client, cadre_id=None, **fields):
    body = {"process_type": "merit_citation", "cadre": cadre_id or clean_cadre().pk, **fields}
    return client.post("/api/v1/processes/", body, format="json")


def nominate(client=None, cadre_id=None, **overrides):
    """Start and submit a nomination as ls_qt_jbr; returns the case JSON."""
    response = start(client or client_for("ls_qt_jbr"), cadre_id, **{**nomination(), **overrides})
    assert response.status_code == 201, response.json()
    return response.json()


def task_id(case, bpmn_id):
    ids = [step["id"] for step in case["current_steps"] if step["bpmn_id"] == bpmn_id]
    assert ids, f"{bpmn_id} not among {[s['bpmn_id'] for s in case['current_steps']]}"
    return ids[0]


def complete(client, task, **body):
    return client.post(f"/api/v1/tasks/{task}/complete/", body, format="json")


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.json() if response.content else None)
    return response.json()


def unit_decides(case):
    return ok(
        complete(
            client_for("ls_qt_ld"),
            task_id(case, "Task_unit_decision"),
            action="approve",
            meeting_date="2026-09-01",
            attendees="党工委班子成员7人",
            opinion="经集体研究，同意推荐",
        )
    )


def integrity(case):
    return ok(complete(client_for("ls_jw"), task_id(case, "Task_integrity"), integrity_opinion="no_objection", opinion="未发现廉政问题"))


def review(case):
    return ok(complete(client_for("ls_sh"), task_id(case, "Task_review"), action="approve", opinion="材料齐全，同意公示", **REVIEW))


def to_publish(**overrides):
    """A case nominated and reviewed through the API: it waits at 发布公示."""
    return review(integrity(unit_decides(nominate(**overrides))))


def publish(*cases, client=None, **body):
    with clock.frozen_at(PUBLISH_DAY):
        return (client or client_for("ls_gs")).post(
            "/api/v1/notices/",
            {"tasks": [task_id(c, "Task_publish") for c in cases], "contact": "鲁山县委组织部，电话 0375-5051234", **body},
            format="json",
        )


def case_of(client, case):
    return ok(client.get(f"/api/v1/processes/{case['id']}/"))


def assert_error(response, status, code):
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body
