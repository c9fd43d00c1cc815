"""A talk after an accountability decision (DOMAIN.md §10 "Talks": seed 000 #18, 对受到问责处理的干部
…及时谈心谈话). A sanction reaches the system through the Excel import or the admin; recording a new
one still in effect starts one talk case, held by the cadre's organisation department, in the
same transaction (``records.signals.cadre_event``, the signal the process apps send too). A
re-import, an edit, a refused file and a dry run start nothing."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from records import importing
from records.models import Sanction
from talks.models import TalkRecord
from tests.merit_helpers import QT_CLEAN, cadre, load_world, person, task_of
from tests.test_talks import COUNTY_DEPT, TALK, assert_held_by, only_talk, talks_of
from workflows import services
from workflows.models import HistoryAction, HistoryEvent, Notification, ProcessInstance

pytestmark = pytest.mark.django_db
HEADERS = ["身份证号", "姓名", "处分或处理种类", "决定日期", "事由"]


@pytest.fixture
def world():
    load_world()


def recent(days=20):
    return timezone.localdate() - datetime.timedelta(days=days)


def workbook(rows, headers=HEADERS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "处分与组织处理"
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def sanction_row(subject, kind="警告", decided=None, reason="违反工作纪律，擅离职守"):
    return [subject.id_number, subject.name, kind, (decided or recent()).isoformat(), reason]


def talk_cases():
    return ProcessInstance.objects.filter(definition__process_id="talk")


def test_an_imported_sanction_starts_one_talk_held_by_the_cadre_s_organisation_department(world):
    subject = cadre(QT_CLEAN[0])
    report = importing.import_sanctions(workbook([sanction_row(subject)]), user=person("ls_sh"))
    assert report.ok, [str(e) for e in report.errors]
    assert (report.created, report.updated) == (1, 0)
    sanction = Sanction.objects.get(cadre=subject)
    assert sanction.kind == "warning" and sanction.effect_end == sanction.computed_effect_end()  # DOMAIN.md §3
    talk = only_talk(subject, "accountability")
    assert_held_by(talk, COUNTY_DEPT)
    assert talk.automatic and talk.source is None and "警告" in talk.note and recent().isoformat() in talk.note
    # Started by whoever recorded it (the department's reviewer), as the other triggers' talks are.
    case = talk.instance
    assert case.started_by == person("ls_sh")
    start = HistoryEvent.objects.get(instance=case, action=HistoryAction.START)
    assert start.actor == person("ls_sh")
    # Nobody is told of what they themselves just did.
    assert not Notification.objects.filter(instance=case, user=person("ls_sh")).exists()


def test_a_re_import_of_the_same_row_starts_no_second_talk_even_after_the_first_was_held(world):
    subject = cadre(QT_CLEAN[1])
    row = sanction_row(subject, kind="诫勉")
    assert importing.import_sanctions(workbook([row]), user=person("ls_sh")).ok
    talk = only_talk(subject, "accountability")
    again = importing.import_sanctions(workbook([row[:4] + ["落实安全生产监管责任不力"]]), user=person("ls_sh"))
    assert again.ok and (again.created, again.updated) == (0, 1)
    assert Sanction.objects.get(cadre=subject).description == "落实安全生产监管责任不力"
    assert talks_of(subject) == [talk]
    services.complete_task(person("ls_sh"), task_of(talk.instance, "Task_talk").pk, data=TALK, opinion="已谈话")
    assert not TalkRecord.objects.get(pk=talk.pk).is_open
    # The open-talk constraint no longer holds the door: only "newly recorded" does.
    assert importing.import_sanctions(workbook([row]), user=person("ls_sh")).ok
    assert talks_of(subject) == [talk] and talk_cases().count() == 1


def test_a_second_sanction_while_the_talk_is_open_is_answered_by_it(world):
    subject = cadre(QT_CLEAN[2])
    assert importing.import_sanctions(workbook([sanction_row(subject, "诫勉", recent(40))]), user=person("ls_sh")).ok
    assert importing.import_sanctions(workbook([sanction_row(subject, "警告", recent(10))]), user=person("ls_sh")).ok
    assert Sanction.objects.filter(cadre=subject).count() == 2
    assert len(talks_of(subject)) == 1


def test_a_bad_row_imports_nothing_and_starts_nothing(world):
    subject, other = cadre(QT_CLEAN[0]), cadre(QT_CLEAN[3])
    before = Sanction.objects.count()
    rows = [
        sanction_row(subject),
        sanction_row(other, kind="开除"),  # not a kind of the table
        [other.id_number, other.name, "警告", (timezone.localdate() + datetime.timedelta(days=3)).isoformat(), ""],  # in the future
    ]
    report = importing.import_sanctions(workbook(rows), user=person("ls_sh"))
    assert not report.ok
    messages = [str(e) for e in report.errors]
    assert any("第3行" in m and "处分或处理种类" in m and "开除" in m for m in messages), messages
    assert any("第4行" in m and "决定日期" in m for m in messages), messages
    assert "未导入任何数据" in report.summary()
    assert Sanction.objects.count() == before
    assert not talk_cases().exists()


def test_a_dry_run_and_an_old_sanction_start_no_talk(world):
    subject = cadre(QT_CLEAN[0])
    dry = importing.import_sanctions(workbook([sanction_row(subject)]), dry_run=True, user=person("ls_sh"))
    assert dry.ok and dry.created == 1
    assert not Sanction.objects.filter(cadre=subject).exists() and not talk_cases().exists()
    # A decision whose effect period ended long ago is history being filled in (DOMAIN.md §3).
    old = importing.import_sanctions(workbook([sanction_row(subject, decided=datetime.date(2019, 3, 1))]), user=person("ls_sh"))
    assert old.ok and Sanction.objects.filter(cadre=subject).count() == 1
    assert not talk_cases().exists()


def test_the_admin_import_starts_the_talk_for_the_department_and_tells_it(world, client):
    """An administrator who may not start a talk records it: the department's own reviewer starts
    it and is told, as when a timer fires and nobody acts."""
    subject = cadre(QT_CLEAN[3])
    client.force_login(person("admin"))
    upload = workbook([sanction_row(subject, kind="记过")])
    upload.name = "处分.xlsx"
    response = client.post("/admin/records/cadre/import/", {"kind": importing.SANCTIONS, "file": upload})
    assert response.status_code == 302, response.content.decode()[:3000]
    sanction = Sanction.objects.get(cadre=subject, kind="demerit")
    assert LogEntry.objects.filter(object_id=str(sanction.pk), user=person("admin")).exists()
    talk = only_talk(subject, "accountability")
    assert_held_by(talk, COUNTY_DEPT)
    assert talk.instance.started_by == person("ls_sh")
    told = Notification.objects.filter(instance=talk.instance, user=person("ls_sh"))
    assert told.count() == 1 and "待办" in told.get().text and subject.name in told.get().text
    # The admin's empty template for the kind, with its drop-down of the kinds of the table.
    template = client.get("/admin/records/cadre/import/template/", {"kind": importing.SANCTIONS})
    sheet = openpyxl.load_workbook(io.BytesIO(template.content))["处分与组织处理"]
    assert [c.value for c in sheet[1]][:4] == ["身份证号", "姓名", "处分或处理种类", "决定日期"]
    assert any("诫勉" in v.formula1 for v in sheet.data_validations.dataValidation)


def test_recording_a_sanction_in_the_admin_starts_one_talk_and_an_edit_none(world, client):
    subject = cadre(QT_CLEAN[2])
    client.force_login(person("admin"))
    form = {
        "cadre": subject.pk,
        "kind": "admonishment",
        "decision_date": recent().isoformat(),
        "description": "落实安全生产监管责任不力",
        "effect_end": "",
        "effect_end_override_reason": "",
        "excuse": "none",
        "excuse_decision": "",
    }
    response = client.post("/admin/records/sanction/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    sanction = Sanction.objects.get(cadre=subject)
    talk = only_talk(subject, "accountability")
    assert_held_by(talk, COUNTY_DEPT)
    assert "诫勉" in talk.note and "落实安全生产监管责任不力" in talk.note
    services.complete_task(person("ls_sh"), task_of(talk.instance, "Task_talk").pk, data=TALK, opinion="已谈话")
    edited = client.post(f"/admin/records/sanction/{sanction.pk}/change/", {**form, "description": "落实安全生产监管责任不力（更正）"})
    assert edited.status_code == 302
    assert talks_of(subject) == [talk]


def test_a_sanction_added_on_the_cadre_s_admin_page_starts_one_talk(world, client):
    from tests.merit_helpers import unit
    from tests.test_cadre_photo import cadre_form_data

    client.force_login(person("admin"))
    data = cadre_form_data(unit("HA-PDS-LS-QT"), name="赵六")
    data.update(
        {
            "sanctions-TOTAL_FORMS": 1,
            "sanctions-0-kind": "warning",
            "sanctions-0-decision_date": recent().isoformat(),
            "sanctions-0-effect_end": "",
            "sanctions-0-effect_end_override_reason": "",
            "sanctions-0-excuse": "none",
            "sanctions-0-excuse_decision": "",
            "sanctions-0-description": "违反工作纪律",
        }
    )
    response = client.post("/admin/records/cadre/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    subject = Sanction.objects.get(description="违反工作纪律").cadre
    assert subject.name == "赵六"
    assert_held_by(only_talk(subject, "accountability"), COUNTY_DEPT)
