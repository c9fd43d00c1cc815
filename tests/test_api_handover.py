"""The API of 委托, 转办, 委派, 加签 and 抄送 (issue 15 acceptance: "API tests cover the same
actions"): the same services as the pages, errors on the field that is wrong, nothing changed on
a refusal."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from permissions.models import Delegation
from tests.merit_helpers import load_world, person, task_of
from tests.test_handover import at_review, second_reviewer
from workflows.models import CaseCopy, HistoryAction, HumanTask

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def world():
    load_world()


def api(username):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=person(username))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.json() if response.content else None)
    return response.json()


def inbox(username):
    return {row["id"]: row for row in ok(api(username).get("/api/v1/tasks/"))["results"]}


def test_delegations_through_the_api_and_the_inbox_says_for_whom():
    case = at_review()
    task = task_of(case, "Task_review")
    today = timezone.localdate()
    body = {"delegate": person("ls_gs").pk, "starts_on": today.isoformat(), "ends_on": (today + datetime.timedelta(days=3)).isoformat()}
    bad = api("ls_sh").post("/api/v1/delegations/", {**body, "ends_on": "2000-01-01"}, format="json")
    assert bad.status_code == 400 and "ends_on" in bad.json()["errors"] and not Delegation.objects.exists()
    created = ok(api("ls_sh").post("/api/v1/delegations/", {**body, "process_ids": ["merit_citation"]}, format="json"), 201)
    assert created["delegate"]["username"] == "ls_gs" and created["process_ids"] == ["merit_citation"]

    row = inbox("ls_gs")[task.pk]
    assert row["on_behalf_of"]["username"] == "ls_sh"
    ok(
        api("ls_gs").post(
            f"/api/v1/tasks/{task.pk}/complete/",
            {
                "action": "approve",
                "opinion": "同意",
                "deed_summary": "该同志在2026年汛期防汛抢险中连续奋战七昼夜，组织转移群众三百余人，无一伤亡，表现突出",
            },
            format="json",
        )
    )
    done = case.history.filter(action=HistoryAction.COMPLETE, task_bpmn_id="Task_review").get()
    assert done.actor == person("ls_gs") and done.on_behalf_of == person("ls_sh")
    history = ok(api("ls_gs").get(f"/api/v1/processes/{case.pk}/"))["history"]
    assert [e["on_behalf_of"]["username"] for e in history if e["id"] == done.pk] == ["ls_sh"]
    listed = ok(api("ls_gs").get("/api/v1/delegations/"))["results"]
    assert [d["id"] for d in listed] == [created["id"]]
    assert api("ls_sp").post(f"/api/v1/delegations/{created['id']}/end/").status_code == 404
    ended = ok(api("ls_sh").post(f"/api/v1/delegations/{created['id']}/end/"))
    assert ended["ended_at"] is not None


def test_transfer_through_the_api():
    case = at_review()
    task = task_of(case, "Task_review")
    second_reviewer()
    refused = api("ls_sh").post(f"/api/v1/tasks/{task.pk}/transfer/", {"to": "ls_gs"}, format="json")
    assert refused.status_code == 400 and "不具有" in refused.json()["errors"]["to"][0]
    assert HumanTask.objects.get(pk=task.pk).claimed_by is None
    detail = ok(api("ls_sh").post(f"/api/v1/tasks/{task.pk}/transfer/", {"to": "ls_sh2", "opinion": "出差"}, format="json"))
    assert detail["claimed_by"]["username"] == "ls_sh2"
    assert task.pk in inbox("ls_sh2") and task.pk not in inbox("ls_sh")


def test_delegate_and_return_through_the_api():
    case = at_review()
    task = task_of(case, "Task_review")
    ok(api("ls_sh").post(f"/api/v1/tasks/{task.pk}/delegate/", {"to": "ls_gs", "note": "请核实"}, format="json"))
    assert inbox("ls_gs")[task.pk]["assignment"] == "handle"
    assert inbox("ls_sh")[task.pk]["waiting"] == "已委派"
    refused = api("ls_sh").post(f"/api/v1/tasks/{task.pk}/complete/", {"action": "approve", "opinion": "同意"}, format="json")
    assert refused.status_code == 422
    assert api("ls_gs").post(f"/api/v1/tasks/{task.pk}/delegate-return/", {}, format="json").status_code == 400
    ok(api("ls_gs").post(f"/api/v1/tasks/{task.pk}/delegate-return/", {"opinion": "已核实"}, format="json"))
    assert task.pk not in inbox("ls_gs") and inbox("ls_sh")[task.pk]["waiting"] == ""


def test_countersign_through_the_api():
    case = at_review()
    task = task_of(case, "Task_review")
    bad = api("ls_sh").post(f"/api/v1/tasks/{task.pk}/countersigners/", {"signer": "ls_sp", "position": "sideways"}, format="json")
    assert bad.status_code == 400 and "position" in bad.json()["errors"]
    ok(api("ls_sh").post(f"/api/v1/tasks/{task.pk}/countersigners/", {"signer": "ls_sp", "position": "after"}, format="json"))
    assert task.pk not in inbox("ls_sp")
    review = {
        "action": "approve",
        "opinion": "同意公示",
        "deed_summary": "该同志在2026年汛期防汛抢险中连续奋战七昼夜，组织转移群众三百余人，无一伤亡，表现突出",
    }
    ok(api("ls_sh").post(f"/api/v1/tasks/{task.pk}/complete/", review, format="json"))
    assert HumanTask.objects.get(pk=task.pk).held_completion is not None
    assert inbox("ls_sp")[task.pk]["assignment"] == "countersign"
    no_reason = api("ls_sp").post(f"/api/v1/tasks/{task.pk}/countersign/", {"agree": False}, format="json")
    assert no_reason.status_code == 400 and "opinion" in no_reason.json()["errors"]
    signed = ok(api("ls_sp").post(f"/api/v1/tasks/{task.pk}/countersign/", {"agree": True, "opinion": "同意"}, format="json"))
    assert "Task_publish" in [t["bpmn_id"] for t in signed["current_steps"]]


def test_cc_through_the_api_with_read_receipts():
    case = at_review()
    assert api("pds_sh").get(f"/api/v1/processes/{case.pk}/").status_code == 404
    bad = api("ls_sh").post(f"/api/v1/processes/{case.pk}/copies/", {"recipients": ["nobody"]}, format="json")
    assert bad.status_code == 400 and not CaseCopy.objects.exists()
    sent = ok(api("ls_sh").post(f"/api/v1/processes/{case.pk}/copies/", {"recipients": ["pds_sh"], "note": "供参阅"}, format="json"), 201)
    assert sent[0]["recipient"]["username"] == "pds_sh" and sent[0]["read_at"] is None
    ok(api("pds_sh").get(f"/api/v1/processes/{case.pk}/"))
    receipts = ok(api("ls_sh").get(f"/api/v1/processes/{case.pk}/copies/"))
    assert receipts[0]["read_at"] is not None
    # Read-only: the reader has no task of the case and cannot act on it.
    task = task_of(case, "Task_review")
    assert api("pds_sh").post(f"/api/v1/tasks/{task.pk}/complete/", {"action": "approve"}, format="json").status_code == 403
