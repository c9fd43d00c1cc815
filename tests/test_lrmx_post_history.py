"""The .lrmx 简历 (JianLi) and the post history (issue 16 item 8; DOMAIN.md §8.2 the 任免审批表 format,
§10 "Rotation": time in current post). On import each dated line whose unit is one of the system's
units becomes a ``records.PostHistory`` row and the current (open-ended) line's start the cadre's
``post_since``; a line whose unit is not (a school, another region) stays text only — no unit is
ever made up. On export JianLi is written from the post history. A bad line: a clear error naming
it, and nothing changed."""

import datetime

import pytest
from lxml import etree

from permissions.models import Unit, UnitKind, UnitLevel
from promotions import lrmx
from records import importing
from records.models import Cadre, PostHistory
from tests import factories as f

pytestmark = pytest.mark.django_db

ID = "41042319850501123" + importing.id_check_digit("41042319850501123")
RESUME = "\n".join(
    [
        "2002.09--2006.07　郑州大学法学院法学专业学习",
        "2006.07--2012.05　琴台街道办事员",
        "2012.05--2018.03　城关镇党委副书记",
        "　　　　　　　　（其间：2014.09--2016.07在中共河南省委党校在职研究生班学习）",
        "2018.03--　　　　琴台街道党工委书记",
    ]
)


@pytest.fixture
def tree():
    tree = f.small_tree()
    # A second 城关镇, in 鲁山 (the other is 宝丰's): the name alone does not say which.
    tree["ls_cg"] = f.unit("C-LS-CG", "城关镇", UnitLevel.TOWNSHIP, UnitKind.TOWNSHIP, tree["county"])
    return tree


def person_file(resume, *, name="王䶮", post="琴台街道党工委书记", id_number=ID):
    root = etree.Element("Person")
    for tag, value in [
        ("XingMing", name),
        ("XingBie", "女"),
        ("ChuShengNianYue", "198505"),
        ("MinZu", "汉族"),
        ("CanJiaGongZuoShiJian", "200607"),
        ("XianRenZhiWu", post),
        ("JianLi", resume),
        ("ShenFenZheng", id_number),
    ]:
        etree.SubElement(root, tag).text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def history(cadre):
    return [(r.start, r.end, r.post_unit.code, r.post) for r in PostHistory.objects.filter(cadre=cadre).order_by("start")]


def day(text):
    return datetime.date.fromisoformat(text)


def test_the_resume_becomes_post_history_and_the_current_line_the_time_in_post(tree):
    units = Unit.objects.count()
    cadre = lrmx.import_lrmx(person_file(RESUME), unit=tree["township"])
    cadre.refresh_from_db()
    assert history(cadre) == [
        (day("2006-07-01"), day("2012-05-01"), "C-LS-QT", "办事员"),
        (day("2012-05-01"), day("2018-03-01"), "C-LS-CG", "党委副书记"),  # the 城关镇 nearer 琴台街道
        (day("2018-03-01"), None, "C-LS-QT", "党工委书记"),
    ]
    assert cadre.post_since == day("2018-03-01")  # DOMAIN.md §10 "Rotation": counted from here
    # The study line and the remark stay as written, in the resume only; no unit was made up.
    assert cadre.resume == RESUME and Unit.objects.count() == units


def test_a_line_whose_unit_is_not_in_the_system_or_not_certain_stays_text_only(tree):
    resume = "\n".join(["2006.07--2012.05　汝州市发展和改革委员会科员", "2012.05--　　　　城关镇党委副书记"])
    units = Unit.objects.count()
    # Imported into the city's own unit: both 城关镇 are as near, so neither is guessed.
    cadre = lrmx.import_lrmx(person_file(resume, post="城关镇党委副书记"), unit=tree["city"])
    cadre.refresh_from_db()
    assert history(cadre) == [] and Unit.objects.count() == units
    assert cadre.post_since == day("2012-05-01") and cadre.resume == resume


def test_a_re_import_rebuilds_the_post_history_keeping_the_units_the_record_knows(tree):
    cadre = f.cadre("王䶮", tree["township"], id_number=ID, birth_date=day("1985-05-01"))
    # From the Excel import: a unit the resume names in a way no unit is called.
    PostHistory.objects.create(cadre=cadre, post_unit=tree["other_county"], post="科员", start=day("2006-07-15"), end=day("2012-04-30"))
    PostHistory.objects.create(cadre=cadre, post_unit=tree["county"], post="借调", start=day("2005-01-01"), end=day("2005-06-30"))
    resume = "\n".join(["2006.07--2012.05　宝丰县人民政府办公室科员", "2012.05--　　　　琴台街道党工委副书记"])
    again = lrmx.import_lrmx(person_file(resume, post="琴台街道党工委副书记"), unit=tree["township"])
    assert again.pk == cadre.pk
    # The file is the resume: its months and ends; the line without a known unit keeps the
    # record's unit for that month; a row the resume no longer has is gone.
    assert history(cadre) == [
        (day("2006-07-01"), day("2012-05-01"), "C-BF", "科员"),
        (day("2012-05-01"), None, "C-LS-QT", "党工委副书记"),
    ]
    cadre.refresh_from_db()
    assert cadre.post_since == day("2012-05-01")


def test_a_file_older_than_the_record_is_refused_and_changes_nothing(tree):
    cadre = f.cadre("王䶮", tree["township"], id_number=ID, birth_date=day("1985-05-01"), current_post="琴台街道党工委书记")
    PostHistory.objects.create(cadre=cadre, post_unit=tree["township"], post="党工委副书记", start=day("2012-05-01"), end=day("2019-12-31"))
    PostHistory.objects.create(cadre=cadre, post_unit=tree["township"], post="党工委书记", start=day("2020-01-01"))  # a rotation
    Cadre.objects.filter(pk=cadre.pk).update(post_since=day("2020-01-01"))
    before = history(cadre)
    with pytest.raises(lrmx.LrmxError, match="JianLi（简历）第5行.*2020-01-01.*晚于简历中的现任职务"):
        lrmx.import_lrmx(person_file(RESUME, post="另一职务"), unit=tree["township"])
    cadre.refresh_from_db()
    assert history(cadre) == before and cadre.post_since == day("2020-01-01") and cadre.current_post == "琴台街道党工委书记"


@pytest.mark.parametrize(
    "resume, message",
    [
        ("2006.07--2012.05　琴台街道办事员\n2010.13--2015.03　琴台街道副主任", "第2行：日期“2010.13”不存在"),
        ("2015.03--2010.07　琴台街道办事员", "第1行：截止时间早于起始时间"),
        ("2010.07　琴台街道办事员", "第1行：无法识别“2010.07　琴台街道办事员”的起止时间"),
        ("2006.07--　琴台街道办事员\n2015.03--　琴台街道副主任", "第2行：与第1行都没有截止时间"),
        ("1985.01--1990.01　琴台街道办事员", "第1行：起始时间早于出生年月"),
        ("2006.07--2099.01　琴台街道办事员", "第1行：时间晚于今天"),
    ],
    ids=["no-such-month", "ends-before-start", "no-range", "two-current", "before-birth", "future"],
)
def test_a_bad_line_is_named_and_nothing_changes(tree, resume, message):
    cadre = f.cadre("王䶮", tree["township"], id_number=ID, birth_date=day("1985-05-01"), current_post="琴台街道党工委书记")
    PostHistory.objects.create(cadre=cadre, post_unit=tree["township"], post="党工委书记", start=day("2018-03-01"))
    before = history(cadre), Cadre.objects.count()
    with pytest.raises(lrmx.LrmxError, match=f"JianLi（简历）{message}"):
        lrmx.import_lrmx(person_file(resume, post="另一职务"), unit=tree["township"])
    with pytest.raises(lrmx.LrmxError):
        lrmx.parse_lrmx(person_file(resume))  # parsing alone already refuses it
    cadre.refresh_from_db()
    assert (history(cadre), Cadre.objects.count()) == before
    assert cadre.current_post == "琴台街道党工委书记" and cadre.post_since is None


def test_a_file_without_a_resume_keeps_the_post_history(tree):
    cadre = lrmx.import_lrmx(person_file(RESUME), unit=tree["township"])
    before = history(cadre)
    assert len(before) == 3
    lrmx.import_lrmx(person_file(""), unit=tree["township"])
    cadre.refresh_from_db()
    assert history(cadre) == before and cadre.post_since == day("2018-03-01")


def test_the_export_writes_jianli_from_the_post_history(tree):
    """The rows, each in its month; a resume line that says the same as its row as the official
    wrote it; the lines that are not posts (study, remarks) where they were."""
    cadre = lrmx.import_lrmx(person_file(RESUME), unit=tree["township"])
    # Later, a rotation closes the current post and opens another (rotation.records does this).
    PostHistory.objects.filter(cadre=cadre, end__isnull=True).update(end=day("2024-12-31"))
    PostHistory.objects.create(cadre=cadre, post_unit=tree["ls_cg"], post="党委书记", start=day("2025-01-01"))
    jianli = etree.fromstring(lrmx.export_lrmx(Cadre.objects.get(pk=cadre.pk))).findtext("JianLi")
    assert jianli.split("\n") == [
        "2002.09--2006.07　郑州大学法学院法学专业学习",
        "2006.07--2012.05　琴台街道办事员",
        "2012.05--2018.03　城关镇党委副书记",
        "　　　　　　　　（其间：2014.09--2016.07在中共河南省委党校在职研究生班学习）",
        "2018.03--2024.12　琴台街道党工委书记",
        "2025.01--　　　　城关镇党委书记",
    ]
    # And it reads back into the same post history (to the month: the format has no days).
    content, rows = lrmx.export_lrmx(Cadre.objects.get(pk=cadre.pk)), history(cadre)
    PostHistory.objects.filter(cadre=cadre).delete()
    lrmx.import_lrmx(content, unit=tree["township"])
    assert history(cadre) == [(start.replace(day=1), end.replace(day=1) if end else None, code, post) for start, end, code, post in rows]
    assert Cadre.objects.get(pk=cadre.pk).post_since == day("2025-01-01")
