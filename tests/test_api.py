"""REST API, endpoint by endpoint (issue 5): the happy path, a permission refusal, invalid input
and a conflict or rule refusal where the endpoint has one. Errors are JSON with ``code`` and
``message``; objects of units the caller holds no role on are 404 (no leak)."""

import datetime
import hashlib

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from awards.models import AwardQuota
from permissions.models import Grant
from permissions.roles import Role
from tests.merit_helpers import QT_CLEAN, REVIEW, cadre, nomination, person, unit
from tests.test_api_helpers import (
    AFTER_NOTICE,
    APPROVAL_DAY,
    PASSWORD,
    PUBLISH_DAY,
    anonymous,
    assert_error,
    case_of,
    clean_cadre,
    client_for,
    complete,
    integrity,
    nominate,
    ok,
    publish,
    start,
    task_id,
    to_publish,
    unit_decides,
    world,  # noqa: F401  (the fixture)
)
from workflows import clock, services
from workflows.models import HistoryAction, HistoryEvent, HumanTask, Notification, ProcessInstance

pytestmark = pytest.mark.django_db


def rates(**changes):
    """Settings with other throttle rates (the throttles read them per request)."""
    return override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **changes},
        }
    )


# --------------------------------------------------------------------------- auth


def test_token_for_username_and_password_authenticates_later_requests(world):
    client = APIClient()
    body = ok(client.post("/api/v1/auth/token/", {"username": "ls_qt_ld", "password": PASSWORD}, format="json"))
    assert body["user"]["username"] == "ls_qt_ld" and len(body["token"]) == 40
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    ok(client.get("/api/v1/tasks/"))
    # the same token again for the same user
    assert ok(APIClient().post("/api/v1/auth/token/", {"username": "ls_qt_ld", "password": PASSWORD}))["token"] == body["token"]


def test_token_refuses_a_wrong_password_and_missing_fields(world):
    refused = assert_error(
        anonymous().post("/api/v1/auth/token/", {"username": "ls_qt_ld", "password": "guess"}, format="json"), 401, "authentication_failed"
    )
    assert refused["message"] == "用户名或密码不正确"
    invalid = assert_error(anonymous().post("/api/v1/auth/token/", {"username": "ls_qt_ld"}, format="json"), 400, "validation_error")
    assert list(invalid["errors"]) == ["password"]


def test_token_endpoint_is_throttled_per_address_and_per_user_name(world):
    with rates(auth_token="3/min", auth_token_username="6/min"):
        client = anonymous()
        for _ in range(3):
            assert_error(client.post("/api/v1/auth/token/", {"username": "ls_qt_ld", "password": "x"}), 401, "authentication_failed")
        throttled = client.post("/api/v1/auth/token/", {"username": "ls_qt_ld", "password": PASSWORD})
        assert_error(throttled, 429, "throttled")
        assert int(throttled["Retry-After"]) > 0
        # Other addresses, same account: the per-account limit (6 attempts in all, the refused one
        # included) still applies.
        for address in ("10.0.0.2", "10.0.0.3"):
            assert_error(
                anonymous().post("/api/v1/auth/token/", {"username": "ls_qt_ld", "password": "x"}, REMOTE_ADDR=address),
                401,
                "authentication_failed",
            )
        assert_error(
            anonymous().post("/api/v1/auth/token/", {"username": "LS_QT_LD", "password": PASSWORD}, REMOTE_ADDR="10.0.0.4"),
            429,
            "throttled",
        )
        # Another account from a fresh address is not affected.
        ok(anonymous().post("/api/v1/auth/token/", {"username": "ls_sh", "password": PASSWORD}, REMOTE_ADDR="10.0.0.5"))


def test_requests_without_valid_credentials_get_401(world):
    response = anonymous().get("/api/v1/tasks/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert_error(bad.get("/api/v1/processes/"), 401, "authentication_failed")


def test_session_authentication_for_the_pages_own_use_needs_csrf_for_writes(world):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="ls_qt_jbr", password=PASSWORD)
    ok(client.get("/api/v1/process-types/"))
    refused = start(client, **nomination())
    assert_error(refused, 403, "permission_denied")
    assert "CSRF" in refused.json()["message"]


def test_revoking_the_token(world):
    client = client_for("ls_qt_jbr")
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert_error(client.get("/api/v1/tasks/"), 401, "authentication_failed")


# --------------------------------------------------------------------------- process types


def test_process_types_are_those_the_caller_may_start(world):
    body = ok(client_for("ls_qt_jbr").get("/api/v1/process-types/"))
    merit = next(t for t in body["results"] if t["key"] == "merit_citation")
    assert merit["version"] == 1 and merit["start_role"] == "nominator"
    assert merit["start_units"] == [
        {"id": unit("HA-PDS-LS-QT").pk, "name": "鲁山县琴台街道", "code": "HA-PDS-LS-QT", "include_subordinates": False}
    ]
    kind = merit["start_form"]["properties"]["award_kind"]
    # DOMAIN.md §1.1: 授予称号 is nominable too (issue 12).
    assert kind["enum"] == ["commendation", "merit_3", "merit_2", "merit_1", "title"] and kind["x-enum-labels"]["merit_3"] == "记三等功"
    assert merit["start_form"]["properties"]["deeds"]["maxLength"] == 2000
    # An approver starts nothing.
    assert ok(client_for("ls_sp").get("/api/v1/process-types/"))["count"] == 0
    assert_error(anonymous().get("/api/v1/process-types/"), 401, "not_authenticated")


# --------------------------------------------------------------------------- start a case


def test_start_with_the_start_form_submits_the_nomination(world):
    response = start(client_for("ls_qt_jbr"), **nomination())
    case = ok(response, 201)
    assert response["Location"] == f"/api/v1/processes/{case['id']}/"
    assert case["status"] == "running" and case["subject_cadre"]["id"] == clean_cadre().pk
    assert case["nominating_unit"]["code"] == "HA-PDS-LS-QT"
    assert [s["bpmn_id"] for s in case["current_steps"]] == ["Task_unit_decision"]
    assert [(e["action"], e["step"]) for e in case["history"]] == [("start", ""), ("complete", "Task_nominate")]


def test_start_without_form_fields_leaves_a_draft_and_submit_false_prefills_it(world):
    client = client_for("ls_qt_jbr")
    draft = ok(start(client), 201)
    assert [s["bpmn_id"] for s in draft["current_steps"]] == ["Task_nominate"]
    prefilled = ok(start(client, clean_cadre(1).pk, submit=False, award_kind="merit_3", deeds="草稿"), 201)
    task = ok(client.get(f"/api/v1/tasks/{task_id(prefilled, 'Task_nominate')}/"))
    assert task["values"]["award_kind"] == "merit_3" and task["values"]["deeds"] == "草稿"
    assert {a["code"] for a in task["actions"]} == {"submit", "cancel"}


def test_start_with_invalid_input_creates_nothing(world):
    client = client_for("ls_qt_jbr")
    before = ProcessInstance.objects.count()
    missing = assert_error(start(client, **{**nomination(), "deeds": "太短"}), 400, "validation_error")
    assert "deeds" in missing["errors"]
    typed = assert_error(start(client, **{**nomination(), "period_from": 20260701, "award_kind": ["x"]}), 400, "validation_error")
    assert set(typed["errors"]) == {"period_from", "award_kind"}
    unknown = assert_error(start(client, **{**nomination(), "bonus": 5000}), 400, "validation_error")
    assert unknown["errors"] == {"bonus": ["此环节没有该字段"]}
    reserved = assert_error(start(client, submit=False, business_key="X"), 400, "validation_error")
    assert "business_key" in reserved["errors"]
    assert "process_type" in assert_error(start(client, process_type="no_such_process"), 400, "validation_error")["errors"]
    assert "cadre" in assert_error(start(client, cadre_id=10**12), 400, "validation_error")["errors"]
    assert "non_field_errors" in assert_error(client.post("/api/v1/processes/", [1, 2], format="json"), 400, "validation_error")["errors"]
    assert ProcessInstance.objects.count() == before


def test_start_permission_refusals_and_other_units_cadres(world):
    # A cadre of another county is not the caller's to see: a field error, not a hint that it exists.
    other_county = unit("HA-PDS-BF-TL").cadres.first()
    assert "cadre" in assert_error(start(client_for("ls_qt_jbr"), other_county.pk, **nomination()), 400, "validation_error")["errors"]
    # With a role on the township the county reviewer sees its cadres, but holds no nominator role there.
    reviewer = client_for("ls_sh")
    Grant.objects.create(user=person("ls_sh"), unit=unit("HA-PDS-LS-QT"), role=Role.DISCIPLINE)
    assert_error(start(reviewer, **nomination()), 403, "permission_denied")
    # An explicit unit where the caller holds no start role: the service refuses.
    assert_error(start(client_for("ls_qt_jbr"), unit=unit("HA-PDS-LS").pk, **nomination()), 403, "permission_denied")


def test_start_for_a_cadre_outside_the_nominating_unit_is_a_rule_refusal(world):
    # ls_qt_jbr also leads 张官营镇 (so sees its cadres) but nominates only for 琴台街道.
    Grant.objects.create(user=person("ls_qt_jbr"), unit=unit("HA-PDS-LS-ZGY"), role=Role.UNIT_LEADER)
    stranger = unit("HA-PDS-LS-ZGY").cadres.first()
    refused = assert_error(start(client_for("ls_qt_jbr"), stranger.pk, **nomination()), 422, "rule_refused")
    assert refused["reasons"] == ["只能为本单位的干部发起"]
    explicit = assert_error(start(client_for("ls_qt_jbr"), stranger.pk, unit=unit("HA-PDS-LS-QT").pk, **nomination()), 422, "rule_refused")
    assert explicit["reasons"] == ["只能为本单位的干部发起"]


def test_starting_about_oneself_is_refused_and_rolled_back(world):
    """DOMAIN.md §9: nobody acts on a task about themselves — the nomination is not submitted,
    and the half-started case does not stay behind."""
    before = ProcessInstance.objects.count()
    me = person("ls_qt_jbr").cadre
    refused = assert_error(start(client_for("ls_qt_jbr"), me.pk, **nomination()), 403, "permission_denied")
    assert "本人" in refused["message"]
    assert ProcessInstance.objects.count() == before


PLAN_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Definitions_plan"
                  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="Collaboration_plan">
    <bpmn:participant id="Participant_plan" processRef="test_api_plan" />
  </bpmn:collaboration>
  <bpmn:process id="test_api_plan" name="测试：计划发起" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_reviewer" name="reviewer">
        <bpmn:flowNodeRef>StartEvent_plan</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_do</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>End_done</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_plan" name="制定计划"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_do" name="执行"><bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="End_done" name="办结"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_plan" targetRef="Task_do" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_do" targetRef="End_done" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def plan_process(world, tmp_path):
    """A process whose start event has a form (like a secondment round's plan): no subject cadre."""
    from django import forms

    from workflows import forms as task_forms
    from workflows import process_types
    from workflows.deploy import deploy_files

    class PlanForm(task_forms.TaskForm):
        title = forms.CharField(max_length=50)
        places = forms.IntegerField(min_value=1, max_value=9)

        def start_data(self):
            return {"plan_title": self.cleaned_data["title"], "places": self.cleaned_data["places"]}

    process_types.register(
        process_types.ProcessType(
            process_id="test_api_plan", key_prefix="TAP", forms={"StartEvent_plan": PlanForm}, generic_steps=frozenset({"Task_do"})
        )
    )
    path = tmp_path / "plan.bpmn"
    path.write_text(PLAN_BPMN, encoding="utf-8")
    deploy_files([path])
    yield
    process_types.unregister("test_api_plan")


def test_start_a_process_whose_start_event_has_a_form(plan_process):
    reviewer = client_for("ls_sh")  # reviewer of the county and of its organisation department
    listed = {t["key"]: t for t in ok(reviewer.get("/api/v1/process-types/"))["results"]}
    plan = listed["test_api_plan"]
    assert plan["requires_cadre"] is False and plan["start_step"] == {"bpmn_id": "StartEvent_plan", "name": "制定计划"}
    assert plan["start_form"]["properties"]["places"] == {"type": "integer", "title": "places", "minimum": 1, "maximum": 9}
    body = {"process_type": "test_api_plan", "title": "2026年度计划", "places": 3}
    assert "unit" in assert_error(reviewer.post("/api/v1/processes/", body, format="json"), 400, "validation_error")["errors"]
    zzb = unit("HA-PDS-LS-ZZB").pk
    assert (
        "cadre"
        in assert_error(
            reviewer.post("/api/v1/processes/", {**body, "unit": zzb, "cadre": clean_cadre().pk}, format="json"), 400, "validation_error"
        )["errors"]
    )
    invalid = assert_error(reviewer.post("/api/v1/processes/", {**body, "unit": zzb, "places": 10}, format="json"), 400, "validation_error")
    assert list(invalid["errors"]) == ["places"]
    assert_error(client_for("ls_gs").post("/api/v1/processes/", {**body, "unit": zzb}, format="json"), 403, "permission_denied")
    case = ok(reviewer.post("/api/v1/processes/", {**body, "unit": zzb}, format="json"), 201)
    assert case["subject_cadre"] is None and [s["bpmn_id"] for s in case["current_steps"]] == ["Task_do"]
    assert case["history"][0]["action"] == "start"


# --------------------------------------------------------------------------- list and read cases


def test_case_list_filters_orders_and_pages(world):
    client = client_for("ls_qt_jbr")
    first = nominate()
    second = nominate(cadre_id=clean_cadre(1).pk)
    third = ok(start(client, clean_cadre(2).pk), 201)  # a draft
    listed = ok(client.get("/api/v1/processes/"))
    assert [c["id"] for c in listed["results"]] == [third["id"], second["id"], first["id"]]  # newest first
    page = ok(client.get("/api/v1/processes/", {"limit": 2, "offset": 1}))
    assert page["count"] == 3 and [c["id"] for c in page["results"]] == [second["id"], first["id"]]
    assert ok(client.get("/api/v1/processes/", {"limit": 2, "offset": 10}))["results"] == []
    assert [c["id"] for c in ok(client.get("/api/v1/processes/", {"cadre": clean_cadre(1).pk}))["results"]] == [second["id"]]
    assert (
        ok(client.get("/api/v1/processes/", {"process_type": "merit_citation", "status": "running", "started_by_me": "true"}))["count"] == 3
    )
    assert ok(client.get("/api/v1/processes/", {"q": first["business_key"]}))["results"][0]["id"] == first["id"]
    assert ok(client.get("/api/v1/processes/", {"ordering": "created_at"}))["results"][0]["id"] == first["id"]
    assert ok(client_for("ls_qt_ld").get("/api/v1/processes/", {"started_by_me": "true"}))["count"] == 0
    # Another county's officials see none of them.
    assert ok(client_for("bf_sh").get("/api/v1/processes/"))["count"] == 0
    bad = assert_error(client.get("/api/v1/processes/", {"status": "bogus", "unit": "x"}), 400, "validation_error")
    assert set(bad["errors"]) == {"status", "unit"}


def test_case_detail_shows_steps_history_and_is_404_for_other_units(world):
    case = unit_decides(nominate())
    detail = case_of(client_for("ls_qt_jbr"), case)
    step = detail["current_steps"][0]
    assert step["bpmn_id"] == "Task_integrity" and step["can_act"] is False and "纪检监察" in step["refusal"]
    assert [e["opinion"] for e in detail["history"] if e["step"] == "Task_unit_decision"] == ["经集体研究，同意推荐"]
    assert detail["history"][-1]["decision"] == "approve"
    assert case_of(client_for("ls_jw"), case)["current_steps"][0]["can_act"] is True
    assert_error(client_for("bf_jw").get(f"/api/v1/processes/{case['id']}/"), 404, "not_found")
    assert_error(client_for("ls_qt_jbr").get("/api/v1/processes/999999/"), 404, "not_found")


def test_ineligible_case_returns_to_the_nominator_with_the_reasons(world):
    """DOMAIN.md §1.4: a cadre under a sanction's effect period is sent back with the reason."""
    from records.models import Sanction

    Sanction.objects.create(cadre=clean_cadre(), kind="warning", decision_date=datetime.date(2026, 5, 1), description="测试")
    case = unit_decides(nominate())
    step = case["current_steps"][0]
    assert step["bpmn_id"] == "Task_nominate"
    assert any("警告" in reason for reason in step["notes"]["eligibility_failures"])
    task = ok(client_for("ls_qt_jbr").get(f"/api/v1/tasks/{step['id']}/"))
    assert task["notes"]["eligibility_failures"] == step["notes"]["eligibility_failures"]


# --------------------------------------------------------------------------- withdraw, remind, terminate


def test_withdraw_by_the_starter(world):
    case = nominate()
    url = f"/api/v1/processes/{case['id']}/withdraw/"
    assert_error(client_for("ls_qt_ld").post(url, {}, format="json"), 403, "permission_denied")
    assert_error(client_for("bf_tl_jbr").post(url, {}, format="json"), 404, "not_found")
    assert (
        "opinion"
        in assert_error(client_for("ls_qt_jbr").post(url, {"opinion": "x" * 2001}, format="json"), 400, "validation_error")["errors"]
    )
    withdrawn = ok(client_for("ls_qt_jbr").post(url, {"opinion": "补充附件"}, format="json"))
    assert [s["bpmn_id"] for s in withdrawn["current_steps"]] == ["Task_nominate"]
    assert withdrawn["history"][-1]["action"] == "withdraw"
    # The leader's old task is gone: acting on it now is a conflict, not a 404.
    assert_error(
        complete(client_for("ls_qt_ld"), task_id(case, "Task_unit_decision"), meeting_date="2026-09-01", attendees="x"), 409, "conflict"
    )


def test_withdraw_after_the_next_step_acted_is_a_rule_refusal(world):
    case = unit_decides(nominate())
    refused = assert_error(
        client_for("ls_qt_jbr").post(f"/api/v1/processes/{case['id']}/withdraw/", {}, format="json"), 422, "rule_refused"
    )
    assert refused["reasons"] == ["下一环节已经办理，不能撤回"]


def test_remind_notifies_whoever_holds_the_open_step(world):
    case = nominate()
    url = f"/api/v1/processes/{case['id']}/remind/"
    ok(client_for("ls_qt_jbr").post(url, {"text": "请本周内研究"}, format="json"))
    assert Notification.objects.filter(user=person("ls_qt_ld"), text__contains="催办").exists()
    assert_error(client_for("ls_qt_ld").post(url, {}, format="json"), 403, "permission_denied")
    assert_error(client_for("bf_sh").post(url, {}, format="json"), 404, "not_found")
    assert "text" in assert_error(client_for("ls_qt_jbr").post(url, {"text": ["x"]}, format="json"), 400, "validation_error")["errors"]
    # A cancelled nomination has no open step to remind.
    draft = ok(start(client_for("ls_qt_jbr"), clean_cadre(1).pk), 201)
    ok(complete(client_for("ls_qt_jbr"), task_id(draft, "Task_nominate"), action="cancel", opinion="不再推荐"))
    assert_error(client_for("ls_qt_jbr").post(f"/api/v1/processes/{draft['id']}/remind/", {}, format="json"), 422, "rule_refused")


def test_terminate_by_an_administrator(world):
    case = nominate()
    url = f"/api/v1/processes/{case['id']}/terminate/"
    assert_error(client_for("ls_qt_jbr").post(url, {"reason": "x"}, format="json"), 403, "permission_denied")
    assert "reason" in assert_error(client_for("admin").post(url, {}, format="json"), 400, "validation_error")["errors"]
    assert ok(client_for("admin").post(url, {"reason": "重复推荐"}, format="json"))["status"] == "terminated"
    assert_error(client_for("admin").post(url, {"reason": "再次"}, format="json"), 422, "rule_refused")


# --------------------------------------------------------------------------- tasks


def test_inbox_lists_only_the_callers_tasks_with_filters(world):
    first = nominate()
    second = nominate(cadre_id=clean_cadre(1).pk)
    leader = client_for("ls_qt_ld")
    inbox = ok(leader.get("/api/v1/tasks/"))
    assert [t["case"]["id"] for t in inbox["results"]] == [first["id"], second["id"]]  # oldest first
    assert {t["bpmn_id"] for t in inbox["results"]} == {"Task_unit_decision"}
    assert ok(leader.get("/api/v1/tasks/", {"ordering": "-created_at"}))["results"][0]["case"]["id"] == second["id"]
    assert ok(leader.get("/api/v1/tasks/", {"q": second["business_key"]}))["count"] == 1
    assert ok(leader.get("/api/v1/tasks/", {"step": "Task_review"}))["count"] == 0
    assert ok(leader.get("/api/v1/tasks/", {"overdue": "true"}))["count"] == 0
    assert (
        ok(
            leader.get(
                "/api/v1/tasks/",
                {"claimed": "unclaimed", "role": "unit_leader", "process_type": "merit_citation", "unit": unit("HA-PDS-LS-QT").pk},
            )
        )["count"]
        == 2
    )
    assert ok(client_for("ls_qt_jbr").get("/api/v1/tasks/"))["count"] == 0  # the nominator is not the leader
    assert ok(client_for("bf_tl_ld").get("/api/v1/tasks/"))["count"] == 0
    assert set(
        assert_error(leader.get("/api/v1/tasks/", {"role": "king", "claimed": "x", "ordering": "name"}), 400, "validation_error")["errors"]
    ) == {"role", "claimed", "ordering"}


def test_task_detail_gives_the_form_schema_and_actions(world):
    case = nominate()
    task = ok(client_for("ls_qt_ld").get(f"/api/v1/tasks/{task_id(case, 'Task_unit_decision')}/"))
    assert task["case"]["business_key"] == case["business_key"] and task["can_act"] is True
    props = task["form"]["properties"]
    assert props["meeting_date"] == {"type": "string", "title": "会议日期", "format": "date"}
    assert props["attendees"]["maxLength"] == 500 and set(task["form"]["required"]) == {"meeting_date", "attendees"}
    assert [(a["code"], a["kind"], a["opinion_required"], a["primary"]) for a in task["actions"]] == [
        ("approve", "complete", False, True),
        ("return", "return", True, False),
    ]
    assert task["return_targets"] == ["Task_nominate"] and task["complete_via"] is None
    # The nominator sees the task of their case but may not act on it, and is told why.
    seen = ok(client_for("ls_qt_jbr").get(f"/api/v1/tasks/{task['id']}/"))
    assert seen["can_act"] is False and "单位党组织" in seen["refusal"]
    assert_error(client_for("bf_tl_ld").get(f"/api/v1/tasks/{task['id']}/"), 404, "not_found")
    assert_error(client_for("ls_qt_ld").get("/api/v1/tasks/99999999999999999999/"), 404, "not_found")


def test_draft_keeps_what_was_typed_without_completing(world):
    draft = ok(start(client_for("ls_qt_jbr")), 201)
    task = task_id(draft, "Task_nominate")
    deeds = "在2026年汛期防汛抢险中连续奋战七昼夜（初稿，待补充单位证明）"
    saved = ok(
        client_for("ls_qt_jbr").post(
            f"/api/v1/tasks/{task}/draft/", {"award_kind": "merit_3", "deeds": deeds, "opinion": "待补充"}, format="json"
        )
    )
    assert saved["id"] == task and saved["values"] == {"award_kind": "merit_3", "deeds": deeds, "opinion": "待补充"}
    assert case_of(client_for("ls_qt_jbr"), draft)["history"][-1]["action"] == "draft"
    assert (
        "award_kind"
        in assert_error(
            client_for("ls_qt_jbr").post(f"/api/v1/tasks/{task}/draft/", {"award_kind": "x"}, format="json"), 400, "validation_error"
        )["errors"]
    )
    assert_error(client_for("ls_qt_ld").post(f"/api/v1/tasks/{task}/draft/", {}, format="json"), 403, "permission_denied")
    assert_error(client_for("bf_tl_jbr").post(f"/api/v1/tasks/{task}/draft/", {}, format="json"), 404, "not_found")
    ok(complete(client_for("ls_qt_jbr"), task, **nomination()))
    assert_error(client_for("ls_qt_jbr").post(f"/api/v1/tasks/{task}/draft/", {}, format="json"), 409, "conflict")


def test_complete_happy_path_and_return(world):
    case = nominate()
    leader = client_for("ls_qt_ld")
    returned = ok(
        complete(
            leader,
            task_id(case, "Task_unit_decision"),
            action="return",
            opinion="请补充事迹材料",
            meeting_date="2026-09-01",
            attendees="党工委班子成员7人",
        )
    )
    step = returned["current_steps"][0]
    assert step["bpmn_id"] == "Task_nominate" and step["notes"]["return_reason"] == "请补充事迹材料"
    task = ok(client_for("ls_qt_jbr").get(f"/api/v1/tasks/{step['id']}/"))
    assert task["values"]["award_kind"] == "commendation" and task["values"]["deeds"].startswith("在2026年汛期")
    resubmitted = ok(complete(client_for("ls_qt_jbr"), step["id"], **nomination(deed_reference="补充后")))
    assert [s["bpmn_id"] for s in resubmitted["current_steps"]] == ["Task_unit_decision"]


def test_complete_refuses_invalid_input_with_field_errors(world):
    case = nominate()
    leader, task = client_for("ls_qt_ld"), task_id(case, "Task_unit_decision")
    missing = assert_error(complete(leader, task, action="approve"), 400, "validation_error")
    assert set(missing["errors"]) == {"meeting_date", "attendees"}
    future = assert_error(complete(leader, task, meeting_date="2030-01-01", attendees="x"), 400, "validation_error")
    assert future["errors"] == {"meeting_date": ["会议日期不能晚于今天"]}
    typed = assert_error(complete(leader, task, meeting_date={"y": 2026}, attendees=7), 400, "validation_error")
    assert set(typed["errors"]) == {"meeting_date", "attendees"}
    not_offered = assert_error(complete(leader, task, meeting_date="2026-09-01", attendees="x", action="reject"), 400, "validation_error")
    assert not_offered["errors"] == {"action": ["请选择一个有效的操作：approve、return"]}
    unknown = assert_error(complete(leader, task, meeting_date="2026-09-01", attendees="x", eligible=True), 400, "validation_error")
    assert unknown["errors"] == {"eligible": ["此环节没有该字段"]}
    no_reason = assert_error(complete(leader, task, action="return", meeting_date="2026-09-01"), 400, "validation_error")
    assert list(no_reason["errors"]) == ["opinion"]  # 退回 needs only the reason
    huge = assert_error(
        complete(
            client_for("ls_qt_jbr"),
            task_id(ok(start(client_for("ls_qt_jbr"), clean_cadre(1).pk), 201), "Task_nominate"),
            **nomination(attachments=[2**70]),
        ),
        400,
        "validation_error",
    )
    assert "attachments" in huge["errors"]
    assert HumanTask.objects.filter(pk=task).exists()  # nothing changed


def test_complete_permission_refusal_and_other_units(world):
    case = nominate()
    task = task_id(case, "Task_unit_decision")
    body = {"meeting_date": "2026-09-01", "attendees": "x"}
    refused = assert_error(complete(client_for("ls_qt_jbr"), task, **body), 403, "permission_denied")
    assert "单位党组织" in refused["message"]
    assert_error(complete(client_for("bf_tl_ld"), task, **body), 404, "not_found")
    assert_error(complete(client_for("ls_qt_ld"), 10**15, **body), 404, "not_found")


def test_a_retried_complete_never_completes_two_steps(world):
    case = nominate()
    leader, task = client_for("ls_qt_ld"), task_id(case, "Task_unit_decision")
    body = {"action": "approve", "meeting_date": "2026-09-01", "attendees": "班子成员7人"}
    ok(complete(leader, task, **body))
    again = assert_error(complete(leader, task, **body), 409, "conflict")
    assert "已被他人处理" in again["message"]
    done = HistoryEvent.objects.filter(instance_id=case["id"], action=HistoryAction.COMPLETE, task_bpmn_id="Task_unit_decision")
    assert done.count() == 1
    # To someone who cannot see the case, the closed task is simply not there.
    assert_error(complete(client_for("bf_tl_ld"), task, **body), 404, "not_found")


def test_quota_refusal_is_422_with_the_reason(world):
    """A rule that concerns no single field (the unit's annual quota) is a rule refusal."""
    AwardQuota.objects.create(unit=unit("HA-PDS-LS-QT"), year=2026, limit=0)
    case = integrity(unit_decides(nominate()))
    refused = assert_error(complete(client_for("ls_sh"), task_id(case, "Task_review"), action="approve", **REVIEW), 422, "rule_refused")
    assert "名额" in refused["reasons"][0]


def test_the_publish_step_is_completed_through_the_notice_endpoint(world):
    case = to_publish()
    refused = assert_error(
        complete(client_for("ls_gs"), task_id(case, "Task_publish"), notice_id=1, notice_start="2026-09-29", notice_days=5),
        422,
        "rule_refused",
    )
    assert "/api/v1/notices/" in refused["message"]


def test_claim_and_release(world):
    Grant.objects.create(user=person("ls_zgy_ld"), unit=unit("HA-PDS-LS-QT"), role=Role.UNIT_LEADER)
    case = nominate()
    task = task_id(case, "Task_unit_decision")
    claimed = ok(client_for("ls_qt_ld").post(f"/api/v1/tasks/{task}/claim/"))
    assert claimed["claimed_by"]["username"] == "ls_qt_ld"
    ok(client_for("ls_qt_ld").post(f"/api/v1/tasks/{task}/claim/"))  # claiming again changes nothing
    # The other leader may no longer act on it, nor release it, and it left their inbox.
    other = client_for("ls_zgy_ld")
    assert ok(other.get("/api/v1/tasks/"))["count"] == 0
    assert_error(other.post(f"/api/v1/tasks/{task}/claim/"), 403, "permission_denied")
    assert_error(other.post(f"/api/v1/tasks/{task}/release/"), 403, "permission_denied")
    assert_error(complete(other, task, meeting_date="2026-09-01", attendees="x"), 403, "permission_denied")
    assert ok(client_for("ls_qt_ld").get("/api/v1/tasks/", {"claimed": "mine"}))["count"] == 1
    released = ok(client_for("ls_qt_ld").post(f"/api/v1/tasks/{task}/release/"))
    assert released["claimed_by"] is None
    assert_error(client_for("bf_tl_ld").post(f"/api/v1/tasks/{task}/claim/"), 404, "not_found")
    ok(complete(other, task, meeting_date="2026-09-01", attendees="x"))
    assert_error(client_for("ls_qt_ld").post(f"/api/v1/tasks/{task}/claim/"), 409, "conflict")
    assert_error(client_for("ls_qt_ld").post(f"/api/v1/tasks/{task}/release/"), 409, "conflict")


# --------------------------------------------------------------------------- notices and objections


def test_publish_a_notice(world):
    first, second = to_publish(), to_publish(cadre_id=clean_cadre(1).pk)
    notice = ok(publish(first, second, working_days=6, title="关于拟给予嘉奖人员的公示"), 201)
    assert notice["working_days"] == 6 and notice["issuer"]["code"] == "HA-PDS-LS-ZZB"
    assert {c["id"] for c in notice["cases"]} == {first["id"], second["id"]}
    assert notice["document"]["kind"] == "notice" and len(notice["document"]["sha256"]) == 64
    assert ok(client_for("ls_qt_jbr").get(f"/api/v1/notices/{notice['id']}/"))["id"] == notice["id"]
    assert_error(client_for("bf_gs").get(f"/api/v1/notices/{notice['id']}/"), 404, "not_found")
    assert case_of(client_for("ls_qt_jbr"), first)["status"] == "waiting"


def test_publish_refusals_invalid_input_and_conflict(world):
    case = to_publish()
    # The county reviewer sees the case but is not its notice desk.
    assert_error(publish(case, client=client_for("ls_sh")), 403, "permission_denied")
    # Another county's notice desk does not even see the task.
    assert "tasks" in assert_error(publish(case, client=client_for("bf_gs")), 400, "validation_error")["errors"]
    assert "contact" in assert_error(publish(case, contact=""), 400, "validation_error")["errors"]
    assert (
        "tasks"
        in assert_error(
            client_for("ls_gs").post("/api/v1/notices/", {"tasks": [], "contact": "x"}, format="json"), 400, "validation_error"
        )["errors"]
    )
    short = assert_error(publish(case, working_days=3), 422, "rule_refused")
    assert "5" in short["reasons"][0]
    ok(publish(case), 201)
    assert_error(publish(case), 409, "conflict")  # the same request again


def test_objections_during_the_notice(world):
    case = to_publish()
    url = f"/api/v1/processes/{case['id']}/objections/"
    outside = assert_error(client_for("ls_gs").post(url, {"content": "反映问题"}, format="json"), 422, "rule_refused")
    assert "公示期" in outside["reasons"][0]
    ok(publish(case), 201)
    with clock.frozen_at(PUBLISH_DAY):
        objection = ok(client_for("ls_gs").post(url, {"content": "反映其虚报人数", "contact": "匿名"}, format="json"), 201)
        assert objection["outcome"] == "pending" and objection["case"]["id"] == case["id"]
        assert_error(client_for("ls_qt_jbr").post(url, {"content": "x"}, format="json"), 403, "permission_denied")
        assert_error(client_for("bf_gs").post(url, {"content": "x"}, format="json"), 404, "not_found")
        invalid = assert_error(
            client_for("ls_gs").post(url, {"content": "", "received_on": "2030-01-01"}, format="json"), 400, "validation_error"
        )
        assert set(invalid["errors"]) == {"content", "received_on"}
    assert [s["bpmn_id"] for s in case_of(client_for("ls_sh"), case)["current_steps"]] == ["Task_verify"]


# --------------------------------------------------------------------------- attachments

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(client, case, content=PDF, name="deeds.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/api/v1/processes/{case['id']}/attachments/",
        {"file": SimpleUploadedFile(name, content), "step": "Task_nominate"},
        format="multipart",
    )


def test_attachments_upload_and_download(world):
    client = client_for("ls_qt_jbr")
    draft = ok(start(client), 201)
    attachment = ok(upload(client, draft), 201)
    assert attachment["content_type"] == "application/pdf" and attachment["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert [a["id"] for a in case_of(client, draft)["attachments"]] == [attachment["id"]]
    downloaded = client.get(attachment["download_url"])
    assert downloaded.status_code == 200 and downloaded.content == PDF
    # The nomination may refer to it.
    submitted = ok(complete(client, task_id(draft, "Task_nominate"), **nomination(attachments=[attachment["id"]])))
    assert submitted["current_steps"][0]["bpmn_id"] == "Task_unit_decision"
    assert_error(client_for("bf_tl_jbr").get(attachment["download_url"]), 404, "not_found")


def test_attachment_refusals(world):
    client = client_for("ls_qt_jbr")
    case = unit_decides(nominate())
    assert_error(upload(client, case, b"plain text"), 422, "rule_refused")
    assert (
        "file"
        in assert_error(client.post(f"/api/v1/processes/{case['id']}/attachments/", {}, format="multipart"), 400, "validation_error")[
            "errors"
        ]
    )
    # The leader still sees the case but has no open step on it any more.
    assert_error(upload(client_for("ls_qt_ld"), case), 403, "permission_denied")
    assert_error(upload(client_for("bf_tl_jbr"), case), 404, "not_found")


# --------------------------------------------------------------------------- cadres


def test_cadres_within_the_callers_units(world):
    client = client_for("ls_qt_jbr")
    listed = ok(client.get("/api/v1/cadres/"))
    qt = unit("HA-PDS-LS-QT")
    assert listed["count"] == qt.cadres.count() and {c["unit"]["id"] for c in listed["results"]} == {qt.pk}
    assert ok(client.get("/api/v1/cadres/", {"q": QT_CLEAN[1]}))["results"][0]["id"] == cadre(QT_CLEAN[1]).pk
    assert ok(client.get("/api/v1/cadres/", {"unit": unit("HA-PDS-BF-TL").pk}))["count"] == 0
    detail = ok(client.get(f"/api/v1/cadres/{cadre(QT_CLEAN[0]).pk}/"))
    assert detail["id_number"] == QT_CLEAN[0] and detail["assessments"][0]["year"] == 2025
    other = unit("HA-PDS-BF-TL").cadres.first()
    assert_error(client.get(f"/api/v1/cadres/{other.pk}/"), 404, "not_found")
    assert "rank_level" in assert_error(client.get("/api/v1/cadres/", {"rank_level": "emperor"}), 400, "validation_error")["errors"]
    assert_error(anonymous().get("/api/v1/cadres/"), 401, "not_authenticated")


# --------------------------------------------------------------------------- documents


def approved_case():
    case = to_publish()
    ok(publish(case), 201)
    services.fire_due_timers(now=AFTER_NOTICE)
    with clock.frozen_at(APPROVAL_DAY):
        case = case_of(client_for("ls_sp"), case)
        return ok(complete(client_for("ls_sp"), task_id(case, "Task_approve"), action="approve", opinion="同意"))


def test_documents_read_download_and_verify(world):
    case = approved_case()
    documents = {d["kind"]: d for d in case_of(client_for("ls_qt_jbr"), case)["documents"]}
    decision = documents["award_decision"]
    nominator = client_for("ls_qt_jbr")
    assert ok(nominator.get(f"/api/v1/documents/{decision['id']}/"))["number"] == decision["number"]
    pdf = nominator.get(decision["download_url"], HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf["ETag"] == f'"{decision["sha256"]}"'
    # The notice is the county's document: the nominator sees it on the case, may not download it.
    notice = documents["notice"]
    ok(nominator.get(f"/api/v1/documents/{notice['id']}/"))
    assert_error(nominator.get(notice["download_url"], HTTP_ACCEPT="application/pdf"), 403, "permission_denied")
    # Another county: not there at all.
    assert_error(client_for("bf_sh").get(decision["download_url"]), 404, "not_found")
    assert_error(client_for("bf_sh").get(f"/api/v1/documents/{decision['id']}/"), 404, "not_found")

    verify = anonymous()
    assert ok(verify.get("/api/v1/documents/verify/", {"sha256": decision["sha256"]}))["status"] == "genuine"
    wrong_number = ok(verify.get("/api/v1/documents/verify/", {"sha256": decision["sha256"], "number": "鲁组〔2026〕99号"}))
    assert wrong_number == {"status": "not_genuine", "sha256": decision["sha256"], "document": None, "latest_version": None}
    assert ok(verify.get("/api/v1/documents/verify/", {"sha256": "0" * 64}))["status"] == "not_genuine"
    assert "sha256" in assert_error(verify.get("/api/v1/documents/verify/", {"sha256": "xyz"}), 400, "validation_error")["errors"]


def test_verification_is_throttled(world):
    with rates(document_verify="2/min"):
        client = anonymous()
        for _ in range(2):
            ok(client.get("/api/v1/documents/verify/", {"sha256": "0" * 64}))
        assert_error(client.get("/api/v1/documents/verify/", {"sha256": "0" * 64}), 429, "throttled")


# --------------------------------------------------------------------------- notifications


def test_notifications_list_and_mark_read(world):
    nominate()
    leader = client_for("ls_qt_ld")
    notes = ok(leader.get("/api/v1/notifications/", {"unread": "true"}))
    assert notes["count"] == 1 and "待办" in notes["results"][0]["text"] and notes["results"][0]["read_at"] is None
    note = notes["results"][0]
    assert_error(client_for("ls_qt_jbr").post(f"/api/v1/notifications/{note['id']}/read/"), 404, "not_found")
    assert ok(leader.post(f"/api/v1/notifications/{note['id']}/read/"))["read_at"] is not None
    assert ok(leader.get("/api/v1/notifications/", {"unread": "true"}))["count"] == 0
    nominate(cadre_id=clean_cadre(1).pk)
    assert ok(leader.post("/api/v1/notifications/read-all/")) == {"marked": 1}
    assert "unread" in assert_error(leader.get("/api/v1/notifications/", {"unread": "maybe"}), 400, "validation_error")["errors"]
    assert_error(anonymous().get("/api/v1/notifications/"), 401, "not_authenticated")


# --------------------------------------------------------------------------- annual candidates


def test_annual_candidates_listed_and_started_in_one_batch(world):
    """DOMAIN.md §1.5: one year 优秀 → 嘉奖; three consecutive years 优秀 → 记三等功."""
    for id_number in QT_CLEAN[:2]:  # two more 优秀 in 2025 beside the nominator himself
        cadre(id_number).assessments.filter(year=2025).update(grade="excellent")
    client, qt, me = client_for("ls_qt_jbr"), unit("HA-PDS-LS-QT").pk, person("ls_qt_jbr").cadre.pk
    listed = ok(client.get("/api/v1/award-candidates/", {"unit": qt, "year": 2025}))
    kinds = {c["cadre"]["id"]: c["award_kind"] for c in listed["results"]}
    assert kinds[me] == "merit_3"  # 优秀 2023–2025 in the demo data
    assert kinds[cadre(QT_CLEAN[0]).pk] == "commendation"
    others = [pk for pk in kinds if pk != me]
    # Not for himself (DOMAIN.md §9): the whole batch is refused and changes nothing.
    assert_error(
        client.post("/api/v1/award-candidates/start/", {"unit": qt, "year": 2025, "cadres": others + [me]}, format="json"),
        403,
        "permission_denied",
    )
    assert not ProcessInstance.objects.exists()
    started = ok(client.post("/api/v1/award-candidates/start/", {"unit": qt, "year": 2025, "cadres": others}, format="json"), 201)
    assert len(started["processes"]) == len(others)
    assert {p["current_steps"][0]["bpmn_id"] for p in started["processes"]} == {"Task_nominate"}
    refused = assert_error(
        client.post("/api/v1/award-candidates/start/", {"unit": qt, "year": 2025, "cadres": [cadre(QT_CLEAN[2]).pk]}, format="json"),
        422,
        "rule_refused",
    )
    assert "候选人" in refused["reasons"][0]
    assert_error(client_for("ls_qt_ld").get("/api/v1/award-candidates/", {"unit": qt, "year": 2025}), 403, "permission_denied")
    assert set(assert_error(client.get("/api/v1/award-candidates/", {"year": 1900}), 400, "validation_error")["errors"]) == {"unit", "year"}


# --------------------------------------------------------------------------- the whole API


def test_errors_are_json_whatever_the_client_accepts(world):
    response = client_for("bf_sh").get("/api/v1/documents/1/download/", HTTP_ACCEPT="application/pdf")
    assert response["Content-Type"] == "application/json"
    assert_error(response, 404, "not_found")
    assert_error(client_for("ls_qt_jbr").put("/api/v1/processes/1/", {}, format="json"), 405, "method_not_allowed")
    assert_error(
        client_for("ls_qt_jbr").generic("POST", "/api/v1/processes/", "{not json", content_type="application/json"), 400, "parse_error"
    )


def test_a_refused_completion_says_404_to_whoever_may_not_see_the_task_and_changes_nothing(world):
    """The task is read once, under the lock, and the request's checks run after the policy: a
    caller who may not see the task still gets a 404 (not 403, not a field error that would tell
    that it exists), one who may see it but not act a 403, one who may act a 400 for an unknown
    field or action; none of them changes the case."""
    case = nominate()
    task = task_id(case, "Task_unit_decision")
    history = HistoryEvent.objects.filter(instance_id=case["id"]).count()
    assert_error(complete(client_for("bf_tl_jbr"), task, bogus="x"), 404, "not_found")
    assert_error(complete(client_for("bf_tl_jbr"), 999999), 404, "not_found")
    assert_error(complete(client_for("ls_qt_jbr"), task, bogus="x"), 403, "permission_denied")
    leader = client_for("ls_qt_ld")
    assert (
        "bogus"
        in assert_error(complete(leader, task, meeting_date="2026-09-01", attendees="x", bogus="x"), 400, "validation_error")["errors"]
    )
    assert (
        "action"
        in assert_error(complete(leader, task, action="nonsense", meeting_date="2026-09-01", attendees="x"), 400, "validation_error")[
            "errors"
        ]
    )
    assert HistoryEvent.objects.filter(instance_id=case["id"]).count() == history
    assert HumanTask.objects.filter(pk=task).exists()  # still open


def test_a_completion_reads_the_persons_facts_once_under_the_lock_and_answers_from_them(world):
    """A completion through the API reads the task and the person's grants and relatives once:
    the service reads them under the case's lock, the request's own checks run there, and the
    answer (the case detail) shows the case through those facts — its visibility query, the step's
    "can act" and the subject's restricted history read none of them again (issue 17 item 1)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = nominate()
    client = client_for("ls_qt_ld")
    with CaptureQueriesContext(connection) as statements:
        answer = ok(
            complete(
                client,
                task_id(case, "Task_unit_decision"),
                action="approve",
                meeting_date="2026-09-01",
                attendees="党工委班子成员7人",
                opinion="经集体研究，同意推荐",
            )
        )
    assert [step["bpmn_id"] for step in answer["current_steps"]] == ["Task_integrity"]
    sent = [q["sql"] for q in statements.captured_queries]
    # The action's transaction: a savepoint inside the test's own (RELEASE), or BEGIN … COMMIT.
    end = next(i for i, sql in enumerate(sent) if sql.startswith(("COMMIT", "RELEASE")))
    facts_reads = [i for i, sql in enumerate(sent) if "permissions_grant" in sql and "UNION ALL" in sql]
    assert len(facts_reads) == 1 and facts_reads[0] < end, "the person's facts were read more than once, or outside the lock"
    task_reads = [sql for sql in sent[: facts_reads[0]] if sql.startswith("SELECT") and 'FROM "workflows_humantask"' in sql]
    assert len(task_reads) == 1, "the task was read more than once (the lock statement) before the policy"
    relatives = [sql for sql in sent[end:] if "records_familymember" in sql]
    assert not relatives, "the answer read the relatives again"
