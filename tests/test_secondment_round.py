"""A secondment round end to end through the service layer with the demo users (issue 7).

Rules: DOMAIN.md §5 (plan parameters, default exclusions, term and end-of-term assessment;
公务员法 art. 72), §6–§7 (batch notice, working days), §8 (numbered documents), §9 (per-unit
roles). Seed 004 art. 9 and seed 000 #14 (two-way postings between grassroots and city organs)."""

import datetime
import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from documents.models import IssuedDocument
from notices.models import Notice
from records.models import Secondment
from secondments.models import CandidateStatus, InvitationStatus
from secondments.queries import candidates, nomination_status
from tests.test_secondment_helpers import (
    AFTER_DEADLINE,
    NOMINATORS,
    OWNER,
    at,
    call_task,
    candidate,
    confirm,
    integrity,
    investigated,
    load_world,
    nominate,
    open_round,
    person,
    publish,
    refresh,
    round_of,
    select,
    task,
    unit,
)
from workflows import clock, services
from workflows.errors import ActionNotAllowed, FormInvalid
from workflows.models import HumanTask, InstanceStatus

pytestmark = pytest.mark.django_db
QT, TL, JYJ, FGW = "HA-PDS-LS-QT", "HA-PDS-BF-TL", "HA-PDS-JYJ", "HA-PDS-FGW"


@pytest.fixture
def world():
    load_world()


def inbox(username):
    return HumanTask.objects.inbox_for(person(username))


def pdf_text(document):
    document = IssuedDocument.objects.get(pk=document.pk)  # the bytes are deferred by default
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(document.pdf))).pages).replace("\n", "").replace(" ", "")


def save_png(document, path):
    """Page 1 as PNG for review in test-artifacts/documents/ (like tests/test_documents.py)."""
    import pypdfium2

    rendered = pypdfium2.PdfDocument(bytes(IssuedDocument.objects.defer(None).get(pk=document.pk).pdf))
    try:
        rendered[0].render(scale=150 / 72).to_pil().save(path)
    finally:
        rendered.close()


def test_round_runs_from_plan_to_recorded_term_assessments(world, artifacts_dir):
    qt_ok = candidate("赵青山", QT, born="1992-03-01")
    qt_old = candidate("周德海", QT, born="1982-02-10")  # 44 on the deadline: over the 35 limit of 其他人员
    tl_ok = candidate("钱晓岚", TL, born="1991-06-12", rank="township_deputy", sex="female")
    tl_investigated = investigated(candidate("吴振华", TL, born="1990-01-05"))
    jyj_ok = candidate("孙立德", JYJ, born="1987-06-01", rank="county_deputy", grade="excellent")

    # 1. The plan: 3 places, two host units, 12 months, deadline 15 September, a notice.
    case = open_round()
    round_ = round_of(case)
    assert case.business_key.startswith("GZ-2026-") and case.subject_cadre is None
    assert (round_.places, round_.term_months, round_.organiser) == (3, 12, unit("HA-PDS-ZZB"))
    assert round_.criteria["age_limits"]["county_deputy"] == 40 and round_.criteria["rank_range_label"] == "其他人员至县处级正职"

    # 2. Each invited unit finds the call in its own inbox, and only there (DOMAIN.md §9).
    for code, username in NOMINATORS.items():
        assert list(inbox(username).filter(instance=case)) == [call_task(case, code)]
    assert not inbox("ls_zgy_jbr").filter(instance=case).exists()  # not invited
    status = nomination_status(case)
    assert status["answered"] == 0 and {u["status"] for u in status["units"]} == {InvitationStatus.INVITED}

    # Candidates are checked at once against the round's DMN; a failing one is refused with reasons.
    before = refresh(case)
    with pytest.raises(FormInvalid) as caught:
        nominate(case, QT, [qt_ok, qt_old])
    message = "；".join(caught.value.errors["candidate_ids"])
    assert "周德海" in message and "年龄44岁，超过本轮其他人员年龄上限（35岁）" in message and "赵青山" not in message
    assert (refresh(case).version, refresh(case).state) == (before.version, before.state)
    nominate(case, QT, [qt_ok])
    with pytest.raises(FormInvalid) as caught:
        nominate(case, TL, [tl_ok, tl_investigated])
    assert "吴振华" in caught.value.errors["candidate_ids"][0] and "正在接受立案审查调查" in caught.value.errors["candidate_ids"][0]
    nominate(case, TL, [tl_ok])
    nominate(case, JYJ, [jyj_ok])

    # 3. Unit confirmation by each unit's leadership.
    leader_task = call_task(case, QT, "Task_unit_confirm")
    with pytest.raises(ActionNotAllowed):
        services.complete_task(person("bf_tl_ld"), leader_task.pk, action="confirm")  # another unit's leader
    for code in (QT, TL, JYJ):
        confirm(case, code)

    # The plan owner follows who has reported; 平顶山市发改委 has not answered yet.
    status = nomination_status(refresh(case))
    by_unit = {u["unit"].code: u for u in status["units"]}
    assert {code: by_unit[code]["status"] for code in (QT, TL, JYJ)} == dict.fromkeys((QT, TL, JYJ), InvitationStatus.CONFIRMED)
    assert by_unit[QT]["candidates"][0]["cadre"] == qt_ok
    assert by_unit[FGW]["status"] == InvitationStatus.INVITED and by_unit[FGW]["waiting_on"] == "推荐人选"
    assert status["answered"] == 3 and not status["closed"]
    assert refresh(case).next_timer_due == at("2026-09-16 00:00")

    # The deadline closes the call: the silent unit is shown as late, the candidates are re-checked.
    services.fire_due_timers(now=AFTER_DEADLINE)
    status = nomination_status(refresh(case))
    assert {u["unit"].code: u["label"] for u in status["units"] if u["late"]} == {FGW: "逾期未报送"}
    assert status["closed"]
    selection = task(case, "Task_select")
    assert selection.unit == unit("HA-PDS-ZZB") and selection.role == "reviewer"

    # 4. Selection of 3 for 3 places, with positions (two to 张官营镇, one to 市应急管理局).
    select(case, [(jyj_ok, "P1"), (qt_ok, "P2"), (tl_ok, "P1")])
    chosen = {c.cadre: c for c in candidates(case)}
    assert [chosen[c].rank for c in (jyj_ok, qt_ok, tl_ok)] == [1, 2, 3]
    assert {chosen[c].status for c in (jyj_ok, qt_ok, tl_ok)} == {CandidateStatus.SELECTED}

    # 5. Integrity opinion by the area's discipline body.
    assert task(case, "Task_integrity").unit == unit("HA-PDS-JW")
    integrity(case, opinion="未发现影响选派的廉政问题")

    # 6. The notice lists every selected cadre; 5 working days from Friday 18 September: Sunday 20
    #    September is a make-up working day (调休, DOMAIN.md §7), so the notice ends on the 23rd.
    publish(case)
    notice = Notice.objects.get(cases=case)
    assert (notice.start_date, notice.end_date, notice.working_days) == (datetime.date(2026, 9, 18), datetime.date(2026, 9, 23), 5)
    text = pdf_text(notice.document)
    for name in ("赵青山", "钱晓岚", "孙立德"):
        assert name in text
    assert "周德海" not in text and "鲁山县张官营镇党委委员、副镇长（挂职）" in text
    assert refresh(case).status == InstanceStatus.WAITING
    services.fire_due_timers(now=at("2026-09-23 18:00"))
    assert refresh(case).status == InstanceStatus.WAITING  # the last day runs to 24:00
    services.fire_due_timers(now=at("2026-09-24 00:01"))

    # 7. Approval by the approver of the organising unit's area.
    approve = task(case, "Task_approve")
    assert approve.unit == unit("HA-PDS")
    with pytest.raises(ActionNotAllowed):
        services.complete_task(person("ls_sp"), approve.pk, action="approve")  # a county approver
    with clock.frozen_at(at("2026-09-24 10:00")):
        services.complete_task(person("pds_sp"), approve.pk, action="approve", opinion="同意选派")

    # 8. Dispatch: recorded on each cadre (the home unit stays the personnel unit), numbered documents.
    secondments = {s.cadre: s for s in Secondment.objects.filter(cadre__in=[qt_ok, tl_ok, jyj_ok])}
    assert set(secondments) == {qt_ok, tl_ok, jyj_ok}
    assert secondments[qt_ok].host_unit == unit("HA-PDS-YJJ") and secondments[jyj_ok].host_unit == unit("HA-PDS-LS-ZGY")
    assert (secondments[qt_ok].start, secondments[qt_ok].planned_end) == (datetime.date(2026, 10, 15), datetime.date(2027, 10, 14))
    qt_ok.refresh_from_db()
    assert qt_ok.unit == unit(QT)  # 公务员法 art. 72
    documents = IssuedDocument.objects.filter(instance=case)
    selection_notice = documents.get(kind="selection_notice")
    letters = list(documents.filter(kind="introduction_letter").order_by("serial"))
    assert selection_notice.number == "平组〔2026〕1号"
    assert [d.number for d in letters] == ["平组〔2026〕2号", "平组〔2026〕3号", "平组〔2026〕4号"]
    text = pdf_text(selection_notice)
    assert "孙立德" in text and "平顶山市应急管理局应急指挥科副科长（挂职）" in text and "第七十二条" in text
    letter_text = pdf_text(next(d for d in letters if "赵青山" in d.title))
    assert "平顶山市应急管理局" in letter_text and "2026年10月15日至2027年10月14日" in letter_text and "介绍信" in letter_text
    assert "根据平组〔2026〕1号通知" in letter_text and "第七十二条" in letter_text
    assert [d.page_count for d in letters] == [1, 1, 1]
    assert {c.introduction_letter.number for c in candidates(case) if c.status == CandidateStatus.SECONDED} == {d.number for d in letters}
    out = artifacts_dir / "documents"
    out.mkdir(exist_ok=True)
    for name, document in (
        ("selection_notice", selection_notice),
        ("introduction_letter", letters[0]),
        ("secondment_notice", notice.document),
    ):
        save_png(document, out / f"{name}-page1.png")

    # 9. End of term: a timer per secondment opens the assessment at each host unit.
    case = refresh(case)
    assert case.status == InstanceStatus.WAITING and case.next_timer_due == at("2027-10-15 00:00")
    call_command("run_worker", "--once", "--now", "2027-10-15T00:01+08:00")  # the worker, fast-forwarded
    assessments = list(HumanTask.objects.filter(instance=case, bpmn_id="Task_term_assessment"))
    assert sorted(t.unit.code for t in assessments) == ["HA-PDS-LS-ZGY", "HA-PDS-LS-ZGY", "HA-PDS-YJJ"]
    grades = {jyj_ok: "excellent", tl_ok: "competent", qt_ok: "competent"}
    with clock.frozen_at(at("2027-10-18 10:00")):
        for t in assessments:
            secondee = Secondment.objects.get(pk=_secondment_of(case, t)).cadre
            leader = "ls_zgy_ld" if t.unit.code == "HA-PDS-LS-ZGY" else "pds_yjj_ld"
            with pytest.raises(ActionNotAllowed):
                services.complete_task(person("bf_tl_ld"), t.pk, data={"term_grade": "competent", "term_comments": "x" * 20})
            services.complete_task(
                person(leader),
                t.pk,
                data={"term_grade": grades[secondee], "term_comments": "挂职期间积极主动，深入一线，较好完成了挂职岗位各项任务。"},
            )
    for cadre, grade in grades.items():
        record = Secondment.objects.get(cadre=cadre)
        assert (record.assessment_grade, record.ended_on) == (grade, datetime.date(2027, 10, 14))
    case = refresh(case)
    assert case.status == InstanceStatus.COMPLETED and case.outcome == "End_completed"
    assert owner_sees(case)


def _secondment_of(case, human_task):
    from workflows import engine

    workflow = engine.load_workflow(case.definition, refresh(case).state)
    return workflow.get_task_from_id(human_task.task_uuid).data["secondment"]["secondment_id"]


def owner_sees(case):
    from workflows.models import ProcessInstance

    return ProcessInstance.objects.visible_to(person(OWNER)).filter(pk=case.pk).exists()
