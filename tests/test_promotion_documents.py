"""Quorum and majority at their boundaries, the .lrmx round trip, the 干部任免审批表 PDF (issue 6)."""

import io

import pytest
from pypdf import PdfReader

from promotions import lrmx, rules
from promotions.forms import MeetingForm
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("should, present, quorate", [(9, 6, True), (9, 5, False), (10, 7, True), (10, 6, False), (3, 2, True)])
def test_quorum_two_thirds_of_those_who_should_attend(should, present, quorate):
    """DOMAIN.md §4.3 step 5: at least 2/3 of members present (9 should attend: 6 is enough, 5 is not)."""
    assert rules.is_quorate(should, present) is quorate


@pytest.mark.parametrize("should, votes, adopted", [(9, 5, True), (9, 4, False), (10, 6, True), (10, 5, False)])
def test_majority_of_those_who_should_attend(should, votes, adopted):
    """DOMAIN.md §4.3 step 5: adopted when more than half of those who should attend vote yes (9: 5 pass, 4 do not)."""
    assert rules.is_adopted(should, votes) is adopted


def meeting_form(**values):
    data = {
        "meeting_date": "2026-09-28",
        "should_attend": 9,
        "present": 6,
        "votes_for": 5,
        "votes_against": 1,
        "abstentions": 0,
        "circumstances_explained": True,
        "opinion": "",
        **values,
    }
    return MeetingForm(data)


def test_meeting_without_quorum_cannot_decide():
    form = meeting_form(present=5, votes_for=5, votes_against=0)
    assert not form.is_valid() and "present" in form.errors
    assert meeting_form().is_valid()


def test_meeting_must_have_explained_the_circumstances():
    """DOMAIN.md §4.3 step 5: the exceptional circumstances and the higher department's opinion must be explained."""
    form = meeting_form(circumstances_explained=False)
    assert not form.is_valid() and "circumstances_explained" in form.errors


def test_meeting_votes_cannot_exceed_those_present():
    assert not meeting_form(votes_for=5, votes_against=2).is_valid()


def test_adoption_is_computed_from_those_who_should_attend():
    form = meeting_form(present=8, votes_for=4, votes_against=4)
    assert form.is_valid() and form.task_payload()["meeting_adopted"] is False
    form = meeting_form(present=6, votes_for=5, votes_against=1)
    assert form.is_valid() and form.task_payload()["meeting_adopted"] is True


@pytest.fixture
def subject():
    tree = f.small_tree()
    person = f.cadre(
        "王䶮",
        tree["township"],
        id_number="410423198912254396",
        ethnicity="回族",
        native_place="河南鲁山",
        birth_place="河南鲁山",
        full_time_education="大学本科",
        full_time_school="郑州大学法学院法学专业",
        current_post="琴台街道党工委副书记",
        resume="2008.07—2012.06 鲁山县琴台街道办事员\n2012.06— 琴台街道党工委副书记",
    )
    import datetime

    from records.models import FamilyMember

    FamilyMember.objects.create(
        cadre=person,
        relation="妻子",
        name="李堃",
        birth_date=datetime.date(1990, 3, 1),
        political_status="中共党员",
        work_unit_and_post="鲁山县第一中学教师",
    )
    return person, tree


def test_lrmx_round_trip(subject):
    """DOMAIN.md §8.2: export → import → the same fields."""
    person, tree = subject
    content = lrmx.export_lrmx(person, proposed_post="琴台街道党工委书记", reason="破格提拔")
    assert b"<XingMing>" in content and "王䶮".encode() in content
    fields, family = lrmx.parse_lrmx(content)
    person.family.all().delete()
    person.delete()
    imported = lrmx.import_lrmx(content, unit=tree["township"])
    for name in (
        "name",
        "sex",
        "ethnicity",
        "native_place",
        "birth_place",
        "full_time_education",
        "full_time_school",
        "current_post",
        "resume",
        "id_number",
    ):
        assert getattr(imported, name) == fields[name]
    assert imported.name == "王䶮" and imported.birth_date.strftime("%Y%m") == "198505"
    assert [(m.relation, m.name, m.political_status) for m in imported.family.all()] == [("妻子", "李堃", "中共党员")]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"<Person><XingMing>x</XingMing>", "XML"),
        (b"<Ren/>", "Person"),
        (
            "<Person><XingMing>张三</XingMing><XingBie>男</XingBie><ChuShengNianYue>1985-13</ChuShengNianYue>"
            "<CanJiaGongZuoShiJian>200807</CanJiaGongZuoShiJian><XianRenZhiWu>科员</XianRenZhiWu></Person>".encode(),
            "ChuShengNianYue",
        ),
        (
            "<Person><XingMing>张三</XingMing><XingBie>男</XingBie><ChuShengNianYue>198505</ChuShengNianYue>"
            "<CanJiaGongZuoShiJian>200807</CanJiaGongZuoShiJian></Person>".encode(),
            "XianRenZhiWu",
        ),
    ],
)
def test_malformed_lrmx_gives_a_clear_error_and_changes_nothing(subject, content, message):
    from records.models import Cadre

    person, tree = subject
    before = Cadre.objects.count()
    with pytest.raises(lrmx.LrmxError, match=message):
        lrmx.import_lrmx(content, unit=tree["township"])
    assert Cadre.objects.count() == before
    person.refresh_from_db()
    assert person.current_post == "琴台街道党工委副书记"


def test_appointment_form_pdf_has_both_pages_with_the_cadres_data(subject, artifacts_dir):
    """DOMAIN.md §8.2: the 干部任免审批表 has two pages: personal data and 简历, then rewards,
    assessments, reasons, family and opinions."""
    import datetime

    from documents.rendering import render
    from promotions.contexts import appointment_form_context

    person, tree = subject
    rendered = render(
        "documents/cadre_appointment_form.html",
        appointment_form_context(
            person,
            as_of=datetime.date(2026, 10, 12),
            proposed_post="琴台街道党工委书记",
            proposed_removal="琴台街道党工委副书记",
            reason="破格提拔：在急难险重任务中作出重大贡献",
            reporting_unit="中共鲁山县委组织部",
            filled_by="李雪悦",
        ),
    )
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert len(reader.pages) == 2
    # Narrow label cells wrap, so compare without line breaks.
    first, second = (page.extract_text().replace("\n", "") for page in reader.pages)
    assert "干部任免审批表" in first and "王䶮" in first and "郑州大学法学院法学专业" in first and "简历" in first
    assert "称谓" in second and "李堃" in second and "任免理由" in second and "审批机关意见" in second
    (artifacts_dir / "documents").mkdir(exist_ok=True)
    try:
        import pypdfium2

        pypdfium2.PdfDocument(rendered.pdf)[0].render(scale=1.5).to_pil().save(artifacts_dir / "documents" / "appointment_form-page1.png")
    except ImportError:
        pass
