"""Talks (谈心谈话) as a process (issue 16 item 3; DOMAIN.md §10 "Talks": seed 004 art. 11 "四必谈",
seed 000 #18): started automatically on a post change (a promotion's appointment, a secondment's
dispatch), after a clarification letter, and on request by the organisation department; the talk
record is confidential to the organisation department."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from notices import desk
from permissions.roles import Role
from records.models import Cadre
from talks import triggers
from talks.models import TalkRecord
from tests import factories
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, refresh, task_of, to_publish, unit
from workflows import clock, services, signals
from workflows.errors import FormInvalid
from workflows.models import HumanTask, InstanceStatus, Notification, ProcessInstance

pytestmark = pytest.mark.django_db
COUNTY_DEPT = "HA-PDS-LS-ZZB"  # 鲁山县委组织部 (reviewer ls_sh)
CITY_DEPT = "HA-PDS-ZZB"  # 平顶山市委组织部 (reviewers pds_sh, pds_sh2)
TALK = {
    "talked_on": "2026-10-12",
    "talkers": "鲁山县委组织部副部长李明、干部监督室主任王芳",
    "place": "鲁山县委组织部谈话室",
    "topics": "新岗位的职责和要求，廉洁自律，工作思路",
    "response": "表示服从组织安排，尽快进入角色",
    "follow_up": "三个月后回访",
    "outcome": "follow_up",
}


@pytest.fixture
def world():
    load_world()


def talks_of(subject):
    return list(TalkRecord.objects.filter(cadre=subject).select_related("instance", "department"))


def only_talk(subject, reason):
    found = [t for t in talks_of(subject) if t.reason == reason]
    assert len(found) == 1, found
    return found[0]


def assert_held_by(talk, department_code):
    case = talk.instance
    assert case.definition.process_id == "talk" and case.business_key.startswith("TH-")
    assert case.nominating_unit == unit(department_code) and case.subject_cadre == talk.cadre
    task = task_of(case, "Task_talk")
    assert task.role == Role.REVIEWER and task.unit == unit(department_code)
    assert set(case.involved_units.values_list("unit__code", flat=True)) == {department_code}


# --- the triggers ------------------------------------------------------------------------------


def test_a_promotion_s_appointment_starts_one_talk_held_by_the_county_organisation_department(world):
    from tests.test_promotion import to_appointment

    subject = cadre(QT_CLEAN[0])
    case = to_appointment(subject)  # the appointment is made by the notice's timer: nobody acts
    assert case.documents.filter(kind="appointment_notice").exists()
    talk = only_talk(subject, "post_change")
    assert_held_by(talk, COUNTY_DEPT)
    assert talk.automatic and talk.source == case and case.business_key in talk.note
    # Nobody acted: started by the department's reviewer who worked on the case (ls_sh), not by the
    # proposing unit's leadership (ls_qt_ld), who never sees it.
    assert talk.instance.started_by == person("ls_sh")
    # A retried trigger starts nothing new.
    signals.cadre_event.send(None, cadre=subject, reason=signals.POST_CHANGE, instance=case, unit=unit("HA-PDS-LS"))
    assert len(talks_of(subject)) == 1


def test_a_secondment_dispatch_starts_one_talk_per_secondee_held_by_the_round_s_department(world):
    from tests.test_secondment_flow import dispatched

    case, people = dispatched()
    sent = set(Cadre.objects.filter(secondments__candidacy__round__instance=case))
    assert sent
    for secondee in sent:
        talk = only_talk(secondee, "post_change")
        assert_held_by(talk, CITY_DEPT)
        assert talk.source == case and talk.instance.started_by == person("pds_sp")  # the approver who approved the round
    assert TalkRecord.objects.filter(source=case).count() == len(sent)


def verify_untrue(case):
    with clock.frozen_at(at("2026-09-30 10:00")):
        objection = desk.record_objection(person("ls_gs"), case.pk, content="反映其在防汛中虚报转移人数", contact="匿名")
        services.complete_task(
            person("ls_sh"),
            task_of(case, "Task_verify").pk,
            data={"objection_id": objection.pk, "verification_outcome": "untrue", "verification_finding": "经核查转移台账，人数属实。"},
        )
    objection.refresh_from_db()
    return objection


def merit_under_notice(subject):
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = to_publish(subject)
    with clock.frozen_at(at("2026-09-29 08:30")):
        desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="鲁山县委组织部")
    return refresh(case)


def test_a_clarification_letter_starts_one_talk_with_the_falsely_accused_cadre(world):
    subject = cadre(QT_CLEAN[1])
    case = merit_under_notice(subject)
    objection = verify_untrue(case)
    assert objection.clarification is not None
    talk = only_talk(subject, "clarification")
    assert_held_by(talk, COUNTY_DEPT)
    assert talk.source == case and talk.instance.started_by == person("ls_sh")  # the verifier
    # A second untrue objection on the same case: the talk already answers it.
    verify_untrue(case)
    assert len(talks_of(subject)) == 1
    # The merit citation went on as before (the talk is a case of its own).
    assert refresh(case).status in (InstanceStatus.RUNNING, InstanceStatus.WAITING)


def test_the_organisation_department_starts_a_talk_on_request_from_the_start_page(world, client):
    subject = cadre(QT_CLEAN[2])
    client.force_login(person("ls_sh"))
    url = reverse("start_process", args=["talk"])
    page = client.get(url)
    assert page.status_code == 200 and subject.name in page.content.decode()
    answer = client.post(
        url, {"unit": unit(COUNTY_DEPT).pk, "once": "t1", "cadre_id": subject.pk, "reason": "request", "note": "本人电话提出"}
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    talk = only_talk(subject, "request")
    assert_held_by(talk, COUNTY_DEPT)
    assert not talk.automatic and talk.note == "本人电话提出" and talk.instance.started_by == person("ls_sh")
    # One running talk per cadre and reason.
    again = client.post(url, {"unit": unit(COUNTY_DEPT).pk, "once": "t2", "cadre_id": subject.pk, "reason": "request"})
    assert again.status_code == 200 and "已有同一事由的在办谈话" in again.content.decode()
    assert len(talks_of(subject)) == 1


def test_only_the_organisation_department_may_start_a_talk(world):
    subject = cadre(QT_CLEAN[2])
    data = {"cadre_id": subject.pk, "reason": "setback"}
    with pytest.raises(services.ActionNotAllowed):
        services.start_process(person("ls_qt_jbr"), "talk", unit=unit(COUNTY_DEPT), data=data)
    with pytest.raises(services.ActionNotAllowed):  # the township's leadership cannot either
        services.start_process(person("ls_qt_ld"), "talk", unit=unit(COUNTY_DEPT), data=data)
    assert not talks_of(subject)


def test_a_cadre_s_own_request_reaches_the_department_s_reviewers(world):
    requester = person("ls_qt_jbr")
    department = triggers.request_talk(requester, note="希望就岗位调整谈谈想法")
    assert department == unit(COUNTY_DEPT)
    notice = Notification.objects.get(user=person("ls_sh"), text__contains="提出谈心谈话要求")
    assert requester.cadre.name in notice.text
    assert not talks_of(requester.cadre)  # the department starts the talk; the cadre never owns the case


def test_accountability_has_an_entry_point(world):
    subject = cadre(QT_CLEAN[3])
    case = triggers.after_accountability(person("ls_sh"), subject, decision="诫勉（鲁纪〔2026〕5号）")
    talk = only_talk(subject, "accountability")
    assert talk.instance == case and talk.note == "诫勉（鲁纪〔2026〕5号）"
    assert_held_by(talk, COUNTY_DEPT)


# --- the talk, its record, its confidentiality ---------------------------------------------------


@pytest.fixture
def talk_case(world):
    """A talk with a cadre who has a user, a relative with a user, and a colleague nominator."""
    subject = cadre(QT_CLEAN[2])
    subject.user = factories.user("talk_subject", (Role.NOMINATOR, unit("HA-PDS-LS-QT")))
    subject.save(update_fields=["user"])
    spouse = factories.cadre("钱桂芳", unit("HA-PDS-LS-QT"))
    spouse.user = factories.user("talk_spouse")
    spouse.save(update_fields=["user"])
    factories.relative(subject, spouse)
    with clock.frozen_at(at("2026-10-09 09:00")):
        case = services.start_process(person("ls_sh"), "talk", unit=unit(COUNTY_DEPT), data={"cadre_id": subject.pk, "reason": "setback"})
    return case


def api_ids(client, username):
    token = Token.objects.get_or_create(user=person(username))[0].key
    answer = client.get("/api/v1/processes/?page_size=200", HTTP_AUTHORIZATION=f"Token {token}")
    assert answer.status_code == 200
    body = answer.json()
    return {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}


def test_the_talk_record_is_seen_by_the_organisation_department_only(talk_case, client):
    with clock.frozen_at(at("2026-10-12 15:00")):
        services.complete_task(person("ls_sh"), task_of(talk_case, "Task_talk").pk, data=TALK, opinion="已谈话")
    for outsider in ("talk_subject", "talk_spouse", "ls_qt_jbr", "ls_qt_ld"):
        client.force_login(person(outsider))
        assert client.get(reverse("case", args=[talk_case.pk])).status_code == 404, outsider
        assert talk_case.pk not in api_ids(client, outsider), outsider
    client.force_login(person("ls_sh"))
    page = client.get(reverse("case", args=[talk_case.pk]))
    assert page.status_code == 200 and TALK["topics"] in page.content.decode()
    assert talk_case.pk in api_ids(client, "ls_sh")


def test_the_talk_completes_and_its_record_holds_the_facts(talk_case):
    task = task_of(talk_case, "Task_talk")
    assert task.due_at is not None  # 10 working days [default]
    with clock.frozen_at(at("2026-10-12 15:00")):
        services.complete_task(person("ls_sh"), task.pk, data=TALK, opinion="已谈话")
    case = refresh(talk_case)
    assert case.status == InstanceStatus.COMPLETED and case.outcome == "End_talked"
    record = TalkRecord.objects.get(instance=case)
    assert record.talked_on == datetime.date(2026, 10, 12)
    assert (record.talkers, record.place, record.topics) == (TALK["talkers"], TALK["place"], TALK["topics"])
    assert (record.response, record.follow_up, record.outcome) == (TALK["response"], TALK["follow_up"], "follow_up")
    assert record.recorded_by == person("ls_sh") and not record.is_open


def test_bad_input_gets_field_errors_and_changes_nothing(talk_case):
    task = task_of(talk_case, "Task_talk")
    before = refresh(talk_case).version
    with clock.frozen_at(at("2026-10-12 15:00")), pytest.raises(FormInvalid) as refused:
        services.complete_task(person("ls_sh"), task.pk, data={**TALK, "talked_on": "2026-10-13", "topics": "  "})
    assert {"talked_on", "topics"} <= set(refused.value.errors)
    with clock.frozen_at(at("2026-10-12 15:00")), pytest.raises(FormInvalid) as refused:
        services.complete_task(person("ls_sh"), task.pk, data={**TALK, "outcome": "referred", "follow_up": ""})
    assert "follow_up" in refused.value.errors
    record = TalkRecord.objects.get(instance=talk_case)
    assert record.talked_on is None and record.topics == "" and record.is_open
    assert refresh(talk_case).version == before and HumanTask.objects.filter(pk=task.pk).exists()


def test_nobody_acts_on_a_talk_about_themselves_or_a_relative(talk_case):
    relative_reviewer = factories.user("zzb_relative", (Role.REVIEWER, unit(COUNTY_DEPT)))
    relative = factories.cadre("孙某", unit(COUNTY_DEPT))
    relative.user = relative_reviewer
    relative.save(update_fields=["user"])
    factories.relative(talk_case.subject_cadre, relative, relation="兄弟")
    with pytest.raises(services.ActionNotAllowed):
        services.complete_task(relative_reviewer, task_of(talk_case, "Task_talk").pk, data=TALK)


def test_a_talk_no_longer_needed_ends_with_the_reason(talk_case):
    services.complete_task(person("ls_sh"), task_of(talk_case, "Task_talk").pk, action="cancel", opinion="该同志已调离本县")
    case = refresh(talk_case)
    assert case.outcome == "End_cancelled"
    record = TalkRecord.objects.get(instance=case)
    assert not record.is_open and record.talked_on is None
    assert ProcessInstance.objects.filter(definition__process_id="talk").count() == 1


def test_the_api_starts_a_talk_from_its_start_form(world):
    from tests.test_api_helpers import client_for

    reviewer = client_for("ls_sh")
    subject = cadre(QT_CLEAN[3])
    body = {"process_type": "talk", "unit": unit(COUNTY_DEPT).pk, "cadre_id": subject.pk, "reason": "early_signs"}
    refused = reviewer.post("/api/v1/processes/", {**body, "reason": "gossip"}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    assert client_for("ls_qt_jbr").post("/api/v1/processes/", body, format="json").status_code == 403
    started = reviewer.post("/api/v1/processes/", body, format="json")
    assert started.status_code == 201, started.json()
    talk = only_talk(subject, "early_signs")
    assert started.json()["id"] == talk.instance.pk
    assert_held_by(talk, COUNTY_DEPT)


def test_a_cadre_asks_for_a_talk_from_the_page_and_the_department_is_told(world):
    """DOMAIN.md §10 (四必谈: at the cadre's request): the page tells the organisation department's
    reviewers; a second request while one is open, and a user without a cadre record, are refused."""
    from django.test import Client

    from workflows.models import Notification

    user = person("ls_qt_jbr")  # has a cadre record in the demo
    client = Client()
    client.force_login(user)
    assert "提出谈心谈话要求" in client.get("/notifications/").content.decode()
    before = Notification.objects.filter(user=person("ls_sh")).count()
    response = client.post("/talk-request/", {"note": "想谈谈工作调整"}, follow=True)
    assert "将安排谈心谈话" in response.content.decode()
    told = Notification.objects.filter(user=person("ls_sh")).order_by("-id").first()
    assert Notification.objects.filter(user=person("ls_sh")).count() == before + 1 and "想谈谈工作调整" in told.text
    admin = Client()
    admin.force_login(person("admin"))
    refused = admin.post("/talk-request/", {"note": ""})
    assert refused.status_code == 400 and "没有关联干部档案" in refused.content.decode()
    bad = client.post("/talk-request/", {"note": "a\x00b"})
    assert bad.status_code == 400
