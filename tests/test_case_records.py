"""Trustworthy case records (issue 11): typed facts, step contracts, failure-safe steps,
invariants held by the database, separation of duties by who acted.

Each test is one finding of the issue, run on the real diagrams with the demo users; the
concurrent ones are in test_case_records_pg.py.
"""

import io
import shutil
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from pypdf import PdfReader

from awards import candidates
from awards.models import Nomination
from documents.models import IssuedDocument
from notices import desk as notices
from permissions.models import Grant
from permissions.roles import Role
from promotions.models import Proposal
from records.models import Award
from tests import factories as f
from tests.merit_helpers import (
    QT_CLEAN,
    REVIEW,
    at,
    cadre,
    load_world,
    nomination,
    person,
    refresh,
    start_and_nominate,
    task_of,
    to_publish,
    unit,
)
from tests.promotion_helpers import proposal, propose, recommend_inspect
from workdays.models import CalendarDay, CalendarYear
from workflows import clock, engine, services
from workflows.deploy import DeployError, deploy_directory
from workflows.errors import ActionNotAllowed, FormInvalid, InvalidAction
from workflows.models import HistoryAction, HumanTask, InstanceStatus, ProcessInstance

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
MONDAY = at("2026-09-28 09:00")
MERIT = "merit_citation"


@pytest.fixture
def world():
    load_world()


def pdf_text(document):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(document.pdf))).pages)


# --------------------------------------------------------------------------- typed facts


def test_the_promotion_facts_service_leaves_the_proposals_main_facts_alone(world):
    """promotions.facts once wrote its dict into ``facts``, the 主要事实 field: every later step
    and the numbered 请示 printed a Python dict, and the addressee line ended in "：："."""
    with clock.frozen_at(MONDAY):
        case = recommend_inspect(propose(cadre(QT_CLEAN[0])))
    written = proposal()["facts"]
    assert Proposal.objects.get(instance=case).facts == written
    consent = task_of(case, "Task_consent_late")
    data = engine.load_workflow(refresh(case).definition, refresh(case).state).get_task_from_id(consent.task_uuid).data
    assert data["facts"] == written and isinstance(data["record_facts"], dict)
    request = case.documents.get(kind="request_for_consent")
    text = pdf_text(request)
    assert written[:12] in text.replace("\n", "")  # the PDF wraps lines wherever the text falls
    assert "{'" not in text and "as_of" not in text and "：：" not in text


def test_a_diagram_whose_service_writes_a_form_field_is_refused_with_file_and_line(world, tmp_path):
    folder = tmp_path / "bpmn"
    shutil.copytree(ROOT / "bpmn", folder)
    diagram = folder / "exceptional_promotion.bpmn"
    source = diagram.read_text(encoding="utf-8")
    assert 'resultVariable="record_facts"' in source
    diagram.write_text(source.replace('resultVariable="record_facts"', 'resultVariable="facts"'), encoding="utf-8")
    line = next(n for n, text in enumerate(diagram.read_text(encoding="utf-8").splitlines(), 1) if 'id="Service_facts"' in text)
    before = list(ProcessInstance.objects.values_list("definition__version", flat=True))
    with pytest.raises(DeployError) as refused:
        deploy_directory(folder)
    assert (refused.value.file_name, refused.value.line) == ("exceptional_promotion.bpmn", line)
    assert "'facts'" in refused.value.reason and "Task_propose" in refused.value.reason
    assert list(ProcessInstance.objects.values_list("definition__version", flat=True)) == before


def test_a_renamed_step_fails_loudly_instead_of_taking_any_json(world, tmp_path):
    folder = tmp_path / "bpmn"
    shutil.copytree(ROOT / "bpmn", folder)
    diagram = folder / "merit_citation.bpmn"
    diagram.write_text(diagram.read_text(encoding="utf-8").replace("Task_review", "Task_check"), encoding="utf-8")
    with pytest.raises(DeployError, match="Task_check.*no form"):
        deploy_directory(folder)


def test_the_system_check_names_every_broken_binding(settings, tmp_path, monkeypatch):
    from workflows import process_types
    from workflows.checks import check_step_contracts

    # Only the app's own process types (other tests register some for their test diagrams).
    monkeypatch.setattr(process_types, "_registry", {k: v for k, v in process_types.all_types().items() if not k.startswith("test_")})

    assert check_step_contracts() == []
    folder = tmp_path / "bpmn"
    shutil.copytree(ROOT / "bpmn", folder)
    diagram = folder / "merit_citation.bpmn"
    diagram.write_text(
        diagram.read_text(encoding="utf-8")
        .replace('id="awards.route"', 'id="awards.routing"')
        .replace('value="Task_nominate"', 'value="Task_propose"'),
        encoding="utf-8",
    )
    settings.MERITFLOW_BPMN_DIR = folder
    messages = [str(error.msg) for error in check_step_contracts()]
    assert any("merit_citation.bpmn:" in m and "'awards.routing' is not registered" in m for m in messages), messages
    assert any("return_to target 'Task_propose'" in m for m in messages), messages


def test_a_step_refuses_fields_its_form_does_not_declare(world):
    with clock.frozen_at(MONDAY):
        case = services.start_process(person("ls_qt_jbr"), MERIT, unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[0]))
        with pytest.raises(FormInvalid) as refused:
            services.complete_task(
                person("ls_qt_jbr"), task_of(case, "Task_nominate").pk, data={**nomination(), "route": {"approving_unit_id": 1}}
            )
    assert set(refused.value.errors) == {"route"}
    assert Nomination.objects.get(instance=case).award_kind == ""


# --------------------------------------------------------------------------- one open case per deed


def test_submitting_the_start_page_twice_makes_one_nomination_and_names_it(world):
    """Back, then 提交 again: the second start-and-submit is refused and leaves nothing behind."""
    subject = cadre(QT_CLEAN[0])
    fields = nomination(deed_reference="防汛2026-07")
    with clock.frozen_at(MONDAY):
        first = services.start_and_submit(person("ls_qt_jbr"), MERIT, unit=unit("HA-PDS-LS-QT"), subject_cadre=subject, data=fields)
        with pytest.raises(FormInvalid) as refused:
            services.start_and_submit(person("ls_qt_jbr"), MERIT, unit=unit("HA-PDS-LS-QT"), subject_cadre=subject, data=fields)
    assert first.business_key in str(refused.value.errors["deed_reference"])
    assert ProcessInstance.objects.count() == 1
    assert HumanTask.objects.filter(bpmn_id="Task_unit_decision").count() == 1
    # A closed case frees the deed again (a cancelled nomination may be made anew).
    with clock.frozen_at(MONDAY):
        services.withdraw(person("ls_qt_jbr"), first.pk)
        services.complete_task(person("ls_qt_jbr"), task_of(first, "Task_nominate").pk, action="cancel", opinion="撤销")
        again = services.start_and_submit(person("ls_qt_jbr"), MERIT, unit=unit("HA-PDS-LS-QT"), subject_cadre=subject, data=fields)
    assert Nomination.objects.get(instance=again).is_open and not Nomination.objects.get(instance=first).is_open


def test_the_annual_batch_started_twice_gives_one_award_per_cadre(world):
    township = unit("HA-PDS-LS-QT")
    for id_number in QT_CLEAN[:2]:
        cadre(id_number).assessments.filter(year=2025).update(grade="excellent")
    chosen = [cadre(i).pk for i in QT_CLEAN[:2]]
    candidates.start_batch(person("ls_qt_jbr"), township, 2025, chosen)
    listed = {c.cadre.pk for c in candidates.annual_candidates(township, 2025)}
    assert not listed & set(chosen)  # their nominations are under way
    with pytest.raises(InvalidAction, match="候选人"):
        candidates.start_batch(person("ls_qt_jbr"), township, 2025, chosen)
    assert Nomination.objects.filter(cadre_id__in=chosen, is_open=True).count() == 2


def test_the_database_holds_one_award_per_cadre_and_deed():
    tree = f.small_tree()
    subject = f.cadre("张喆", tree["township"])
    Award.objects.create(cadre=subject, kind="commendation", awarded_on="2026-01-10", deed_reference="年度考核2025优秀")
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.create(cadre=subject, kind="merit_3", awarded_on="2026-02-10", deed_reference="年度考核2025优秀")
    other = f.cadre("李堃", tree["township"])  # another cadre, the same deed reference: allowed
    Award.objects.create(cadre=other, kind="commendation", awarded_on="2026-01-10", deed_reference="年度考核2025优秀")


def approve_after_notice(case):
    with clock.frozen_at(at("2026-09-29 08:30")):
        notices.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="鲁山县委组织部")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    with clock.frozen_at(at("2026-10-12 09:00")):
        services.complete_task(person("ls_sp"), task_of(case, "Task_approve").pk, action="approve", opinion="同意")
    return refresh(case)


def test_an_award_for_the_deed_recorded_meanwhile_stops_the_case_at_the_recheck(world):
    """An award for the same deed recorded meanwhile (e.g. imported): the approval recheck stops
    the case (DOMAIN.md §1.4), nothing is numbered and the nomination closes without an award."""
    subject = cadre(QT_CLEAN[0])
    with clock.frozen_at(MONDAY):
        case = to_publish(subject, deed_reference="抗洪2026")
    Award.objects.create(
        cadre=subject,
        kind="merit_3",
        awarded_on="2026-10-01",
        deed_reference="抗洪2026",
        decision_number="鲁政〔2026〕9号",
        approving_level="county",
    )
    with clock.frozen_at(at("2026-09-29 08:30")):
        notices.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="鲁山县委组织部")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    case = refresh(case)
    assert case.outcome == "End_recheck_failed" and "鲁政〔2026〕9号" in case.rule_checks.get(checkpoint="approval").reasons[0]
    assert not IssuedDocument.objects.filter(kind="award_decision").exists()
    assert Award.objects.filter(cadre=subject).count() == 1
    assert Nomination.objects.get(instance=case).award is None


def test_issue_guards_the_deed_under_the_cadres_lock(world):
    """The issue step's own guard (DOMAIN.md §1.4), for an award recorded after the diagram's last
    recheck: the same deployed table refuses, nothing is numbered."""
    from awards import issuing

    subject = cadre(QT_CLEAN[0])
    with clock.frozen_at(MONDAY):
        case = to_publish(subject, deed_reference="抗洪2026")
    case = approve_after_notice(case)
    record = Nomination.objects.select_related("approving_unit", "instance__definition").get(instance=case)
    record.award = None  # as if the issue step ran again for a case whose award another case took
    Award.objects.filter(cadre=subject).update(deed_reference="抗洪2026")
    with pytest.raises(ValueError, match="不得再次奖励"):
        issuing.issue_award(record)
    assert IssuedDocument.objects.filter(kind="award_decision").count() == 1


def test_the_awarded_nomination_points_at_its_award_and_documents(world):
    with clock.frozen_at(MONDAY):
        case = to_publish(cadre(QT_CLEAN[0]), deed_reference="抗洪2026")
    case = approve_after_notice(case)
    record = Nomination.objects.select_related("award").get(instance=case)
    decision = case.documents.get(kind="award_decision")
    assert case.outcome == "End_awarded" and not record.is_open and record.quota_counted
    assert record.award.decision_number == decision.number and record.award.deed_reference == "抗洪2026"
    assert record.approving_unit == unit("HA-PDS-LS") or record.approving_unit is not None


# --------------------------------------------------------------------------- failure-safe steps


def test_a_failing_step_after_a_document_rolls_back_both_sides_and_resumes_once(world):
    """Real diagram: 异议核查 (untrue) issues a numbered clarification letter, then the notice timer
    needs a calendar year that is missing. Before: the letter rolled back but the saved state
    marked the service done, so the case resumed without it and its number went to another
    document. Now the state goes back too, and resuming issues the letter exactly once."""
    with clock.frozen_at(MONDAY):
        case = to_publish(cadre(QT_CLEAN[0]))
    with clock.frozen_at(at("2026-09-29 08:30")):
        notices.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="鲁山县委组织部")
    with clock.frozen_at(at("2026-09-30 10:00")):
        objection = notices.record_objection(person("ls_gs"), case.pk, content="反映其在防汛中虚报转移人数")
        verify = task_of(case, "Task_verify")
        year = CalendarYear.objects.get(year=2026)
        saved_days = CalendarDay.objects.filter(date__year=2026).count()
        CalendarDay.objects.filter(date__year=2026).delete()
        year.delete()
        from workdays import calendar

        calendar.clear_cache()
        services.complete_task(
            person("ls_sh"),
            verify.pk,
            data={"objection_id": objection.pk, "verification_outcome": "untrue", "verification_finding": "经核查，人数属实。"},
        )
    case = refresh(case)
    assert case.status == InstanceStatus.ERROR and "2026" in case.error_message
    objection.refresh_from_db()
    assert objection.outcome == "pending" and objection.clarification_id is None
    assert not IssuedDocument.objects.filter(kind="clarification_letter").exists()
    workflow = engine.load_workflow(case.definition, case.state)
    closing = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "Service_close_objection"]
    assert closing and all(t.state != engine.TaskState.COMPLETED for t in closing)  # not marked done
    assert case.history.filter(action=HistoryAction.COMPLETE, task_bpmn_id="Task_verify").count() == 1  # the completion is kept

    f.ensure_reference_data()  # the year is added back
    assert CalendarYear.objects.filter(year=2026).exists() and CalendarDay.objects.filter(date__year=2026).count() == saved_days
    with clock.frozen_at(at("2026-09-30 11:00")):
        assert services.resume_errored() == 1
    case = refresh(case)
    assert case.status == InstanceStatus.WAITING
    objection.refresh_from_db()
    letters = IssuedDocument.objects.filter(kind="clarification_letter")
    assert letters.count() == 1 and objection.clarification_id == letters.get().pk and objection.outcome == "untrue"
    assert letters.get().number and letters.get().instance_id == case.pk


# --------------------------------------------------------------------------- separation of duties by who acted


def test_whoever_completed_the_nomination_may_not_judge_it(world):
    """A second nominator who filled in a colleague's nomination may not review it."""
    twin = f.user("ls_qt_jbr2", (Role.NOMINATOR, unit("HA-PDS-LS-QT")), (Role.REVIEWER, unit("HA-PDS-LS-ZZB")))
    with clock.frozen_at(MONDAY):
        case = services.start_process(person("ls_qt_jbr"), MERIT, unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[0]))
        services.complete_task(twin, task_of(case, "Task_nominate").pk, data=nomination())
        services.complete_task(
            person("ls_qt_ld"),
            task_of(case, "Task_unit_decision").pk,
            data={"meeting_date": "2026-09-01", "attendees": "班子成员7人"},
            opinion="同意推荐",
        )
        services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
    review = task_of(case, "Task_review")
    assert HumanTask.all_objects.get(instance=case, bpmn_id="Task_nominate").completed_by == twin
    assert not HumanTask.objects.inbox_for(twin).filter(pk=review.pk).exists()
    assert HumanTask.objects.inbox_for(person("ls_sh")).filter(pk=review.pk).exists()
    with pytest.raises(ActionNotAllowed, match="填报推荐材料"):
        services.complete_task(twin, review.pk, action="approve", data=REVIEW, opinion="同意公示")


def test_the_starter_may_not_complete_the_unit_leader_step_of_their_own_nomination(world):
    Grant.objects.create(user=person("ls_qt_jbr"), unit=unit("HA-PDS-LS-QT"), role=Role.UNIT_LEADER)
    with clock.frozen_at(MONDAY):
        case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    decision = task_of(case, "Task_unit_decision")
    assert not HumanTask.objects.inbox_for(person("ls_qt_jbr")).filter(pk=decision.pk).exists()
    with pytest.raises(ActionNotAllowed, match="推荐人"):
        services.complete_task(
            person("ls_qt_jbr"), decision.pk, data={"meeting_date": "2026-09-01", "attendees": "班子成员7人"}, opinion="同意推荐"
        )
    assert HumanTask.objects.inbox_for(person("ls_qt_ld")).filter(pk=decision.pk).exists()


def test_closed_tasks_stay_with_who_closed_them_and_how(world):
    with clock.frozen_at(MONDAY):
        case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
        services.return_task(person("ls_qt_ld"), task_of(case, "Task_unit_decision").pk, to="Task_nominate", opinion="补充事迹")
    rows = list(HumanTask.all_objects.filter(instance=case).order_by("id").values_list("bpmn_id", "close_reason", "completed_by__username"))
    assert rows == [
        ("Task_nominate", "completed", "ls_qt_jbr"),
        ("Task_unit_decision", "returned", "ls_qt_ld"),
        ("Task_nominate", "", None),
    ]
    assert list(case.tasks.values_list("bpmn_id", flat=True)) == ["Task_nominate"]  # open ones only


def test_the_review_page_shows_the_quota_counted_from_the_nominations(world, client):
    """The process type's step extra: the 审核 page shows the unit's quota, counted from the records."""
    from awards.models import AwardQuota

    AwardQuota.objects.create(unit=unit("HA-PDS-LS-QT"), year=2026, limit=2)
    with clock.frozen_at(MONDAY):
        to_publish(cadre(QT_CLEAN[0]))  # takes one place
        case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[1]))
        services.complete_task(
            person("ls_qt_ld"),
            task_of(case, "Task_unit_decision").pk,
            data={"meeting_date": "2026-09-01", "attendees": "班子成员7人"},
            opinion="同意推荐",
        )
        services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
    client.force_login(person("ls_sh"))
    page = client.get(f"/cases/{case.pk}/tasks/{task_of(case, 'Task_review').pk}/").content.decode()
    assert "2026年度各类奖励名额：已使用 1 / 2" in page
    record = client.get(f"/cases/{case.pk}/").content.decode()
    assert "推荐事项" in record and "嘉奖" in record
