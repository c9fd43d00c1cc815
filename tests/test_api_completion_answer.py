"""A completion's minimal answer (issue 17 item 1, "the answer built from what is in memory"):
with ``Prefer: return=minimal`` (RFC 7240) the answer is the case's row, its open steps as the
completion left them and the steps it closed — taken from what the service holds, with no read of
the case after the action's transaction — and it says the same as the case detail read afterwards."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests import test_secondment_helpers as rounds
from tests.merit_helpers import at, load_world, person, task_of
from tests.test_api_helpers import client_for, nominate, ok, task_id
from tests.test_handover import at_review
from workflows import clock
from workflows.models import HumanTask

pytestmark = pytest.mark.django_db

MINIMAL = {"HTTP_PREFER": "return=minimal"}
DECISION = {"action": "approve", "meeting_date": "2026-09-01", "attendees": "党工委班子成员7人", "opinion": "经集体研究，同意推荐"}


@pytest.fixture(autouse=True)
def world():
    load_world()


def post_complete(client, task, body, **headers):
    with CaptureQueriesContext(connection) as statements:
        response = client.post(f"/api/v1/tasks/{task}/complete/", body, format="json", **headers)
    return response, [q["sql"] for q in statements.captured_queries]


def assert_says_what_the_detail_says(answer, client):
    """The answer's case row and open steps are those the case detail reports when read afresh."""
    case = answer["case"]
    detail = ok(client.get(f"/api/v1/processes/{case['id']}/"))
    assert {key: detail[key] for key in case if key != "current_steps"} == {k: v for k, v in case.items() if k != "current_steps"}
    keys = case["current_steps"][0].keys() if case["current_steps"] else ()
    assert case["current_steps"] == [{key: step[key] for key in keys} for step in detail["current_steps"]]


def test_the_minimal_answer_is_built_without_reading_the_case_back():
    client = client_for("ls_qt_ld")
    with clock.frozen_at(at("2026-09-28 10:00")):
        case = nominate()
        decision = task_id(case, "Task_unit_decision")
        response, sent = post_complete(client, decision, DECISION, **MINIMAL)
        answer = ok(response)
        assert response.headers["Preference-Applied"] == "return=minimal"
        assert answer["closed_steps"] == [decision]
        assert [step["bpmn_id"] for step in answer["case"]["current_steps"]] == ["Task_integrity"]
        assert answer["case"]["version"] == case["version"] + 1 and answer["case"]["status"] == "running"
        # The action's transaction is the last thing the request sends to the database.
        assert sent[-1].startswith(("COMMIT", "RELEASE SAVEPOINT")), sent[-1]
        assert not [sql for sql in sent if sql.startswith("SELECT") and "workflows_historyevent" in sql]
        assert_says_what_the_detail_says(answer, client)


def test_steps_still_open_in_a_parallel_branch_are_in_the_answer():
    """A secondment round's call: each invited unit nominates in its own branch; one unit's
    nomination opens its confirmation and leaves the other units' nominations open."""
    case = rounds.open_round()
    qt = rounds.call_task(case, "HA-PDS-LS-QT")
    others = set(HumanTask.objects.filter(instance_id=case.pk).exclude(pk=qt.pk).values_list("pk", flat=True))
    assert others, "the round invites several units"
    cadre = rounds.candidate("候选甲", "HA-PDS-LS-QT")
    body = {"candidate_ids": [str(cadre.pk)], "recommendation": "政治素质好，工作实绩突出，群众公认度高，适合到基层一线挂职锻炼。"}
    client = client_for("ls_qt_jbr")
    with clock.frozen_at(at("2026-09-07 10:00")):
        answer = ok(post_complete(client, qt.pk, body, **MINIMAL)[0])
        steps = answer["case"]["current_steps"]
        assert answer["closed_steps"] == [qt.pk]
        assert others <= {step["id"] for step in steps}
        assert "Task_unit_confirm" in [step["bpmn_id"] for step in steps if step["unit"]["code"] == "HA-PDS-LS-QT"]
        assert_says_what_the_detail_says(answer, client_for(rounds.OWNER))


def test_a_decision_held_for_countersigners_closes_nothing_and_says_so():
    case = at_review()
    review = task_of(case, "Task_review")
    reviewer = APIClient()
    reviewer.force_authenticate(person("ls_sh"))
    ok(reviewer.post(f"/api/v1/tasks/{review.pk}/countersigners/", {"signer": "ls_sp", "position": "after"}, format="json"))
    deeds = "该同志在2026年汛期防汛抢险中连续奋战七昼夜，组织转移群众三百余人，无一伤亡，表现突出"
    body = {"action": "approve", "opinion": "同意公示", "deed_summary": deeds}
    answer = ok(post_complete(reviewer, review.pk, body, **MINIMAL)[0])
    assert answer["closed_steps"] == []
    assert [step["id"] for step in answer["case"]["current_steps"]] == [review.pk]
    assert HumanTask.objects.get(pk=review.pk).held_completion is not None
    assert_says_what_the_detail_says(answer, reviewer)
