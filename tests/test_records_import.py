"""Excel import of cadres and annual assessment results (records/importing.py).

The workbooks are generated here with openpyxl, so no binary fixtures are committed.
"""

import datetime
import io

import openpyxl
import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from permissions.models import Unit, UnitKind, UnitLevel
from records import importing
from records.models import AnnualAssessment, AssessmentGrade, Cadre, ExcellentShareLimit, RankLevel, Sex

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def excellent_share_not_under_test(db):
    """These tests are about reading the file. Their units have one or two cadres, where the 20%
    优秀 share (DOMAIN.md §2) allows none; the share is data, so it is lifted here and tested with
    its real values in tests/test_assessment_rules.py."""
    ExcellentShareLimit.objects.update(share=100, special_share=100)


CADRE_HEADERS = [
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "民族",
    "籍贯",
    "政治面貌",
    "入党时间",
    "参加工作时间",
    "学历",
    "现任职务",
    "职级层次",
    "单位代码",
    "任现职级时间",
    "试用期满日期",
]
ASSESSMENT_HEADERS = ["身份证号", "年度", "考核等次"]


def make_id(n, male=True):
    """A distinct, valid 18-digit id number (GB 11643 check digit) for every n < 400,000."""
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=n // 400)
    sequence = (n % 400) * 2 + (1 if male else 0)  # the 17th digit is odd for men
    first17 = f"410102{birth:%Y%m%d}{sequence:03d}"
    return first17 + importing.id_check_digit(first17)


def cadre_row(n, unit_code="PDS-ZZB", **overrides):
    row = {
        "姓名": f"干部{n}",
        "身份证号": make_id(n),
        "性别": "男",
        "出生日期": "1980-05-06",
        "民族": "汉族",
        "籍贯": "河南平顶山",
        "政治面貌": "中共党员",
        "入党时间": "2003.07",
        "参加工作时间": "200207",
        "学历": "大学",
        "现任职务": "科员",
        "职级层次": "乡科级副职",
        "单位代码": unit_code,
        "任现职级时间": datetime.datetime(2019, 3, 1),
        "试用期满日期": None,
    }
    row.update(overrides)
    return row


def write_workbook(cadres=None, assessments=None, cadre_headers=CADRE_HEADERS, path=None, title_rows=()):
    """An .xlsx with a 干部信息 sheet (if ``cadres`` is not None) and a 年度考核结果 sheet."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    if cadres is not None:
        sheet = workbook.create_sheet("干部信息")
        for title in title_rows:
            sheet.append([title])
        sheet.append(cadre_headers)
        for row in cadres:
            sheet.append([row.get(h) for h in cadre_headers])
    if assessments is not None:
        sheet = workbook.create_sheet("年度考核结果")
        sheet.append(ASSESSMENT_HEADERS)
        for row in assessments:
            sheet.append(list(row))
    if path is not None:
        workbook.save(path)
        return path
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


@pytest.fixture
def units():
    city = Unit.objects.create(name="平顶山市委", code="PDS", level=UnitLevel.CITY, kind=UnitKind.PARTY_COMMITTEE)
    org = Unit.objects.create(name="市委组织部", code="PDS-ZZB", parent=city, level=UnitLevel.CITY, kind=UnitKind.ORGANISATION_DEPT)
    county = Unit.objects.create(name="叶县县委", code="YX", parent=city, level=UnitLevel.COUNTY, kind=UnitKind.PARTY_COMMITTEE)
    return {"city": city, "org": org, "county": county}


def error_cells(report):
    return sorted((e.sheet, e.row, e.column) for e in report.errors)


# --------------------------------------------------------------------------- valid files


def test_valid_workbook_imports_cadres_and_their_assessments(units):
    """DOMAIN.md §8.2 (任免审批表 fields) and §2 (annual grades): a valid workbook creates every
    cadre with Chinese labels mapped to codes, and their assessment results, in one go."""
    cadres = [
        cadre_row(1),
        cadre_row(
            2,
            unit_code="YX",
            性别="女",
            职级层次="县处级正职",
            出生日期=datetime.datetime(1975, 12, 31),
            入党时间=None,
            任现职级时间="2021.10",
        ),
        cadre_row(3, 姓名="欧阳　明", 职级层次="其他人员", 参加工作时间="2001-09-01", 任现职级时间=None),
    ]
    assessments = [
        (make_id(1), 2022, "优秀"),
        (make_id(1), 2023, "称职"),
        (make_id(2), "2023", "基本称职"),
        (make_id(3), 2023, "不定等次"),
    ]
    report = importing.import_cadres(write_workbook(cadres, assessments))

    assert report.ok, report.errors
    assert (report.created, report.updated) == (3, 0)
    assert (report.assessments_created, report.assessments_updated) == (4, 0)
    assert Cadre.objects.count() == 3

    first = Cadre.objects.get(id_number=make_id(1))
    assert first.name == "干部1"
    assert first.sex == Sex.MALE
    assert first.rank_level == RankLevel.TOWNSHIP_DEPUTY
    assert first.unit == units["org"]
    assert first.birth_date == datetime.date(1980, 5, 6)
    assert first.party_join_date == datetime.date(2003, 7, 1)  # "2003.07"
    assert first.work_start_date == datetime.date(2002, 7, 1)  # "200207"
    assert first.current_rank_since == datetime.date(2019, 3, 1)  # an Excel date cell
    assert first.full_time_education == "大学"
    assert dict(first.assessments.values_list("year", "grade")) == {2022: AssessmentGrade.EXCELLENT, 2023: AssessmentGrade.COMPETENT}

    second = Cadre.objects.get(id_number=make_id(2))
    assert (second.sex, second.rank_level, second.unit) == (Sex.FEMALE, RankLevel.COUNTY_PRINCIPAL, units["county"])
    assert second.birth_date == datetime.date(1975, 12, 31)
    assert second.party_join_date is None
    assert second.current_rank_since == datetime.date(2021, 10, 1)
    assert second.assessments.get().grade == AssessmentGrade.BASIC

    third = Cadre.objects.get(id_number=make_id(3))
    assert third.name == "欧阳明"  # padding spaces inside names are dropped
    assert third.rank_level == RankLevel.NONE
    assert third.assessments.get().grade == AssessmentGrade.NOT_GRADED


def test_header_row_may_sit_below_a_title_line(units):
    """DOMAIN.md §8.2: office files often carry a title above the header row; row numbers in
    the report stay Excel's own."""
    source = write_workbook([cadre_row(1), cadre_row(2, 性别="不详")], title_rows=["平顶山市干部信息表"])
    report = importing.import_cadres(source)
    assert error_cells(report) == [("干部信息", 4, "性别")]


@pytest.mark.parametrize(
    "value, expected",
    [
        (datetime.datetime(2020, 3, 1, 0, 0), datetime.date(2020, 3, 1)),
        (datetime.date(2020, 3, 1), datetime.date(2020, 3, 1)),
        ("2020-03-01", datetime.date(2020, 3, 1)),
        ("2020.03.01", datetime.date(2020, 3, 1)),
        ("2020/3/1", datetime.date(2020, 3, 1)),
        ("20200301", datetime.date(2020, 3, 1)),
        ("2020.03", datetime.date(2020, 3, 1)),
        ("2020-03", datetime.date(2020, 3, 1)),
        ("202003", datetime.date(2020, 3, 1)),
        (202003, datetime.date(2020, 3, 1)),
        ("2020年3月", datetime.date(2020, 3, 1)),
        (2020.03, datetime.date(2020, 3, 1)),
        (2020.1, datetime.date(2020, 10, 1)),  # "2020.10" typed into a number cell
    ],
)
def test_dates_accepted_as_excel_dates_or_text(value, expected):
    """DOMAIN.md §8.2: dates in cadre files are yyyyMM or yyyyMMdd; month-only means the 1st."""
    assert importing.parse_date(value) == expected


@pytest.mark.parametrize("value", ["2020-13-01", "2020-02-30", "20201", "三月", "2020.3.", "1899-12-31", "2999-01-01"])
def test_impossible_dates_are_refused(value):
    """DOMAIN.md §8.2: a date that does not exist or lies in the future is an error, not a guess."""
    with pytest.raises(importing.CellError):
        importing.parse_date(value)


def test_id_numbers_are_checked_and_normalised():
    """DOMAIN.md §8.2 (ShenFenZheng): 18 characters with the GB 11643 check digit; a lower-case x
    is normalised; a number cell that Excel rounded is refused."""
    first17 = "11010519491231002"
    assert importing.id_check_digit(first17) == "X"
    assert importing.parse_id_number(first17 + "x") == first17 + "X"
    numeric = next(make_id(n) for n in range(50) if make_id(n)[-1].isdigit())
    assert importing.parse_id_number(int(numeric)) == numeric  # written as a number by a program
    wrong_check = numeric[:-1] + str((int(numeric[-1]) + 1) % 10)
    for bad in (wrong_check, "41010219801345001X", "12345", float(numeric)):
        with pytest.raises(importing.CellError):
            importing.parse_id_number(bad)


# --------------------------------------------------------------------------- invalid files


BAD_ROWS = {
    # name: (cadre overrides for data row 3 (Excel row 3), assessment rows, expected error cell)
    "bad date": ({"出生日期": "1980-02-30"}, [], ("干部信息", 3, "出生日期")),
    "unknown unit code": ({"单位代码": "NO-SUCH-UNIT"}, [], ("干部信息", 3, "单位代码")),
    "bad rank": ({"职级层次": "处长"}, [], ("干部信息", 3, "职级层次")),
    "missing required": ({"现任职务": None}, [], ("干部信息", 3, "现任职务")),
    "bad id number": ({"身份证号": "410102198005060011"}, [], ("干部信息", 3, "身份证号")),
    "work before birth": ({"参加工作时间": "1970-01-01"}, [], ("干部信息", 3, "参加工作时间")),
    "bad grade": ({}, [(make_id(1), 2023, "良好")], ("年度考核结果", 3, "考核等次")),
    "unknown cadre in assessments": ({}, [(make_id(99), 2023, "优秀")], ("年度考核结果", 3, "身份证号")),
    "bad year": ({}, [(make_id(1), "23年", "优秀")], ("年度考核结果", 3, "年度")),
}


@pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
def test_one_bad_row_imports_nothing_and_names_row_and_column(units, case):
    """DOMAIN.md §8.2, §2: every row is validated; one bad row means nothing is imported, and the
    error names the Excel row and the column."""
    overrides, extra_assessments, expected = BAD_ROWS[case]
    cadres = [cadre_row(0), cadre_row(1, **overrides), cadre_row(2)]
    assessments = [(make_id(0), 2023, "优秀")] + extra_assessments
    report = importing.import_cadres(write_workbook(cadres, assessments))

    assert not report.ok
    assert error_cells(report) == [expected]
    assert all(e.message for e in report.errors)
    assert (report.created, report.updated, report.assessments_created) == (0, 0, 0)
    assert Cadre.objects.count() == 0
    assert AnnualAssessment.objects.count() == 0


def test_all_errors_are_reported_together_with_rows_and_columns(units):
    """DOMAIN.md §8.2, §2: bad date, unknown unit code, duplicate id number in the file and bad
    grade are all reported at once, each with its row number and column; nothing is imported."""
    cadres = [
        cadre_row(1),  # row 2
        cadre_row(2, 出生日期="2021-02-29"),  # row 3: no such day
        cadre_row(3, 单位代码="XX-404"),  # row 4: unknown unit
        cadre_row(4, 身份证号=make_id(1)),  # row 5: duplicates row 2
        cadre_row(5),  # row 6
    ]
    assessments = [
        (make_id(1), 2023, "优秀"),  # row 2
        (make_id(5), 2023, "良好"),  # row 3: not a grade
        (make_id(5), 2022, "称职"),  # row 4
    ]
    report = importing.import_cadres(write_workbook(cadres, assessments))

    assert error_cells(report) == [
        ("干部信息", 3, "出生日期"),
        ("干部信息", 4, "单位代码"),
        ("干部信息", 5, "身份证号"),
        ("年度考核结果", 3, "考核等次"),
    ]
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "第2行" in messages[(5, "身份证号")]
    assert "XX-404" in messages[(4, "单位代码")]
    assert "良好" in messages[(3, "考核等次")] and "优秀" in messages[(3, "考核等次")]
    assert "第3行" in str(report.errors[0]) and "出生日期" in str(report.errors[0])
    assert "未导入" in report.summary()
    assert Cadre.objects.count() == 0
    assert AnnualAssessment.objects.count() == 0


def test_duplicate_assessment_year_in_the_file_is_an_error(units):
    """DOMAIN.md §2: one grade per cadre and year."""
    report = importing.import_cadres(write_workbook([cadre_row(1)], [(make_id(1), 2023, "优秀"), (make_id(1), 2023, "称职")]))
    assert error_cells(report) == [("年度考核结果", 3, "年度")]
    assert Cadre.objects.count() == 0


def test_missing_required_column_is_reported_on_the_header_row(units):
    """DOMAIN.md §8.2: a sheet without a required column is refused as a whole."""
    headers = [h for h in CADRE_HEADERS if h != "出生日期"]
    report = importing.import_cadres(write_workbook([cadre_row(1)], cadre_headers=headers))
    assert error_cells(report) == [("干部信息", 1, "出生日期")]
    assert Cadre.objects.count() == 0


def test_file_without_a_cadre_sheet_or_not_an_excel_file(units):
    """DOMAIN.md §8.2: an unrecognisable upload is reported, never half-read."""
    report = importing.import_cadres(write_workbook(None, [(make_id(1), 2023, "优秀")]))
    assert not report.ok and report.errors[0].row is None and "干部信息" in report.errors[0].message
    report = importing.import_cadres(io.BytesIO(b"not a spreadsheet"))
    assert not report.ok and ".xlsx" in report.errors[0].message
    assert Cadre.objects.count() == 0


def test_failed_import_leaves_existing_cadres_untouched(units):
    """DOMAIN.md §8.2: all or nothing — a valid update row is not applied when another row fails."""
    importing.import_cadres(write_workbook([cadre_row(1)]))
    report = importing.import_cadres(write_workbook([cadre_row(1, 现任职务="副科长"), cadre_row(2, 性别="?")]))
    assert not report.ok
    assert report.updated_rows == []
    assert Cadre.objects.get().current_post == "科员"


# --------------------------------------------------------------------------- re-import


def test_reimport_updates_instead_of_duplicating(units):
    """DOMAIN.md §8.2: a row whose 身份证号 exists updates that cadre (and the report says so);
    an assessment for an existing (cadre, year) updates its grade (§2)."""
    cadres = [cadre_row(n) for n in range(1, 4)]
    first = importing.import_cadres(write_workbook(cadres, [(make_id(1), 2023, "称职")]))
    assert first.ok and first.created == 3

    cadres[0]["现任职务"] = "副科长"
    cadres[0]["单位代码"] = "YX"
    cadres.append(cadre_row(4))
    second = importing.import_cadres(write_workbook(cadres, [(make_id(1), 2023, "优秀"), (make_id(4), 2023, "称职")]))

    assert second.ok, second.errors
    assert (second.created, second.updated) == (1, 3)
    assert (second.assessments_created, second.assessments_updated) == (1, 1)
    assert Cadre.objects.count() == 4
    updated = Cadre.objects.get(id_number=make_id(1))
    assert (updated.current_post, updated.unit) == ("副科长", units["county"])
    assert updated.assessments.get(year=2023).grade == AssessmentGrade.EXCELLENT
    assert AnnualAssessment.objects.count() == 2
    assert [(u.row, u.id_number) for u in second.updated_rows] == [(2, make_id(1)), (3, make_id(2)), (4, make_id(3))]
    assert any("已存在" in line and make_id(1) in line for line in second.updated_lines())
    assert "更新3人" in second.summary()


def test_existing_lower_case_x_id_number_is_matched(units):
    """DOMAIN.md §8.2: an id number typed by hand with a lower-case x is the same person."""
    first17 = "11010519491231002"
    Cadre.objects.create(
        name="老干部",
        id_number=first17 + "x",
        sex=Sex.MALE,
        birth_date=datetime.date(1949, 12, 31),
        work_start_date=datetime.date(1968, 1, 1),
        current_post="调研员",
        unit=units["org"],
    )
    report = importing.import_cadres(write_workbook([cadre_row(1, 身份证号=first17 + "X", 姓名="老干部")]))
    assert report.ok and (report.created, report.updated) == (0, 1)
    assert Cadre.objects.count() == 1


def test_assessment_file_imports_for_existing_cadres(units):
    """DOMAIN.md §2: an assessment-results file (身份证号, 年度, 考核等次) for cadres already on record."""
    importing.import_cadres(write_workbook([cadre_row(1), cadre_row(2)]))
    report = importing.import_assessments(
        write_workbook(None, [(make_id(1), 2022, "优秀"), (make_id(1), 2023, "不称职"), (make_id(2), 2023, "称职")])
    )
    assert report.ok, report.errors
    assert (report.created, report.updated) == (3, 0)
    assert Cadre.objects.get(id_number=make_id(1)).assessments.get(year=2023).grade == AssessmentGrade.INCOMPETENT

    again = importing.import_assessments(write_workbook(None, [(make_id(1), 2023, "基本称职"), (make_id(9), 2023, "优秀")]))
    assert error_cells(again) == [("年度考核结果", 3, "身份证号")]
    assert Cadre.objects.get(id_number=make_id(1)).assessments.get(year=2023).grade == AssessmentGrade.INCOMPETENT


def test_dry_run_validates_without_writing(units):
    """DOMAIN.md §8.2: checking a file must not change the records."""
    report = importing.import_cadres(write_workbook([cadre_row(1)], [(make_id(1), 2023, "优秀")]), dry_run=True)
    assert report.ok and report.created == 1 and report.assessments_created == 1
    assert "仅校验" in report.summary()
    assert Cadre.objects.count() == 0 and AnnualAssessment.objects.count() == 0


def test_five_thousand_rows_import_with_bulk_queries(units, django_assert_max_num_queries):
    """DOMAIN.md §8.2 at city scale: 5,000 cadres and 5,000 results in one transaction, with a
    bounded number of queries (bulk operations)."""
    n = 5000
    source = write_workbook(
        [cadre_row(i, unit_code="YX" if i % 2 else "PDS-ZZB") for i in range(n)],
        [(make_id(i), 2023, "优秀" if i % 5 == 0 else "称职") for i in range(n)],
    )
    # No wall-clock assertion: speed belongs in benchmarks, and a loaded CI machine would flake.
    with django_assert_max_num_queries(300):  # SQLite caps a bulk INSERT at 999 parameters
        report = importing.import_cadres(source)
    assert report.ok, report.errors[:5]
    assert (report.created, report.assessments_created) == (n, n)
    assert Cadre.objects.count() == n and AnnualAssessment.objects.count() == n

    with django_assert_max_num_queries(300):
        report = importing.import_cadres(source)  # all updates this time
    assert report.ok and (report.created, report.updated) == (0, n)


# --------------------------------------------------------------------------- template and command


def test_template_has_the_headers_and_round_trips(units):
    """DOMAIN.md §8.2: the empty template carries exactly the import headers; filled in, it imports."""
    workbook = openpyxl.load_workbook(io.BytesIO(importing.build_template()))
    assert [c.value for c in workbook["干部信息"][1]] == CADRE_HEADERS
    assert [c.value for c in workbook["年度考核结果"][1]][:1] == ["身份证号"]
    assessment_headers = [c.value for c in workbook["年度考核结果"][1]]
    assert set(ASSESSMENT_HEADERS) <= set(assessment_headers)
    row = cadre_row(1)
    workbook["干部信息"].append([row[h] for h in CADRE_HEADERS])
    workbook["年度考核结果"].append([{"身份证号": make_id(1), "年度": 2023, "考核等次": "优秀"}.get(h) for h in assessment_headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = importing.import_cadres(buffer)
    assert report.ok, report.errors
    assert (report.created, report.assessments_created) == (1, 1)

    only = openpyxl.load_workbook(io.BytesIO(importing.build_template(importing.ASSESSMENTS)))
    assert "干部信息" not in only.sheetnames and "年度考核结果" in only.sheetnames


def test_management_command_prints_the_report(units, tmp_path, capsys):
    """DOMAIN.md §8.2: ``import_cadres file.xlsx [--assessments]`` prints the report and fails
    (non-zero) with the row errors when nothing was imported."""
    good = write_workbook([cadre_row(1), cadre_row(2)], path=tmp_path / "cadres.xlsx")
    call_command("import_cadres", str(good))
    assert "新建干部2人" in capsys.readouterr().out

    call_command("import_cadres", str(good))
    out = capsys.readouterr().out
    assert "更新2人" in out and "第2行" in out and "已存在" in out

    results = write_workbook(None, [(make_id(1), 2023, "优秀")], path=tmp_path / "results.xlsx")
    call_command("import_cadres", str(results), "--assessments")
    assert "新增1条" in capsys.readouterr().out
    assert AnnualAssessment.objects.count() == 1

    bad = write_workbook([cadre_row(3, 单位代码="NOPE")], path=tmp_path / "bad.xlsx")
    with pytest.raises(CommandError, match="未导入"):
        call_command("import_cadres", str(bad))
    out = capsys.readouterr().out
    assert "第2行" in out and "单位代码" in out
    assert Cadre.objects.count() == 2

    template = tmp_path / "template.xlsx"
    call_command("import_cadres", "--template", str(template))
    assert [c.value for c in openpyxl.load_workbook(template)["干部信息"][1]] == CADRE_HEADERS


# --------------------------------------------------------------------------- admin page


IMPORT_PERMS = ["add_cadre", "change_cadre", "view_cadre", "add_annualassessment", "change_annualassessment"]


def make_user(username, staff=True, perms=()):
    user = get_user_model().objects.create_user(username, password="x", is_staff=staff)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="records", codename__in=perms))
    return user


def upload(source, name="cadres.xlsx"):
    return SimpleUploadedFile(name, source.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_admin_import_requires_staff_and_permission(client, units):
    """DOMAIN.md §9 (separation of duties): only administrators holding the add/change rights on
    cadre records may import; others are sent to the login page or refused."""
    url = reverse("admin:records_cadre_import")
    assert client.get(url).status_code == 302  # anonymous → login

    client.force_login(make_user("clerk", staff=False, perms=IMPORT_PERMS))
    assert client.get(url).status_code == 302  # not staff → admin login

    client.force_login(make_user("viewer", perms=["view_cadre"]))
    assert client.get(url).status_code == 403
    response = client.post(url, {"kind": "cadres", "file": upload(write_workbook([cadre_row(1)]))})
    assert response.status_code == 403
    assert Cadre.objects.count() == 0
    changelist = client.get(reverse("admin:records_cadre_changelist"))
    assert changelist.status_code == 200 and url not in changelist.content.decode()

    client.force_login(make_user("admin", perms=IMPORT_PERMS))
    changelist = client.get(reverse("admin:records_cadre_changelist")).content.decode()
    assert url in changelist and "从Excel导入" in changelist
    assert client.get(url).status_code == 200


def test_admin_import_shows_row_errors_and_imports_nothing(client, units):
    """DOMAIN.md §8.2: the admin page lists every error with its row and column."""
    client.force_login(make_user("admin", perms=IMPORT_PERMS))
    source = write_workbook([cadre_row(1), cadre_row(2, 出生日期="1980-13-01"), cadre_row(3, 单位代码="NOPE")])
    response = client.post(reverse("admin:records_cadre_import"), {"kind": "cadres", "file": upload(source)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "未导入任何数据" in page
    assert "第3行" in page and "出生日期" in page
    assert "第4行" in page and "单位代码" in page and "NOPE" in page
    assert [(e.row, e.column) for e in response.context["report"].errors] == [(3, "出生日期"), (4, "单位代码")]
    assert Cadre.objects.count() == 0


def test_admin_import_success_redirects_with_report(client, units):
    """DOMAIN.md §8.2: a valid upload imports and reports created/updated in the admin messages."""
    client.force_login(make_user("admin", perms=IMPORT_PERMS))
    url = reverse("admin:records_cadre_import")
    source = write_workbook([cadre_row(1), cadre_row(2)], [(make_id(1), 2023, "优秀")])
    response = client.post(url, {"kind": "cadres", "file": upload(source)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:records_cadre_changelist")
    assert "新建干部2人" in response.content.decode()
    assert Cadre.objects.count() == 2 and AnnualAssessment.objects.count() == 1
    log = LogEntry.objects.filter(content_type__model="cadre")
    assert sorted(log.values_list("object_repr", "action_flag")) == [("干部1（市委组织部）", ADDITION), ("干部2（市委组织部）", ADDITION)]
    assert "cadres.xlsx" in log.first().change_message

    response = client.post(url, {"kind": "cadres", "file": upload(source)}, follow=True)
    assert "更新2人" in response.content.decode() and "已存在" in response.content.decode()
    assert Cadre.objects.count() == 2
    assert LogEntry.objects.filter(action_flag=CHANGE, user__username="admin").count() == 2

    response = client.post(url, {"kind": "cadres", "file": upload(source, "cadres.csv")})
    assert response.status_code == 200 and ".xlsx" in response.content.decode()


def test_admin_template_download(client, units):
    """DOMAIN.md §8.2: the empty template with the headers can be downloaded from the import page."""
    client.force_login(make_user("admin", perms=IMPORT_PERMS))
    page = client.get(reverse("admin:records_cadre_import")).content.decode()
    template_url = reverse("admin:records_cadre_import_template")
    assert template_url in page
    response = client.get(template_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook["干部信息"][1]] == CADRE_HEADERS
    response = client.get(template_url + "?kind=assessments")
    assert "干部信息" not in openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames


@pytest.mark.postgres
def test_import_update_and_rollback_on_postgresql(units):
    """DOMAIN.md §8.2 on the production database: bulk insert, the executemany update of existing
    cadres and assessments, and all-or-nothing on error."""
    cadres = [cadre_row(n, unit_code="YX" if n % 2 else "PDS-ZZB") for n in range(300)]
    results = [(make_id(n), 2023, "称职") for n in range(300)]
    report = importing.import_cadres(write_workbook(cadres, results))
    assert report.ok and (report.created, report.assessments_created) == (300, 300)

    cadres[0]["现任职务"] = "副科长"
    results[0] = (make_id(0), 2023, "优秀")
    report = importing.import_cadres(write_workbook(cadres, results))
    assert report.ok and (report.updated, report.assessments_updated) == (300, 300)
    changed = Cadre.objects.get(id_number=make_id(0))
    assert changed.current_post == "副科长"
    assert changed.assessments.get().grade == AssessmentGrade.EXCELLENT

    cadres[1]["现任职务"] = "科长"
    cadres.append(cadre_row(999, 单位代码="NOPE"))
    report = importing.import_cadres(write_workbook(cadres, results))
    assert error_cells(report) == [("干部信息", 302, "单位代码")]
    assert Cadre.objects.get(id_number=make_id(1)).current_post == "科员"
    assert Cadre.objects.count() == 300


def test_model_field_limits_are_reported_on_their_column(units):
    """DOMAIN.md §8.2: a value longer than the record allows is a row error on its column."""
    report = importing.import_cadres(write_workbook([cadre_row(1, 现任职务="长" * 101)]))
    assert error_cells(report) == [("干部信息", 2, "现任职务")]
    assert Cadre.objects.count() == 0


def test_the_probation_end_is_imported_and_checked(units):
    """Issue 12 "probation_end cannot be imported"; DOMAIN.md §4.2 (no exceptional promotion in a
    probation period): the 试用期满日期 column fills the record the limits read; a date before the
    任现职级时间 is refused with its row and column, and nothing is imported."""
    report = importing.import_cadres(write_workbook([cadre_row(1, 试用期满日期="2027-03-01")]))
    assert report.ok, report.errors
    assert Cadre.objects.get(id_number=make_id(1)).probation_end == datetime.date(2027, 3, 1)
    bad = importing.import_cadres(write_workbook([cadre_row(2, 试用期满日期="2018-03-01")]))
    assert not bad.ok and ("干部信息", 2, "试用期满日期") in error_cells(bad)
    assert not Cadre.objects.filter(id_number=make_id(2)).exists()
