"""Steps of an exceptional promotion through the service layer with the demo users."""

from tests.merit_helpers import person, refresh, task_of, unit
from workflows import services

PROCESS = "exceptional_promotion"


def proposal(**extra):
    return {
        "target_post": "鲁山县琴台街道党工委书记",
        "target_level": "township_principal",
        "ground": "outstanding_a",
        "facts": "在2026年特大暴雨灾害中组织群众安全转移，带领干部群众连续奋战，作出重大贡献。",
        "broken_items": ["tenure"],
        "broken_qualifications": "任现职级不满3年（条例允许破格的任职年限）",
        "from_recommendation": True,
        "special_post": False,
        **extra,
    }


def propose(subject, **extra):
    case = services.start_process(person("ls_qt_ld"), PROCESS, unit=unit("HA-PDS-LS-QT"), subject_cadre=subject)
    services.complete_task(
        person("ls_qt_ld"), task_of(case, "Task_propose").pk, data=proposal(**extra), opinion="经党工委会议研究，提出动议"
    )
    return refresh(case)


def consent(case, bpmn_id, agree=True):
    services.complete_task(
        person("pds_sh"), task_of(case, bpmn_id).pk, action="agree" if agree else "disagree", opinion="同意" if agree else "不同意破格提拔"
    )


def recommend_inspect(case, votes=24, participants=30):
    services.complete_task(person("ls_sh"), task_of(case, "Task_recommend").pk, data={"participants": participants, "votes_for": votes})
    case = refresh(case)
    if case.tasks.filter(bpmn_id="Task_inspect").exists():
        services.complete_task(
            person("ls_sh"), task_of(case, "Task_inspect").pk, data={"inspection_report": "该同志政治过硬，实绩突出，群众公认。"}
        )
        services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
    return refresh(case)


def meeting(case, should=9, present=7, votes_for=6, against=1, abstain=0, explained=True):
    data = {
        "meeting_date": "2026-09-28",
        "should_attend": should,
        "present": present,
        "votes_for": votes_for,
        "votes_against": against,
        "abstentions": abstain,
        "circumstances_explained": explained,
    }
    services.complete_task(person("ls_sp"), task_of(case, "Task_meeting").pk, data=data, opinion="会议表决")
    return refresh(case)
