"""The public-notice desk, the cadre records pages (with the Excel import), notifications and
the diagram renderer (issue 4)."""

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notices.models import Notice, Objection
from records import importing
from records.models import Cadre
from tests import factories as f
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, refresh, start_and_nominate, task_of, to_publish
from webapp import diagram
from workflows import clock, engine
from workflows.models import HumanTask, InstanceStatus, Notification, ProcessDefinition

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")


@pytest.fixture
def world():
    load_world()


def login(client, username):
    client.force_login(person(username))
    return client


def page(response):
    return response.content.decode()


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context and "messages" in response.context else []


# --------------------------------------------------------------------------- notice desk


def publish_form(*tasks, **overrides):
    fields = {
        "tasks": [t.pk for t in tasks],
        "title": "",
        "start_date": "2026-09-28",
        "working_days": "5",
        "contact": "鲁山县委组织部干部股 0375-5012345",
        **overrides,
    }
    return {"process": "merit_citation", **{f"merit_citation-{k}": v for k, v in fields.items()}}


def test_notice_desk_is_for_publicity_officers_and_reviewers(client, world):
    assert login(client, "ls_qt_jbr").get(reverse("notices")).status_code == 403
    assert login(client, "ls_qt_jbr").post(reverse("notices"), publish_form()).status_code == 403
    assert login(client, "ls_gs").get(reverse("notices")).status_code == 200
    assert login(client, "ls_sh").get(reverse("notices")).status_code == 200


def test_invalid_publish_shows_errors_and_publishes_nothing(client, world):
    with clock.frozen_at(MONDAY):
        case = to_publish(cadre(QT_CLEAN[0]))
        publish = task_of(case, "Task_publish")
        login(client, "ls_gs")
        response = client.post(reverse("notices"), publish_form(publish, contact="", working_days="3", start_date="2026-09-01"))
        body = page(response)
        assert response.status_code == 200
        assert "公示期不得少于5个工作日" in body or "确保该值大于或等于5" in body
        assert "公示开始日期不能早于今天" in body
        assert "请至少选择一个案件" in page(client.post(reverse("notices"), publish_form()))
        assert 'id="id_merit_citation-contact_errors"' in body
    assert not Notice.objects.exists() and HumanTask.objects.filter(pk=publish.pk).exists()


def test_publish_a_batch_notice_then_a_second_click_gets_a_clear_message(client, world):
    with clock.frozen_at(MONDAY):
        first = to_publish(cadre(QT_CLEAN[0]))
        second = to_publish(cadre(QT_CLEAN[1]))
        tasks = [task_of(first, "Task_publish"), task_of(second, "Task_publish")]
        login(client, "ls_gs")
        desk = page(client.get(reverse("notices")))
        assert first.business_key in desk and second.business_key in desk
        response = client.post(reverse("notices"), publish_form(*tasks), follow=True)
        assert any("已发布" in m and "共2个案件" in m for m in messages_of(response))
        notice = Notice.objects.get()
        assert set(notice.cases.values_list("pk", flat=True)) == {first.pk, second.pk}
        assert notice.end_date.isoformat() == "2026-10-09"  # 28–30 Sept, then 8–9 Oct after the National Day holiday
        assert refresh(first).status == InstanceStatus.WAITING
        again = client.post(reverse("notices"), publish_form(*tasks), follow=True)
        assert any("已发布公示或已被他人处理" in m for m in messages_of(again))
        assert Notice.objects.count() == 1
        body = page(again)
        assert "公示中" in body and reverse("documents:download", args=[notice.document_id]) in body


def test_record_an_objection_on_the_desk_and_follow_its_verification(client, world):
    with clock.frozen_at(MONDAY):
        case = to_publish(cadre(QT_CLEAN[0]))
        login(client, "ls_gs").post(reverse("notices"), publish_form(task_of(case, "Task_publish")))
    with clock.frozen_at(at("2026-09-30 10:00")):
        empty = client.post(reverse("notice_objection"), {"case": case.pk, f"c{case.pk}-content": ""})
        assert empty.status_code == 200 and "这个字段是必填项" in page(empty) or "必填" in page(empty)
        assert not Objection.objects.exists()
        response = client.post(
            reverse("notice_objection"),
            {"case": case.pk, f"c{case.pk}-content": "反映其在防汛中虚报转移人数", f"c{case.pk}-contact": ""},
            follow=True,
        )
        assert any("已登记" in m for m in messages_of(response))
        objection = Objection.objects.get()
        assert objection.recorded_by == person("ls_gs") and objection.notice is not None
        verify = task_of(case, "Task_verify")
        assert "待核查" in page(response) and "异议核查" in page(response)
        body = page(login(client, "ls_sh").get(reverse("task", args=[case.pk, verify.pk])))
        assert "待核查的异议" in body and "反映其在防汛中虚报转移人数" in body
        # The reviewer's desk links the case, the step they hold and the notice's PDF.
        desk = page(client.get(reverse("notices")))
        notice = objection.notice
        for url in (
            reverse("case", args=[case.pk]),
            reverse("task", args=[case.pk, verify.pk]),
            reverse("documents:download", args=[notice.document_id]),
        ):
            assert f'href="{url}"' in desk, url
        # Another county's officer cannot record objections on this case.
        stranger = login(client, "bf_gs").post(reverse("notice_objection"), {"case": case.pk, f"c{case.pk}-content": "x"})
        assert stranger.status_code == 404
    assert Objection.objects.count() == 1


def test_each_running_notices_row_has_its_own_objection_fields(client, world):
    """The blank 登记异议 fields are rendered once a page and given each case's prefix: every row
    carries exactly what ObjectionForm(prefix=c<id>) renders for its case (names, ids, labels),
    which is what the objection view reads back; a refused form is shown with its errors."""
    from django.template.loader import render_to_string

    from webapp.forms import ObjectionForm

    with clock.frozen_at(MONDAY):
        cases = [to_publish(cadre(name)) for name in QT_CLEAN[:2]]
        login(client, "ls_gs").post(reverse("notices"), publish_form(*[task_of(c, "Task_publish") for c in cases]))
    with clock.frozen_at(at("2026-09-30 10:00")):
        desk = client.get(reverse("notices"))
        body = page(desk)
        assert [t.name for t in desk.templates].count("webapp/_objection_fields.html") == 1  # once, not once a row
        for case in cases:
            own = render_to_string("webapp/_objection_fields.html", {"form": ObjectionForm(prefix=f"c{case.pk}")})
            assert own in body
            assert f'name="c{case.pk}-content"' in own and f'id="id_c{case.pk}-content"' in own
        assert "c0objection0" not in body
        refused = page(client.post(reverse("notice_objection"), {"case": cases[0].pk, f"c{cases[0].pk}-content": ""}))
        assert 'aria-invalid="true"' in refused and f'id="id_c{cases[0].pk}-content_errors"' in refused
        assert render_to_string("webapp/_objection_fields.html", {"form": ObjectionForm(prefix=f"c{cases[1].pk}")}) in refused


def test_publish_step_is_done_on_the_desk_not_on_the_task_page(client, world):
    with clock.frozen_at(MONDAY):
        case = to_publish(cadre(QT_CLEAN[0]))
    publish = task_of(case, "Task_publish")
    login(client, "ls_gs")
    body = page(client.get(reverse("task", args=[case.pk, publish.pk])))
    assert "前往公示管理" in body and 'name="action"' not in body
    response = client.post(reverse("task", args=[case.pk, publish.pk]), {"notice_start": "2026-09-28"})
    assert response.status_code == 302 and response["Location"] == reverse("notices")
    assert HumanTask.objects.filter(pk=publish.pk).exists()


# --------------------------------------------------------------------------- records


def test_cadre_list_and_detail_show_only_my_units(client, world):
    mine, theirs = cadre(QT_CLEAN[0]), Cadre.objects.filter(unit__code="HA-PDS-BF-TL").first()
    login(client, "ls_qt_jbr")
    body = page(client.get(reverse("records"), {"q": mine.name}))
    assert reverse("cadre", args=[mine.pk]) in body
    assert reverse("cadre", args=[theirs.pk]) not in page(client.get(reverse("records"), {"q": theirs.name}))
    assert client.get(reverse("cadre", args=[mine.pk])).status_code == 200
    assert client.get(reverse("cadre", args=[theirs.pk])).status_code == 404
    detail = page(client.get(reverse("cadre", args=[mine.pk])))
    assert "年度考核" in detail and "职务晋升" in detail and "挂职锻炼" in detail


def test_cadre_detail_lists_the_cases_about_the_cadre(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    body = page(login(client, "ls_qt_jbr").get(reverse("cadre", args=[case.subject_cadre_id])))
    assert case.business_key in body and "单位集体研究" in body


def workbook(rows):
    book = openpyxl.load_workbook(io.BytesIO(importing.build_template(importing.CADRES)))
    sheet = book[importing.CADRE_SHEET_TITLE]
    for index, row in enumerate(rows, start=2):  # the template pre-formats 1000 rows: write below the header
        for column, value in enumerate(row, start=1):
            sheet.cell(row=index, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(
        "cadres.xlsx", buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def id_number(first17):
    return first17 + importing.id_check_digit(first17)


def cadre_row(name, id17, unit_code):
    return [
        name,
        id_number(id17),
        "男",
        "1990-05-01",
        "汉族",
        "河南鲁山",
        "中共党员",
        "2012-06-01",
        "2013-07-01",
        "大学本科",
        "科员",
        "其他人员",
        unit_code,
        "",
    ]


def test_import_for_my_unit_creates_cadres(client, world):
    login(client, "ls_qt_jbr")
    response = client.post(
        reverse("records_import"), {"kind": "cadres", "file": workbook([cadre_row("导入甲", "41042319900501001", "HA-PDS-LS-QT")])}
    )
    assert response.status_code == 200 and "导入完成" in page(response)
    assert Cadre.objects.get(name="导入甲").unit.code == "HA-PDS-LS-QT"


def test_import_with_a_row_of_another_unit_imports_nothing(client, world):
    login(client, "ls_qt_jbr")
    response = client.post(
        reverse("records_import"),
        {
            "kind": "cadres",
            "file": workbook(
                [
                    cadre_row("导入乙", "41042319900501002", "HA-PDS-LS-QT"),
                    cadre_row("导入丙", "41042119900501003", "HA-PDS-BF-TL"),
                ]
            ),
        },
    )
    body = page(response)
    assert "不属于您所管单位" in body and "导入丙" in body
    assert not Cadre.objects.filter(name__in=["导入乙", "导入丙"]).exists()
    # Updating (or moving) a cadre of another unit by their 身份证号 is refused the same way.
    theirs = Cadre.objects.filter(unit__code="HA-PDS-BF-TL").exclude(id_number=None).first()
    row = cadre_row("改名", theirs.id_number[:17], "HA-PDS-LS-QT")
    response = client.post(reverse("records_import"), {"kind": "cadres", "file": workbook([row])})
    assert "不属于您所管单位" in page(response)
    theirs.refresh_from_db()
    assert theirs.unit.code == "HA-PDS-BF-TL" and theirs.name != "改名"


def test_import_errors_are_reported_per_row_and_nothing_is_written(client, world):
    login(client, "ls_qt_jbr")
    bad = cadre_row("导入丁", "41042319900501004", "HA-PDS-LS-QT")
    bad[1] = "123"
    response = client.post(reverse("records_import"), {"kind": "cadres", "file": workbook([bad])})
    body = page(response)
    assert "未导入任何数据" in body and "身份证号" in body and re.search(r"<td>2</td>", body)
    assert not Cadre.objects.filter(name="导入丁").exists()
    response = client.post(reverse("records_import"), {"kind": "cadres", "file": SimpleUploadedFile("x.txt", b"hello")})
    assert 'id="id_file_errors"' in page(response)


def test_import_is_for_record_keepers_only(client, world):
    assert login(client, "ls_jw").get(reverse("records_import")).status_code == 403
    assert login(client, "ls_jw").get(reverse("records_import_template")).status_code == 403
    response = login(client, "ls_qt_jbr").get(reverse("records_import_template"))
    assert response.status_code == 200 and response.content[:2] == b"PK"


# --------------------------------------------------------------------------- notifications


def test_bell_counts_unread_and_opening_one_marks_it_read_and_goes_to_the_task(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    leader = person("ls_qt_ld")
    note = Notification.objects.filter(user=leader, instance=case).latest("id")
    login(client, "ls_qt_ld")
    unread = Notification.objects.filter(user=leader, read_at=None).count()
    assert re.search(rf'<span class="count"[^>]*>{unread}</span>', page(client.get("/")))
    assert case.business_key in page(client.get(reverse("notifications")))
    response = client.post(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == reverse("task", args=[case.pk, task_of(case, "Task_unit_decision").pk])
    note.refresh_from_db()
    assert note.read_at is not None
    other = f.user("nobody")
    client.force_login(other)
    assert client.post(reverse("notification_open", args=[note.pk])).status_code == 404
    login(client, "ls_qt_ld").post(reverse("notifications_read_all"))
    assert not Notification.objects.filter(user=leader, read_at=None).exists()


# --------------------------------------------------------------------------- diagram


def test_diagram_is_drawn_from_the_bpmn_layout(world):
    definition = ProcessDefinition.latest("merit_citation")
    parsed = diagram.diagram_for(definition)
    assert len(parsed.lanes) == 6 and len(parsed.pools) == 1
    assert parsed.nodes["Task_nominate"].kind == "userTask" and parsed.nodes["Timer_notice"].event_kind == "timer"
    assert parsed.nodes["Gateway_notice"].kind == "eventBasedGateway"
    svg = diagram.render_svg(parsed)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="lane"') == 6 and "公示经办人" in svg and "审批机关" in svg
    assert svg.count("<polyline") == len(parsed.edges) and 'marker-end="url(#bpmn-arrow)"' in svg
    assert "发文并记入档案" in svg and "不符合条件，退回推荐" in svg  # names wrap inside their shapes
    assert ' class="node' in svg and "done" not in re.findall(r'class="node ([^"]*)"', svg)


def test_diagram_progress_marks_done_current_and_taken(world):
    with clock.frozen_at(MONDAY):
        case = to_publish(cadre(QT_CLEAN[0]))
    definition = case.definition
    parsed = diagram.diagram_for(definition)
    progress = diagram.progress_of(parsed, engine.load_workflow(definition, refresh(case).state))
    assert {"StartEvent_nominate", "Task_nominate", "Task_unit_decision", "Rule_eligibility", "Task_review"} <= progress.done
    assert progress.current == {"Task_publish"}
    assert {"Flow_start", "Flow_eligible_yes", "Flow_review_approve"} <= progress.taken
    assert "Flow_eligible_no" not in progress.taken and "Flow_review_reject" not in progress.taken
    assert "Task_approve" not in progress.done


def test_diagram_escapes_names_and_reports_a_missing_layout():
    source = (
        '<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
        '<bpmn:process id="p"><bpmn:task id="t" name="&lt;b&gt;"/></bpmn:process></bpmn:definitions>'
    )
    with pytest.raises(diagram.DiagramUnavailable):
        diagram.parse({"p.bpmn": source}, "p")
    with pytest.raises(diagram.DiagramUnavailable):
        diagram.parse({"p.bpmn": source}, "other")


def test_the_desk_accepts_the_length_the_notice_rule_allows(client, world):
    """DOMAIN.md §1.3 item 4 (notice length per process, an admin table): the desk's own field no
    longer caps at 30 — the rule in force decides, here raised to 40 working days."""
    from notices.models import NoticeRule

    rule = NoticeRule.objects.get(process_id="merit_citation")
    with clock.frozen_at(MONDAY):
        case = to_publish(cadre(QT_CLEAN[0]))
        publish = task_of(case, "Task_publish")
        login(client, "ls_gs")
        refused = page(client.post(reverse("notices"), publish_form(publish, working_days="35")))
        assert f"公示期不得超过{rule.maximum_working_days}个工作日" in refused
        rule.maximum_working_days = 40
        rule.save()
        response = client.post(reverse("notices"), publish_form(publish, working_days="35"))
    assert response.status_code == 302
    assert Notice.objects.get().working_days == 35
