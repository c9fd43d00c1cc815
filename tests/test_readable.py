"""Readable everywhere (issue 11 item 7): history, task pages, the API and the issued documents show
labels for codes and names for ids, through the step forms' field definitions.

Each process is walked through every user step (the branches split over a second walk where one
case cannot take them all). Before each step and at the end, ``tests.walk_helpers.Walk`` opens the
case page, every open task's page as a user who may act on it, the API case detail and the API task
details; at the end it reads the text of every PDF issued on the way. None of them may show a Python
repr, a bare id list, an internal code as a value, ``：：`` or ``。。``, or a raw ISO date.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from notices import desk
from records.models import Award
from tests.merit_helpers import QT_CLEAN, REVIEW, at, cadre, load_world, nomination, person, refresh, unit
from tests.promotion_helpers import proposal
from tests.walk_helpers import Walk, last_document_id
from workflows import clock, process_types, services
from workflows.attachments import add_attachment
from workflows.models import HumanTask, InstanceStatus

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")
TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def only(case, bpmn_id, unit_code=None):
    tasks = HumanTask.objects.filter(instance_id=case.pk, bpmn_id=bpmn_id)
    if unit_code:
        tasks = tasks.filter(unit__code=unit_code)
    return tasks.get()


# --------------------------------------------------------------------------- merit citation


def merit_citation(walk):
    """Nomination with an attachment, 退回 and resubmission, the notice, three objections (untrue →
    clarification letter; partly true → 暂缓 → 恢复办理; partly true → lowered award), approval."""
    with clock.frozen_at(MONDAY):
        case = services.start_process(person("ls_qt_jbr"), "merit_citation", unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[0]))
        proof = add_attachment(person("ls_qt_jbr"), case.pk, SimpleUploadedFile("防汛事迹证明.pdf", TINY_PDF), step="Task_nominate")
        filled = nomination(award_kind="merit_3", attachments=[proof.pk], deed_reference="FX-2026-07")
        case = walk.act("ls_qt_jbr", case, "Task_nominate", data=filled)
        case = walk.act(
            "ls_qt_ld",
            case,
            "Task_unit_decision",
            data={"meeting_date": "2026-09-01", "attendees": "党工委班子成员7人"},
            opinion="经集体研究，同意推荐",
        )
        case = walk.act("ls_jw", case, "Task_integrity", data={"integrity_opinion": "no_objection"}, opinion="未发现廉政问题")
        case = walk.act("ls_sh", case, "Task_review", action="return", opinion="请补充单位出具的事迹证明")
        case = walk.act("ls_qt_jbr", case, "Task_nominate", data=filled, opinion="已补充证明")
        case = walk.act(
            "ls_qt_ld",
            case,
            "Task_unit_decision",
            data={"meeting_date": "2026-09-25", "attendees": "党工委班子成员7人"},
            opinion="经集体研究，同意推荐",
        )
        case = walk.act("ls_jw", case, "Task_integrity", data={"integrity_opinion": "no_objection"})
        case = walk.act("ls_sh", case, "Task_review", action="approve", data=REVIEW, opinion="材料齐全，同意公示")
        walk.look(case, "before Task_publish")
    with clock.frozen_at(at("2026-09-29 08:30")):
        desk.publish_notice(person("ls_gs"), [only(case, "Task_publish").pk], contact="鲁山县委组织部干部监督室，电话 0375-5051234")
        walk.steps.append("Task_publish")
    with clock.frozen_at(at("2026-09-30 10:00")):
        objections = [
            desk.record_objection(person("ls_gs"), case.pk, content=text, contact="匿名")
            for text in ("反映其虚报转移群众人数", "反映其事迹材料有夸大", "反映其事迹材料有夸大（再次反映）")
        ]
        case = walk.act(
            "ls_sh",
            case,
            "Task_verify",
            data={"objection_id": objections[0].pk, "verification_outcome": "untrue", "verification_finding": "经核查转移台账，人数属实。"},
        )
        case = walk.act(
            "ls_sh",
            case,
            "Task_verify",
            data={
                "objection_id": objections[1].pk,
                "verification_outcome": "partly_true",
                "verification_finding": "个别数字有出入。",
                "verification_malicious": False,
            },
        )
        case = walk.act("ls_sp", case, "Task_objection_decision", action="suspend", opinion="暂缓，待进一步核实")
        case = walk.act("ls_sp", case, "Task_suspended", action="resume", opinion="已核实，恢复办理")
        case = walk.act(
            "ls_sh",
            case,
            "Task_verify",
            data={"objection_id": objections[2].pk, "verification_outcome": "partly_true", "verification_finding": "部分事迹有夸大。"},
        )
        case = walk.act(
            "ls_sp", case, "Task_objection_decision", action="lower", data={"lowered_kind": "commendation"}, opinion="调整为嘉奖"
        )
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    with clock.frozen_at(at("2026-10-12 10:00")):
        case = walk.act("ls_sp", case, "Task_approve", action="approve", opinion="同意给予嘉奖")
    return case


def merit_citation_branches(walk):
    """A classified case: the reviewer asks to skip the notice, the approver consents (DOMAIN.md §1.3
    item 4), then approves; a posthumous 记三等功."""
    with clock.frozen_at(MONDAY):
        case = services.start_process(person("ls_qt_jbr"), "merit_citation", unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[1]))
        case = walk.act("ls_qt_jbr", case, "Task_nominate", data=nomination(award_kind="merit_3", deed_reference="ZX-2026-01"))
        case = walk.act(
            "ls_qt_ld",
            case,
            "Task_unit_decision",
            data={"meeting_date": "2026-09-25", "attendees": "党工委班子成员7人"},
            opinion="经集体研究，同意推荐",
        )
        case = walk.act("ls_jw", case, "Task_integrity", data={"integrity_opinion": "no_objection"})
        case = walk.act(
            "ls_sh",
            case,
            "Task_review",
            action="classified",
            data={"classified_reason": "涉及保密专项任务", **REVIEW},
            opinion="涉密，报请免予公示",
        )
        case = walk.act("ls_sp", case, "Task_waive_notice", action="agree", opinion="同意免予公示")
        case = walk.act("ls_sp", case, "Task_approve", action="approve", opinion="同意给予记三等功")
    return case


# --------------------------------------------------------------------------- award revocation


def award_revocation(walk):
    subject = cadre(QT_CLEAN[0])
    award = Award.objects.create(
        cadre=subject,
        kind="merit_3",
        awarded_on=datetime.date(2026, 3, 1),
        decision_number="鲁组〔2026〕3号",
        approving_unit=unit("HA-PDS-LS"),
    )
    with clock.frozen_at(at("2026-10-12 09:00")):
        case = services.start_process(person("ls_qt_jbr"), "award_revocation", unit=unit("HA-PDS-LS-QT"), subject_cadre=subject)
        case = walk.act(
            "ls_qt_jbr", case, "Task_apply", data={"award_id": award.pk, "ground": "fraud", "facts": "经查，其申报材料中的救援人数系虚报。"}
        )
        case = walk.act("ls_sh", case, "Task_review", action="approve", opinion="情况属实，建议撤销")
        case = walk.act("ls_sp", case, "Task_approve", action="approve", opinion="同意撤销")
    return case


# --------------------------------------------------------------------------- exceptional promotion


def _promotion_to_publish(walk, case, *, early):
    if early:
        case = walk.act("pds_sh", case, "Task_consent_early", action="agree", opinion="同意破格考察")
    case = walk.act("ls_sh", case, "Task_recommend", data={"participants": 30, "votes_for": 24})
    case = walk.act("ls_sh", case, "Task_inspect", data={"inspection_report": "该同志政治过硬，实绩突出，群众公认。"})
    case = walk.act("ls_jw", case, "Task_integrity", data={"integrity_opinion": "no_objection"})
    if not early:
        case = walk.act("pds_sh", case, "Task_consent_late", action="agree", opinion="同意")
    return case


def _meeting(votes_for, against):
    return {
        "meeting_date": "2026-09-28",
        "should_attend": 9,
        "present": 7,
        "votes_for": votes_for,
        "votes_against": against,
        "abstentions": 0,
        "circumstances_explained": True,
    }


def exceptional_promotion(walk):
    """Recommended candidate: consent before the decision, the vote, the notice without objections,
    the appointment, probation confirmed."""
    with clock.frozen_at(MONDAY):
        case = services.start_process(
            person("ls_qt_ld"), "exceptional_promotion", unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[0])
        )
        case = walk.act("ls_qt_ld", case, "Task_propose", data=proposal(), opinion="经党工委会议研究，提出动议")
        case = _promotion_to_publish(walk, case, early=False)
        case = walk.act("ls_sp", case, "Task_meeting", data=_meeting(6, 1), opinion="会议表决")
        walk.look(case, "before Task_publish")
    with clock.frozen_at(at("2026-09-29 08:30")):
        desk.publish_notice(person("ls_gs"), [only(case, "Task_publish").pk], contact="鲁山县委组织部干部监督室")
        walk.steps.append("Task_publish")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    walk.look(case, "after the notice")
    services.fire_due_timers(now=at("2027-10-11 09:00"))
    with clock.frozen_at(at("2027-10-12 09:00")):
        case = walk.act("ls_sh", case, "Task_probation_review", action="competent", data={"assessment": "试用期内表现优秀，胜任"})
    return case


def exceptional_promotion_branches(walk):
    """Not from a democratic recommendation and breaking two qualifications: consent before the
    inspection, a failed vote and its reconsideration, an objection found true, continued."""
    with clock.frozen_at(MONDAY):
        case = services.start_process(
            person("ls_qt_ld"), "exceptional_promotion", unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[1])
        )
        case = walk.act(
            "ls_qt_ld",
            case,
            "Task_propose",
            data=proposal(
                from_recommendation=False,
                special_post=True,
                broken_items=["tenure", "education"],
                reason_tenure="任现职级不满3年",
                reason_education="大专学历",
            ),
        )
        case = _promotion_to_publish(walk, case, early=True)
        case = walk.act("ls_sp", case, "Task_meeting", data=_meeting(4, 3), opinion="会议表决")
        case = walk.act("ls_sp", case, "Task_reconsider", action="reconsider", opinion="补充材料后复议")
        case = walk.act("ls_sp", case, "Task_meeting", data=_meeting(6, 1), opinion="复议表决")
        walk.look(case, "before Task_publish")
    with clock.frozen_at(at("2026-09-29 08:30")):
        desk.publish_notice(person("ls_gs"), [only(case, "Task_publish").pk], contact="鲁山县委组织部干部监督室")
        walk.steps.append("Task_publish")
    with clock.frozen_at(at("2026-09-30 10:00")):
        objection = desk.record_objection(person("ls_gs"), case.pk, content="反映其学历材料存疑", contact="匿名")
        case = walk.act(
            "ls_sh",
            case,
            "Task_verify",
            data={
                "objection_id": objection.pk,
                "verification_outcome": "partly_true",
                "verification_finding": "学历系在职取得，已说明。",
                "verification_malicious": False,
            },
        )
        # DOMAIN.md §6 (issue 12): the promotion has the 暂缓 path too — suspended, then resumed.
        case = walk.act("ls_sp", case, "Task_objection_decision", action="suspend", opinion="暂缓，待学历材料核实")
        case = walk.act("ls_sp", case, "Task_suspended", action="resume", opinion="学历系在职取得，不影响任用，恢复")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    return case


# --------------------------------------------------------------------------- secondment selection


def secondment_selection(walk):
    """Plan, nominations of three units (one sent back), confirmation, selection, integrity opinions,
    the notice with two objections (untrue; true → one candidate dropped), approval, term assessments."""
    from secondments import plan
    from secondments.models import Candidate, CandidateStatus
    from tests.test_secondment_helpers import AFTER_DEADLINE, candidate, plan_data

    people = {
        "HA-PDS-LS-QT": candidate("赵青山", "HA-PDS-LS-QT", born="1992-03-01"),
        "HA-PDS-BF-TL": candidate("钱晓岚", "HA-PDS-BF-TL", born="1991-06-12", rank="township_deputy", sex="female"),
        "HA-PDS-JYJ": candidate("孙立德", "HA-PDS-JYJ", born="1987-06-01", rank="county_deputy", grade="excellent"),
    }
    nominators = {"HA-PDS-LS-QT": "ls_qt_jbr", "HA-PDS-BF-TL": "bf_tl_jbr", "HA-PDS-JYJ": "pds_jyj_jbr"}
    leaders = {"HA-PDS-LS-QT": "ls_qt_ld", "HA-PDS-BF-TL": "bf_tl_ld", "HA-PDS-JYJ": "pds_jyj_ld"}
    with clock.frozen_at(at("2026-09-01 09:00")):
        case = plan.open_round(person("pds_sh"), unit("HA-PDS-ZZB"), plan_data(invited_unit_ids=[str(unit(code).pk) for code in people]))
    reason = "政治素质好，工作实绩突出，群众公认度高，适合到基层一线挂职锻炼。"
    with clock.frozen_at(at("2026-09-07 10:00")):
        for code, cadre_ in people.items():
            case = walk.act(
                nominators[code],
                case,
                "Task_nominate",
                task=only(case, "Task_nominate", code),
                data={"candidate_ids": [str(cadre_.pk)], "recommendation": reason},
            )
    with clock.frozen_at(at("2026-09-08 10:00")):
        case = walk.act(
            "ls_qt_ld",
            case,
            "Task_unit_confirm",
            task=only(case, "Task_unit_confirm", "HA-PDS-LS-QT"),
            action="send_back",
            opinion="请补充推荐理由",
        )
        case = walk.act(
            "ls_qt_jbr",
            case,
            "Task_nominate",
            task=only(case, "Task_nominate", "HA-PDS-LS-QT"),
            data={"candidate_ids": [str(people["HA-PDS-LS-QT"].pk)], "recommendation": reason + "曾参加防汛抢险。"},
        )
        for code in people:
            case = walk.act(
                leaders[code],
                case,
                "Task_unit_confirm",
                task=only(case, "Task_unit_confirm", code),
                action="confirm",
                data={"meeting_date": "2026-09-08", "attendees": "党委（党组）班子成员7人"},
                opinion="经集体研究，同意推荐",
            )
    services.fire_due_timers(now=AFTER_DEADLINE)
    candidacy = {c.cadre.unit.code: c for c in Candidate.objects.filter(round__instance=case).select_related("cadre__unit")}
    ranking = [("HA-PDS-JYJ", "P1"), ("HA-PDS-LS-QT", "P2"), ("HA-PDS-BF-TL", "P1")]
    selection = {}
    for rank, (code, position) in enumerate(ranking, 1):
        selection[f"rank_{candidacy[code].pk}"] = rank
        selection[f"position_{candidacy[code].pk}"] = position
    with clock.frozen_at(at("2026-09-16 10:00")):
        case = walk.act("pds_sh2", case, "Task_select", data=selection, opinion="经部务会研究，确定选派人选")
    selected = Candidate.objects.filter(round__instance=case, status=CandidateStatus.SELECTED)
    with clock.frozen_at(at("2026-09-17 10:00")):
        case = walk.act("pds_jw", case, "Task_integrity", data={f"integrity_{c.pk}": "no_objection" for c in selected})
    with clock.frozen_at(at("2026-09-18 09:00")):
        case = walk.act(
            "pds_gs",
            case,
            "Task_publish",
            data={"notice_start": "2026-09-18", "notice_days": 5, "notice_contact": "平顶山市委组织部干部一科，电话 0375-2661234"},
        )
    with clock.frozen_at(at("2026-09-21 10:00")):
        first = desk.record_objection(person("pds_gs"), case.pk, content="反映其存在工作作风问题", contact="匿名")
        second = desk.record_objection(person("pds_gs"), case.pk, content="反映其违规经商办企业")
        case = walk.act(
            "pds_sh2",
            case,
            "Task_verify",
            data={
                "objection_id": first.pk,
                "objection_candidate_id": candidacy["HA-PDS-LS-QT"].pk,
                "verification_outcome": "untrue",
                "verification_finding": "经调阅考勤和走访群众，反映问题不属实。",
            },
        )
        case = walk.act(
            "pds_sh2",
            case,
            "Task_verify",
            data={
                "objection_id": second.pk,
                "objection_candidate_id": candidacy["HA-PDS-BF-TL"].pk,
                "verification_outcome": "true",
                "verification_finding": "经核查，其配偶名下企业与辖区项目存在关联，情况属实。",
            },
        )
        case = walk.act("pds_sp", case, "Task_objection_decision", action="drop", opinion="取消钱晓岚同志人选，其余继续公示")
    services.fire_due_timers(now=at("2026-09-24 00:01"))
    with clock.frozen_at(at("2026-09-24 10:00")):
        case = walk.act("pds_sp", case, "Task_approve", action="approve", opinion="同意选派")
    services.fire_due_timers(now=at("2027-10-15 00:01"))
    with clock.frozen_at(at("2027-10-18 10:00")):
        for assessment in list(HumanTask.objects.filter(instance=case, bpmn_id="Task_term_assessment").select_related("unit")):
            assessor = "ls_zgy_ld" if assessment.unit.code == "HA-PDS-LS-ZGY" else "pds_yjj_ld"
            case = walk.act(
                assessor,
                case,
                "Task_term_assessment",
                task=assessment,
                data={"term_grade": "excellent", "term_comments": "挂职期间主动作为，牵头完成阶段性任务，成效明显。"},
            )
    return case


# --------------------------------------------------------------------------- the walks

# (walk, who opens the case page and the API case detail, how the case ends, the user steps it takes,
#  what the history then shows — on the case page and as the API's ``display`` of the submitted fields)
# --------------------------------------------------------------------------- talk


def talk(walk):
    """A talk the organisation department starts on the cadre's request, held and recorded (DOMAIN.md §10)."""
    with clock.frozen_at(at("2026-10-12 09:00")):
        data = {"cadre_id": cadre(QT_CLEAN[2]).pk, "reason": "request", "note": "本人电话提出"}
        case = services.start_process(person("ls_sh"), "talk", unit=unit("HA-PDS-LS-ZZB"), data=data)
        talked = {
            "talked_on": "2026-10-12",
            "talkers": "鲁山县委组织部副部长李明",
            "place": "鲁山县委组织部谈话室",
            "topics": "新岗位的职责和要求，廉洁自律",
            "response": "表示服从组织安排",
            "follow_up": "三个月后回访",
            "outcome": "follow_up",
        }
        case = walk.act("ls_sh", case, "Task_talk", data=talked, opinion="已谈话")
    return case


# --------------------------------------------------------------------------- rotation


def rotation(walk):
    """琴台街道's rotation plan (DOMAIN.md §10 "Rotation"): one cadre rotated, one deferred; returned
    once by the organisation department, then approved (the record updated, a talk opened)."""
    from permissions import policy
    from records.models import Cadre

    related = policy.related_cadre_ids(person("ls_qt_ld")) | policy.related_cadre_ids(person("ls_sh"))
    rotated, deferred, *others = Cadre.objects.filter(unit__code="HA-PDS-LS-QT").exclude(pk__in=related).order_by("pk")
    others += list(Cadre.objects.filter(unit__code="HA-PDS-LS-QT", pk__in=related))
    Cadre.objects.filter(pk=rotated.pk).update(post_since=datetime.date(2015, 6, 1))
    Cadre.objects.filter(pk=deferred.pk).update(post_since=datetime.date(2021, 6, 1))
    Cadre.objects.filter(pk__in=[c.pk for c in others]).update(post_since=datetime.date(2024, 1, 1))
    plan = [
        {"cadre_id": rotated.pk, "outcome": "rotated", "new_post": "副镇长", "new_unit": "HA-PDS-LS-ZGY", "rotated_on": "2027-04-01"},
        {"cadre_id": deferred.pk, "outcome": "deferred", "reason": "承担防汛重点任务，明年轮岗"},
    ]
    with clock.frozen_at(at("2027-03-01 09:00")):
        case = services.start_process(person("ls_sh"), "rotation", unit=unit("HA-PDS-LS-QT"), data={"year": 2027})
        case = walk.act("ls_qt_ld", case, "Task_plan", data={"entries": plan})
        case = walk.act("ls_sh", case, "Task_review", action="return", opinion="请补充暂缓轮岗的依据")
        case = walk.act("ls_qt_ld", case, "Task_plan", data={"entries": plan}, opinion="已补充")
        case = walk.act("ls_sh", case, "Task_review", action="approve", opinion="同意")
    return case


# --------------------------------------------------------------------------- grassroots priority


def grassroots_priority(walk):
    """鲁山县委组织部's list for 2026 (seed 004 art. 8(四)): two principals ranked, returned once at
    the approval, ranked again, the integrity opinion, the notice, approved."""
    from grassroots import rules
    from permissions import policy

    related = set()
    for username in ("ls_sh", "ls_jw", "ls_gs", "ls_sp"):
        related |= policy.related_cadre_ids(person(username))
    first, second = [c for c in rules.candidates(unit("HA-PDS-LS")) if c.pk not in related][:2]
    entries = [{"cadre_id": first.pk, "basis": "2025年度目标责任考核第一名"}, {"cadre_id": second.pk, "basis": "党建考核优秀"}]
    notice = {"notice_start": "2026-11-03", "notice_end": "2026-11-09", "notice_result": "公示期间未收到反映"}
    with clock.frozen_at(at("2026-11-02 09:00")):
        case = services.start_process(person("ls_sh"), "grassroots_priority", unit=unit("HA-PDS-LS-ZZB"), data={"year": 2026})
        case = walk.act("ls_sh", case, "Task_propose", data={"entries": entries})
    with clock.frozen_at(at("2026-11-16 09:00")):
        case = walk.act("ls_jw", case, "Task_integrity", opinion="未发现影响列入的廉政问题")
        case = walk.act("ls_gs", case, "Task_notice", data=notice)
        case = walk.act("ls_sp", case, "Task_approve", action="return", opinion="请核实排序依据")
        case = walk.act("ls_sh", case, "Task_propose", data={"entries": entries}, opinion="已核实")
        case = walk.act("ls_jw", case, "Task_integrity", opinion="未发现影响列入的廉政问题")
        case = walk.act("ls_gs", case, "Task_notice", data=notice)
        case = walk.act("ls_sp", case, "Task_approve", action="approve", opinion="同意")
    return case


WALKS = {
    "merit_citation": (
        merit_citation,
        "ls_qt_jbr",
        "End_awarded",
        {
            "Task_nominate",
            "Task_unit_decision",
            "Task_integrity",
            "Task_review",
            "Task_publish",
            "Task_verify",
            "Task_objection_decision",
            "Task_suspended",
            "Task_approve",
        },
        ["记三等功", "防汛事迹证明.pdf", "2026年7月1日", "无不同意见", "部分属实", "否"],
    ),
    "merit_citation_branches": (
        merit_citation_branches,
        "ls_qt_jbr",
        "End_awarded",
        {"Task_nominate", "Task_unit_decision", "Task_integrity", "Task_review", "Task_waive_notice", "Task_approve"},
        ["记三等功", "涉及保密专项任务"],
    ),
    "award_revocation": (
        award_revocation,
        "ls_qt_jbr",
        "End_revoked",
        {"Task_apply", "Task_review", "Task_approve"},
        ["记三等功 鲁组〔2026〕3号 2026年3月1日", "弄虚作假，骗取奖励"],
    ),
    "talk": (talk, "ls_sh", "End_talked", {"Task_talk"}, ["本人提出谈话要求", "2026年10月12日", "需跟踪了解"]),
    "rotation": (
        rotation,
        "ls_sh",
        "End_approved",
        {"Task_plan", "Task_review"},
        ["2027", "轮岗至鲁山县张官营镇，任副镇长（2027年4月1日起）", "暂缓轮岗（承担防汛重点任务，明年轮岗）"],
    ),
    "grassroots_priority": (
        grassroots_priority,
        "ls_sh",
        "End_approved",
        {"Task_propose", "Task_integrity", "Task_notice", "Task_approve"},
        ["2025年度目标责任考核第一名", "2026年11月3日", "公示期间未收到反映"],
    ),
    "exceptional_promotion": (
        exceptional_promotion,
        "ls_qt_ld",
        "End_confirmed",
        {
            "Task_propose",
            "Task_recommend",
            "Task_inspect",
            "Task_integrity",
            "Task_consent_late",
            "Task_meeting",
            "Task_publish",
            "Task_probation_review",
        },
        ["乡科级正职", "任职年限", "是", "2026年9月28日"],
    ),
    "exceptional_promotion_branches": (
        exceptional_promotion_branches,
        "ls_qt_ld",
        None,
        {
            "Task_propose",
            "Task_consent_early",
            "Task_recommend",
            "Task_inspect",
            "Task_integrity",
            "Task_meeting",
            "Task_reconsider",
            "Task_publish",
            "Task_verify",
            "Task_objection_decision",
            "Task_suspended",
        },
        ["任职年限、学历", "部分属实"],
    ),
    "secondment_selection": (
        secondment_selection,
        "pds_sh",
        "End_completed",
        {
            "Task_nominate",
            "Task_unit_confirm",
            "Task_select",
            "Task_integrity",
            "Task_publish",
            "Task_verify",
            "Task_objection_decision",
            "Task_approve",
            "Task_term_assessment",
        },
        [
            "鲁山县琴台街道、宝丰县铁路街道、平顶山市教育局",
            "鲁山县张官营镇 党委委员、副镇长（挂职）（2名）",
            "赵青山",
            "钱晓岚",
            "2026年9月15日",
            "优秀",
        ],
    ),
}
# The labels of the decisions taken on the way (the API's ``decision_label`` and the case page's tags).
DECISIONS = {
    "merit_citation": {"提交", "同意", "退回", "同意公示", "暂缓", "恢复办理", "降低奖励等次"},
    "merit_citation_branches": {"提交", "同意", "涉密，报请免予公示", "同意免予公示"},
    "award_revocation": {"提交", "同意"},
    "talk": {"提交"},
    "rotation": {"提交", "退回", "同意"},
    "grassroots_priority": {"提交", "退回", "同意"},
    "exceptional_promotion": {"提交", "同意", "胜任，正式任职"},
    "exceptional_promotion_branches": {"提交", "同意", "复议一次", "暂缓任用", "恢复任用程序"},
    "secondment_selection": {"提交", "退回修改", "同意报送", "提交选派方案", "取消该同志人选，其余继续", "同意"},
}


@pytest.fixture
def world():
    load_world()


@pytest.mark.parametrize("name", list(WALKS))
def test_every_page_api_answer_and_document_of_a_case_is_readable(world, name):
    walk_fn, viewer, outcome, steps, shown = WALKS[name]
    walk = Walk(person(viewer))
    since = last_document_id()
    case = walk_fn(walk)
    case = walk.look(refresh(case), "at the end")
    if outcome:
        assert (case.status, case.outcome) == (InstanceStatus.COMPLETED, outcome), (case.status, case.outcome)
    assert set(walk.steps) == steps
    if process_types.get(case.definition.process_id).documents:  # a talk issues none (DOMAIN.md §10)
        assert walk.read_documents(since), "no document was issued"
    # Labels and names are there (not only codes and ids absent) …
    displays = {row["display"] for event in walk.last_api["history"] for row in event["submitted"]}
    for text in shown:
        assert text in walk.last_page, f"the case page's history lacks {text!r}"
        assert any(text in display for display in displays), f"the API's history lacks {text!r}"
    assert {event["decision_label"] for event in walk.last_api["history"]} - {""} == DECISIONS[name]
    # The API's history gives the rows of the case page's (webapp.queries.describe_event).
    from webapp.queries import describe_event

    events = {event.pk: event for event in case.history.all()}
    for shown_event in walk.last_api["history"]:
        rows, decision = describe_event(case, events[shown_event["id"]])
        assert [(r["field"], r["label"], r["display"]) for r in shown_event["submitted"]] == [
            (r["field"], r["label"], r["display"]) for r in rows
        ], shown_event["step"]
        assert shown_event["decision_label"] == decision, shown_event["step"]
    # … and nothing anywhere is unreadable.
    if walk.findings:
        pytest.fail(walk.report(), pytrace=False)


def test_the_walks_take_every_user_step_of_every_process(world):
    """Together the walks above act on every user task of each deployed process (sub-processes included)."""
    from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

    from workflows import engine
    from workflows.models import ProcessDefinition

    covered = {}
    for name, (_fn, _viewer, _outcome, steps, _shown) in WALKS.items():
        covered.setdefault(name.removesuffix("_branches"), set()).update(steps)
    for definition in ProcessDefinition.objects.all():
        spec, subprocesses = engine.specs_for(definition)
        user_tasks = {
            task.bpmn_id for process in [spec, *subprocesses.values()] for task in process.task_specs.values() if isinstance(task, UserTask)
        }
        assert covered.get(definition.process_id) == user_tasks, definition.process_id
