"""Excel import of the records the supervision alerts read (issue 16 items 4 and 8; DOMAIN.md §10):
health checks, training and post history, with good and bad rows. Bad input: a clear translated
error with its row and column, and nothing changed."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from permissions.models import UnitKind, UnitLevel
from records import importing
from records.models import Cadre, HealthCheck, PostHistory, Training
from tests import factories

pytestmark = pytest.mark.django_db


def valid_id(n):
    first17 = f"41042319800101{n:03d}"
    return first17 + importing.id_check_digit(first17)


@pytest.fixture
def people():
    tree = factories.small_tree()
    zhang = factories.cadre("张三", tree["township"], id_number=valid_id(1), birth_date=datetime.date(1980, 1, 1))
    li = factories.cadre("李四", tree["county"], id_number=valid_id(3), birth_date=datetime.date(1980, 1, 1))
    return {**tree, "zhang": zhang, "li": li}


def workbook(title, headers, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


HEALTH = ["身份证号", "姓名", "体检日期", "体检标准", "体检结论", "体检机构"]
TRAINING = ["身份证号", "姓名", "培训班次", "主办单位", "开始日期", "结束日期", "学时", "专业能力专题培训"]
POSTS = ["身份证号", "姓名", "任职单位代码", "职务", "起始日期", "截止日期", "一线艰苦高危岗位"]


def test_health_checks_import_and_update(people):
    """DOMAIN.md §10 "Health checks": dated checks with their standard; the same day updates."""
    rows = [
        [valid_id(1), "张三", "2025-05-10", "提高标准体检", "未见异常", "市人民医院"],
        [valid_id(3), "", "2025.06", "", "", ""],
    ]
    report = importing.import_health_checks(workbook("健康体检", HEALTH, rows))
    assert report.ok, [str(e) for e in report.errors]
    assert (report.created, report.updated) == (2, 0)
    check = HealthCheck.objects.get(cadre=people["zhang"])
    assert (check.date, check.standard, check.result, check.institution) == (datetime.date(2025, 5, 10), "higher", "normal", "市人民医院")
    assert HealthCheck.objects.get(cadre=people["li"]).standard == "ordinary"  # blank: the ordinary standard
    again = importing.import_health_checks(workbook("健康体检", HEALTH, [[valid_id(1), "张三", "2025-05-10", "常规体检", "异常", ""]]))
    assert (again.created, again.updated) == (0, 1)
    assert HealthCheck.objects.get(cadre=people["zhang"]).result == "abnormal"
    assert "健康体检记录新增0条，更新1条" in again.summary()


def test_health_check_bad_rows_import_nothing(people):
    rows = [
        [valid_id(1), "张三", "2025-05-10", "", "", ""],
        [valid_id(2), "", "2025-05-10", "", "", ""],  # no such cadre (and a wrong check digit)
        [valid_id(3), "王五", "2025-05-10", "", "", ""],  # the name does not match
        [valid_id(1), "张三", "2099-01-01", "", "", ""],  # in the future
        [valid_id(1), "张三", "2025-05-11", "特级", "", ""],  # not a standard
        [valid_id(1), "张三", "2025-05-10", "", "", ""],  # the same check twice
    ]
    report = importing.import_health_checks(workbook("健康体检", HEALTH, rows))
    assert not report.ok
    text = [str(e) for e in report.errors]
    assert any("第3行" in t and "身份证号" in t for t in text)
    assert any("第4行" in t and "不一致" in t for t in text)
    assert any("第5行" in t and "晚于今天" in t for t in text)
    assert any("第6行" in t and "体检标准" in t and "可选" in t for t in text)
    assert any("第7行" in t and "第2行" in t for t in text)
    assert "未导入任何数据" in report.summary()
    assert not HealthCheck.objects.exists()


def test_training_import_with_hours_and_the_professional_mark(people):
    """DOMAIN.md §10 "Training" (seed 000 #13): courses with hours and the professional-skills mark."""
    rows = [
        [valid_id(3), "李四", "数字经济专题研讨班", "市委党校", "2026-03-01", "2026-03-05", 32, "是"],
        [valid_id(3), "李四", "理论学习", "", "2026-04-01", "2026-04-01", "7.5学时", ""],
    ]
    report = importing.import_trainings(workbook("教育培训", TRAINING, rows))
    assert report.ok, [str(e) for e in report.errors]
    courses = {t.course: (t.hours, t.professional) for t in Training.objects.filter(cadre=people["li"])}
    assert courses == {"数字经济专题研讨班": (32, True), "理论学习": (7.5, False)}


def test_training_bad_rows_import_nothing(people):
    rows = [
        [valid_id(3), "李四", "专题班", "", "2026-03-05", "2026-03-01", 32, "是"],  # ends before it starts
        [valid_id(3), "李四", "专题班二", "", "2026-03-01", "2026-03-05", "三十", "是"],  # hours not a number
        [valid_id(3), "李四", "专题班三", "", "2026-03-01", "2026-03-05", 0, "是"],  # no hours
        [valid_id(3), "李四", "专题班四", "", "2026-03-01", "2026-03-05", 8, "也许"],  # not 是/否
        [valid_id(3), "李四", "", "", "2026-03-01", "2026-03-05", 8, "是"],  # no course
    ]
    report = importing.import_trainings(workbook("教育培训", TRAINING, rows))
    text = [str(e) for e in report.errors]
    assert any("第2行" in t and "结束日期" in t and "不能早于开始日期" in t for t in text)
    assert any("第3行" in t and "学时" in t and "应为数字" in t for t in text)
    assert any("第4行" in t and "学时" in t and "超出合理范围" in t for t in text)
    assert any("第5行" in t and "应填“是”或“否”" in t for t in text)
    assert any("第6行" in t and "培训班次" in t and "必填项不能为空" in t for t in text)
    assert not Training.objects.exists()


def test_missing_required_column_is_reported(people):
    report = importing.import_trainings(
        workbook("教育培训", ["身份证号", "培训班次", "学时", "开始日期"], [[valid_id(3), "班", 8, "2026-01-01"]])
    )
    assert [str(e) for e in report.errors] == ["［教育培训］第1行“结束日期”列：缺少必填列“结束日期”"]


def test_post_history_sets_the_time_in_current_post(people):
    """DOMAIN.md §10 "Rotation": the open row is the current post, whose start is the time in
    current post; an open row already in the system is closed the day before the new one."""
    township, county = people["township"], people["county"]
    zhang = people["zhang"]
    PostHistory.objects.create(cadre=zhang, post_unit=county, post="科员", start=datetime.date(2008, 7, 1))
    rows = [
        [valid_id(1), "张三", township.code, "副镇长", "2012-03-01", "2018-02-28", ""],
        [valid_id(1), "张三", township.code, "镇长", "2018-03-01", "", "是"],
    ]
    report = importing.import_post_history(workbook("任职经历", POSTS, rows))
    assert report.ok, [str(e) for e in report.errors]
    zhang.refresh_from_db()
    assert zhang.post_since == datetime.date(2018, 3, 1) and zhang.hardship_post
    history = list(PostHistory.objects.filter(cadre=zhang).order_by("start").values_list("post", "end"))
    assert history == [("科员", datetime.date(2018, 2, 28)), ("副镇长", datetime.date(2018, 2, 28)), ("镇长", None)]


def test_post_history_bad_rows_import_nothing(people):
    township = people["township"]
    rows = [
        [valid_id(1), "张三", "NO-SUCH-UNIT", "镇长", "2018-03-01", "", ""],
        [valid_id(3), "李四", township.code, "副镇长", "2012-03-01", "", ""],
        [valid_id(3), "李四", township.code, "镇长", "2018-03-01", "", ""],  # a second current post
        [valid_id(3), "李四", township.code, "科员", "1970-01-01", "1975-01-01", ""],  # before the birth date
    ]
    report = importing.import_post_history(workbook("任职经历", POSTS, rows))
    text = [str(e) for e in report.errors]
    assert any("第2行" in t and "任职单位代码" in t and "不存在" in t for t in text)
    assert any("第4行" in t and "第3行" in t and "现任岗位" in t for t in text)
    assert any("第5行" in t and "不能早于出生日期" in t for t in text)
    assert not PostHistory.objects.exists()
    assert Cadre.objects.get(pk=people["li"].pk).post_since is None


def test_a_cadre_workbook_does_not_take_a_post_history_sheet_for_its_cadres(people):
    """A sheet named 任职经历 is never read as the 干部信息 sheet, whatever its columns."""
    book = openpyxl.Workbook()
    book.active.title = "任职经历"
    book.active.append(["姓名", "身份证号", "单位代码"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = importing.import_cadres(buffer)
    assert "未找到干部信息表" in str(report.errors[0])


def test_templates_and_the_command(people, tmp_path, capsys):
    for kind, title in ((importing.HEALTH_CHECKS, "健康体检"), (importing.TRAININGS, "教育培训"), (importing.POST_HISTORY, "任职经历")):
        book = openpyxl.load_workbook(io.BytesIO(importing.build_template(kind)))
        headers = [c.value for c in book[title][1]]
        assert [c.header for c in importing._COLUMNS[kind]] == headers
    path = tmp_path / "health.xlsx"
    path.write_bytes(workbook("健康体检", HEALTH, [[valid_id(1), "张三", "2025-05-10", "", "", ""]]).getvalue())
    call_command("import_cadres", str(path), "--kind", importing.HEALTH_CHECKS)
    assert "健康体检记录新增1条" in capsys.readouterr().out
    assert HealthCheck.objects.count() == 1


def test_admin_import_of_training(client, people):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("root", password="pw-12345678")
    client.force_login(admin_user)
    upload = workbook("教育培训", TRAINING, [[valid_id(3), "李四", "专题班", "", "2026-03-01", "2026-03-05", 8, "是"]])
    upload.name = "training.xlsx"
    response = client.post(reverse("admin:records_cadre_import"), {"kind": importing.TRAININGS, "file": upload})
    assert response.status_code == 302
    assert Training.objects.get().course == "专题班"
    template = client.get(reverse("admin:records_cadre_import_template") + "?kind=trainings")
    assert template.status_code == 200 and "trainings_import_template.xlsx" in template["Content-Disposition"]


def test_township_units_from_the_tree(people):
    """The township alert reads post history in township-level units (permissions.models.UnitLevel)."""
    assert people["township"].level == UnitLevel.TOWNSHIP and people["township"].kind == UnitKind.TOWNSHIP


def test_the_records_pages_import_and_show_the_supervision_records(people, client):
    """Issue 16 items 4 and 8: the web import page offers the new kinds with their templates, and
    the cadre page shows the post history, health checks and training it reads back."""
    from permissions.roles import Role

    officer = factories.user("officer", (Role.NOMINATOR, people["township"]))
    client.force_login(officer)
    page = client.get(reverse("records_import")).content.decode()
    assert 'value="health_checks"' in page and "?kind=trainings" in page
    template = client.get(reverse("records_import_template") + "?kind=health_checks")
    assert template.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]][:3] == HEALTH[:3]
    upload = workbook("健康体检", HEALTH, [[valid_id(1), "张三", "2025-05-10", "提高标准体检", "未见异常", "市人民医院"]])
    upload.name = "health.xlsx"
    response = client.post(reverse("records_import"), {"kind": "health_checks", "file": upload}, follow=True)
    assert response.status_code == 200 and HealthCheck.objects.filter(cadre=people["zhang"]).exists()
    cadre_page = client.get(reverse("cadre", args=[people["zhang"].pk])).content.decode()
    section = cadre_page[cadre_page.index("cadre-health-checks") :]
    assert "未见异常" in section[: section.index("</section>")]
