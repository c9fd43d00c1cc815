"""A whole merit citation through the REST API only, as six different demo users with token
authentication (issue 5, acceptance). The one thing not done through the API is the passing of
time: the notice period ends when the timer worker runs, as in production.

Rules exercised: DOMAIN.md §1.2 (a township's 嘉奖 is approved by its county), §1.3 (procedure:
nomination, unit decision, integrity opinion, review, notice, approval), §6 (an objection during
the notice, found untrue), §7 (5 working days over the National Day holiday), §8 (decision number,
verifiable PDF)."""

import hashlib
import re

import pytest
from rest_framework.test import APIClient

from tests.merit_helpers import QT_CLEAN, REVIEW, nomination
from tests.test_api_helpers import (
    AFTER_NOTICE,
    APPROVAL_DAY,
    PASSWORD,
    PUBLISH_DAY,
    anonymous,
    assert_error,
    ok,
    world,  # noqa: F401  (fixture)
)
from workflows import clock, services

pytestmark = pytest.mark.django_db


def sign_in(username):
    """POST /api/v1/auth/token/ → a client sending ``Authorization: Token …``."""
    client = APIClient()
    token = ok(client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"))["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def my_task(client, case_id, step):
    """The caller's inbox, filtered to one step: the task of this case."""
    inbox = ok(client.get("/api/v1/tasks/", {"step": step}))
    matches = [t for t in inbox["results"] if t["case"]["id"] == case_id]
    assert len(matches) == 1, inbox
    return ok(client.get(f"/api/v1/tasks/{matches[0]['id']}/"))


def test_merit_citation_end_to_end_through_the_api(world):
    nominator, leader, discipline = sign_in("ls_qt_jbr"), sign_in("ls_qt_ld"), sign_in("ls_jw")
    reviewer, notice_desk, approver = sign_in("ls_sh"), sign_in("ls_gs"), sign_in("ls_sp")

    # The nominator finds what they may start, and the cadre, then starts and submits in one call.
    types = ok(nominator.get("/api/v1/process-types/"))["results"]
    merit = next(t for t in types if t["key"] == "merit_citation")
    assert merit["start_step"]["bpmn_id"] == "Task_nominate"
    assert set(merit["start_form"]["required"]) == {"award_kind", "deeds", "period_from", "period_to"}
    found = ok(nominator.get("/api/v1/cadres/", {"q": QT_CLEAN[0]}))["results"]
    assert len(found) == 1
    case = ok(
        nominator.post("/api/v1/processes/", {"process_type": "merit_citation", "cadre": found[0]["id"], **nomination()}, format="json"),
        201,
    )
    case_id = case["id"]
    assert case["business_key"].startswith("JL-2026-")
    assert [s["bpmn_id"] for s in case["current_steps"]] == ["Task_unit_decision"]

    # 单位集体研究: the leader sees the form and its actions, and approves.
    task = my_task(leader, case_id, "Task_unit_decision")
    assert task["can_act"] and {a["code"] for a in task["actions"]} == {"approve", "return"}
    assert task["form"]["properties"]["meeting_date"]["format"] == "date"
    ok(
        leader.post(
            f"/api/v1/tasks/{task['id']}/complete/",
            {"action": "approve", "meeting_date": "2026-09-01", "attendees": "党工委班子成员7人", "opinion": "同意推荐"},
            format="json",
        )
    )

    # Eligible (DOMAIN.md §1.4) → the county's discipline body gives the integrity opinion.
    task = my_task(discipline, case_id, "Task_integrity")
    assert task["unit"]["code"] == "HA-PDS-LS-JW"
    ok(
        discipline.post(
            f"/api/v1/tasks/{task['id']}/complete/", {"integrity_opinion": "no_objection", "opinion": "未发现廉政问题"}, format="json"
        )
    )

    # 审核 by the county organisation department.
    task = my_task(reviewer, case_id, "Task_review")
    case = ok(reviewer.post(f"/api/v1/tasks/{task['id']}/complete/", {"action": "approve", "opinion": "同意公示", **REVIEW}, format="json"))
    assert [s["bpmn_id"] for s in case["current_steps"]] == ["Task_publish"]

    # 发布公示: the step says where it is done; the notice desk publishes one notice.
    task = my_task(notice_desk, case_id, "Task_publish")
    assert task["complete_via"] == "/api/v1/notices/"
    with clock.frozen_at(PUBLISH_DAY):
        notice = ok(
            notice_desk.post("/api/v1/notices/", {"tasks": [task["id"]], "contact": "鲁山县委组织部，电话 0375-5051234"}, format="json"),
            201,
        )
    # 5 working days from Tuesday 29 September skip the National Day holiday (DOMAIN.md §7).
    assert (notice["start_date"], notice["end_date"]) == ("2026-09-29", "2026-10-10")
    assert notice["document"]["kind"] == "notice"

    # An objection during the notice; the reviewer verifies it as untrue (DOMAIN.md §6).
    with clock.frozen_at(PUBLISH_DAY):
        objection = ok(
            notice_desk.post(
                f"/api/v1/processes/{case_id}/objections/", {"content": "反映其在防汛中虚报转移人数", "contact": "匿名"}, format="json"
            ),
            201,
        )
        task = my_task(reviewer, case_id, "Task_verify")
        assert task["values"].get("objection_id", task["form"]["properties"]["objection_id"].get("default")) == objection["id"]
        ok(
            reviewer.post(
                f"/api/v1/tasks/{task['id']}/complete/",
                {"objection_id": objection["id"], "verification_outcome": "untrue", "verification_finding": "经核查转移台账，人数属实。"},
                format="json",
            )
        )
    case = ok(nominator.get(f"/api/v1/processes/{case_id}/"))
    assert case["status"] == "waiting" and case["next_timer_due"].startswith("2026-10-11T00:00")

    # Time passes: the timer worker ends the notice period.
    services.fire_due_timers(now=AFTER_NOTICE)

    # 审批 by the county committee (DOMAIN.md §1.2).
    with clock.frozen_at(APPROVAL_DAY):
        task = my_task(approver, case_id, "Task_approve")
        assert task["unit"]["code"] == "HA-PDS-LS"
        case = ok(approver.post(f"/api/v1/tasks/{task['id']}/complete/", {"action": "approve", "opinion": "同意给予嘉奖"}, format="json"))
    assert case["status"] == "completed" and case["outcome"] == "End_awarded"

    # The nominator sees where it stands: the whole history with opinions, and the documents.
    case = ok(nominator.get(f"/api/v1/processes/{case_id}/"))
    steps = [(e["action"], e["step"], e["actor"]["username"] if e["actor"] else None) for e in case["history"]]
    for expected in [
        ("start", "", "ls_qt_jbr"),
        ("complete", "Task_nominate", "ls_qt_jbr"),
        ("complete", "Task_unit_decision", "ls_qt_ld"),
        ("complete", "Task_integrity", "ls_jw"),
        ("complete", "Task_review", "ls_sh"),
        ("complete", "Task_publish", "ls_gs"),
        ("complete", "Task_verify", "ls_sh"),
        ("complete", "Task_approve", "ls_sp"),
    ]:
        assert expected in steps
    assert {"同意推荐", "未发现廉政问题", "同意公示", "同意给予嘉奖"} <= {e["opinion"] for e in case["history"]}
    kinds = {d["kind"]: d for d in case["documents"]}
    assert {"award_decision", "award_form", "notice", "clarification_letter"} <= set(kinds)
    decision = kinds["award_decision"]
    assert re.fullmatch(r"鲁组〔2026〕\d+号", decision["number"])  # the clarification letter took a number too

    # Download the decision and verify it, without signing in, by its hash and number.
    pdf = nominator.get(decision["download_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    digest = hashlib.sha256(pdf.content).hexdigest()
    assert digest == decision["sha256"]
    verified = ok(anonymous().get("/api/v1/documents/verify/", {"sha256": digest, "number": decision["number"]}))
    assert verified["status"] == "genuine" and verified["document"]["number"] == decision["number"]

    # Nobody of another county sees any of it.
    other = sign_in("bf_sh")
    assert_error(other.get(f"/api/v1/processes/{case_id}/"), 404, "not_found")
    assert_error(other.get(f"/api/v1/documents/{decision['id']}/"), 404, "not_found")
