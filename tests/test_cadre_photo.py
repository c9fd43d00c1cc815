"""The cadre's ID photo (issue 14 item 4): uploaded in the admin, printed in the 照片 cell of the
干部任免审批表, carried as base64 ZhaoPian in .lrmx — and every other element of the format
round-trips (DOMAIN.md §8.2)."""

import base64
import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from lxml import etree
from PIL import Image
from pypdf import PdfReader

from promotions import lrmx
from promotions.contexts import appointment_form_context
from records.models import PHOTO_MAX_BYTES, AnnualAssessment, Cadre, FamilyMember, Sex
from tests import factories as f

pytestmark = pytest.mark.django_db

INLINES = ("family", "assessments", "sanctions", "investigations", "awards", "promotions", "secondments")


def picture(kind="JPEG", size=(250, 350), colour=(40, 90, 160)):
    """A small ID-photo-shaped picture (一寸: 25 × 35)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, kind)
    return buffer.getvalue()


@pytest.fixture
def tree():
    return f.small_tree()


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", password="x")


def cadre_form_data(unit, **values):
    data = {
        "name": "王五",
        "sex": Sex.MALE,
        "birth_date": "1980-01-01",
        "ethnicity": "汉族",
        "political_status": "中共党员",
        "work_start_date": "2002-07-01",
        "current_post": "科员",
        "rank_level": "none",
        "unit": unit.pk,
        "health": "健康",
        **values,
    }
    for prefix in INLINES:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


def test_admin_uploads_shows_replaces_and_removes_the_photo(client, superuser, tree):
    """The cadre page takes a JPEG or PNG photo, shows it as a thumbnail, and replaces it on a new upload."""
    client.force_login(superuser)
    jpeg, png = picture("JPEG"), picture("PNG", colour=(200, 30, 30))
    response = client.post(
        reverse("admin:records_cadre_add"),
        cadre_form_data(tree["township"], photo_file=SimpleUploadedFile("photo.bin", jpeg)),  # recognised by content, not name
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    cadre = Cadre.objects.get()
    assert bytes(cadre.photo) == jpeg and cadre.photo_content_type == "image/jpeg"

    change = reverse("admin:records_cadre_change", args=[cadre.pk])
    page = client.get(change).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "data:image/jpeg;base64," + base64.b64encode(jpeg).decode() in page

    response = client.post(change, cadre_form_data(tree["township"], photo_file=SimpleUploadedFile("new.png", png)))
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert bytes(cadre.photo) == png and cadre.photo_content_type == "image/png"

    response = client.post(change, cadre_form_data(tree["township"], current_post="副科长"))  # no file: the photo stays
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert cadre.current_post == "副科长" and bytes(cadre.photo) == png

    response = client.post(change, cadre_form_data(tree["township"], photo_clear="on"))
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert not cadre.photo and cadre.photo_content_type == ""
    assert "无照片" in client.get(change).content.decode()
    assert client.get(reverse("admin:records_cadre_changelist")).status_code == 200


@pytest.mark.parametrize(
    "content, message",
    [
        (b"%PDF-1.4\n%fake\n", "JPEG或PNG"),
        (b"GIF89a" + b"\x00" * 100, "JPEG或PNG"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * PHOTO_MAX_BYTES, "不能超过2MB"),
    ],
    ids=["pdf", "gif", "too-large"],
)
def test_admin_refuses_a_photo_that_is_not_a_jpeg_or_png_or_too_large(client, superuser, tree, content, message):
    client.force_login(superuser)
    cadre = f.cadre("王五", tree["township"], photo=picture(), photo_content_type="image/jpeg")
    before = bytes(cadre.photo)
    change = reverse("admin:records_cadre_change", args=[cadre.pk])
    data = cadre_form_data(tree["township"], current_post="副科长", photo_file=SimpleUploadedFile("x.jpg", content))
    response = client.post(change, data)
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors["photo_file"])
    cadre.refresh_from_db()
    assert bytes(cadre.photo) == before and cadre.current_post == "科员"


def render_form(cadre):
    from documents.rendering import render

    context = appointment_form_context(cadre, as_of=datetime.date(2026, 10, 12), proposed_post="琴台街道党工委书记", reason="破格提拔")
    return render("documents/cadre_appointment_form.html", context).pdf


def page_images(page):
    resources = page["/Resources"]
    xobjects = resources.get("/XObject")
    if xobjects is None:
        return []
    xobjects = xobjects.get_object()
    return [name for name in xobjects if xobjects[name].get_object().get("/Subtype") == "/Image"]


def test_appointment_form_prints_the_photo_in_its_cell(tree, artifacts_dir):
    """The 照片 cell holds the photo at 25 × 35 mm; the form keeps its two pages."""
    import pdfplumber

    cadre = f.cadre("王䶮", tree["township"], photo=picture("JPEG", (295, 413)), photo_content_type="image/jpeg")
    pdf = render_form(cadre)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    assert page_images(reader.pages[0])
    assert "照片" not in reader.pages[0].extract_text().replace("\n", "")  # the placeholder word gives way to the picture
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        (image,) = document.pages[0].images  # drawn once, on page 1 (the pages share their resources)
        assert not document.pages[1].images
        mm = 72 / 25.4
        assert image["x1"] - image["x0"] == pytest.approx(25 * mm, abs=1)
        assert image["bottom"] - image["top"] == pytest.approx(35 * mm, abs=1)
        assert image["x1"] > document.pages[0].width * 0.7 and image["top"] < document.pages[0].height * 0.3  # top right, the 照片 cell
    (artifacts_dir / "documents").mkdir(exist_ok=True)
    import pypdfium2

    pypdfium2.PdfDocument(pdf)[0].render(scale=1.5).to_pil().save(artifacts_dir / "documents" / "appointment_form-photo-page1.png")


def test_appointment_form_without_photo_has_no_image(tree):
    cadre = f.cadre("王䶮", tree["township"])
    reader = PdfReader(io.BytesIO(render_form(cadre)))
    assert len(reader.pages) == 2
    assert not any(page_images(page) for page in reader.pages)
    assert "照片" in reader.pages[0].extract_text().replace("\n", "")


CADRE_FIELDS = [
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "native_place",
    "birth_place",
    "party_join_date",
    "work_start_date",
    "health",
    "professional_title",
    "full_time_education",
    "full_time_school",
    "in_service_education",
    "in_service_school",
    "current_post",
    "resume",
    "id_number",
    "photo_content_type",
]
FAMILY_FIELDS = ["relation", "name", "birth_date", "political_status", "work_unit_and_post"]
CASE = {
    "proposed_post": "琴台街道党工委书记",
    "proposed_removal": "琴台街道党工委副书记",
    "reason": "破格提拔：在急难险重任务中作出重大贡献",
    "reporting_unit": "中共鲁山县委组织部",
    "filled_by": "李雪悦",
    "as_of": datetime.date(2026, 10, 12),
}


@pytest.fixture
def full_cadre(tree):
    person = f.cadre(
        "王䶮",
        tree["township"],
        id_number="410423198912254396",
        sex=Sex.FEMALE,
        birth_date=datetime.date(1989, 12, 25),  # the day comes back from the ID number
        ethnicity="回族",
        native_place="河南鲁山",
        birth_place="河南平顶山",
        party_join_date=datetime.date(2010, 6, 1),
        work_start_date=datetime.date(2012, 7, 1),
        health="良好",
        professional_title="经济师",
        full_time_education="大学本科 法学学士",
        full_time_school="郑州大学法学院法学专业",
        in_service_education="研究生 法律硕士",
        in_service_school="中共河南省委党校法律专业",
        current_post="琴台街道党工委副书记",
        resume="2008.07—2012.06 鲁山县琴台街道办事员\n2012.06— 琴台街道党工委副书记",
        photo=picture("JPEG", (295, 413)),
        photo_content_type="image/jpeg",
    )
    for relation, name, born, status, work in [
        ("丈夫", "李堃", datetime.date(1988, 3, 1), "中共党员", "鲁山县第一中学教师"),
        ("女儿", "李玥", datetime.date(2015, 9, 1), "群众", "学生"),
    ]:
        FamilyMember.objects.create(
            cadre=person, relation=relation, name=name, birth_date=born, political_status=status, work_unit_and_post=work
        )
    AnnualAssessment.objects.create(cadre=person, year=2024, grade="excellent")
    AnnualAssessment.objects.create(cadre=person, year=2025, grade="competent")
    return person


def test_lrmx_round_trips_every_field_and_the_photo(full_cadre, tree):
    """Export → import into a fresh row gives the same record, photo bytes included; the per-case
    elements read back as they were given."""
    original = {name: getattr(full_cadre, name) for name in CADRE_FIELDS}
    photo = bytes(full_cadre.photo)
    family = [{name: getattr(m, name) for name in FAMILY_FIELDS} for m in full_cadre.family.order_by("pk")]
    expected_context = appointment_form_context(full_cadre, **CASE)
    content = lrmx.export_lrmx(full_cadre, **CASE)

    root = etree.fromstring(content)
    assert base64.b64decode(root.findtext("ZhaoPian")) == photo
    written = ["JianLi", "JiangChengQingKuang", "NianDuKaoHeJieGuo", "ChengBaoDanWei", "JiSuanNianLingShiJian", "TianBiaoShiJian"]
    for tag in [*written, "TianBiaoRen", "NiRenZhiWu", "NiMianZhiWu", "RenMianLiYou", "ShenFenZheng"]:
        assert root.findtext(tag), tag
    assert len(root.findall("JiaTingChengYuan/Item")) == 2

    FamilyMember.objects.filter(cadre=full_cadre).delete()
    full_cadre.assessments.all().delete()
    full_cadre.delete()
    imported = Cadre.objects.get(pk=lrmx.import_lrmx(content, unit=tree["other_township"]).pk)
    assert imported.pk != full_cadre.pk and imported.unit == tree["other_township"]
    assert {name: getattr(imported, name) for name in CADRE_FIELDS} == original
    assert bytes(imported.photo) == photo
    assert [{name: getattr(m, name) for name in FAMILY_FIELDS} for m in imported.family.order_by("pk")] == family

    case = lrmx.parse_case(content)
    assert {key: case[key] for key in CASE} == CASE
    assert case["filled_on"] == CASE["as_of"] and case["version"] == lrmx.VERSION
    assert case["rewards_and_sanctions"] == expected_context["rewards_and_sanctions"]
    assert case["assessments"] == expected_context["assessments"] and "2024" in case["assessments"]

    # And the imported record exports to the same file, but for what comes from other records.
    again = etree.fromstring(lrmx.export_lrmx(imported, **CASE))
    for element in root:
        if element.tag not in ("NianDuKaoHeJieGuo", "JiangChengQingKuang"):
            assert etree.tostring(again.find(element.tag), encoding="unicode") == etree.tostring(element, encoding="unicode"), element.tag


def test_lrmx_without_photo_keeps_the_photo_a_cadre_has(full_cadre, tree):
    photo = bytes(full_cadre.photo)
    content = lrmx.export_lrmx(full_cadre).replace(b"<ZhaoPian>" + base64.b64encode(photo) + b"</ZhaoPian>", b"<ZhaoPian/>")
    assert b"<ZhaoPian/>" in content
    cadre = lrmx.import_lrmx(content, unit=tree["township"])
    assert cadre.pk == full_cadre.pk
    cadre.refresh_from_db()
    assert bytes(cadre.photo) == photo


def test_lrmx_accepts_base64_wrapped_over_lines(full_cadre, tree):
    photo = picture("PNG")
    encoded = base64.encodebytes(photo)  # 76 characters a line
    content = lrmx.export_lrmx(full_cadre).replace(base64.b64encode(bytes(full_cadre.photo)), encoded)
    cadre = lrmx.import_lrmx(content, unit=tree["township"])
    cadre.refresh_from_db()
    assert bytes(cadre.photo) == photo and cadre.photo_content_type == "image/png"


@pytest.mark.parametrize(
    "zhaopian, message",
    [
        (b"not base64 at all!", "base64"),
        (b"QUJ", "base64"),
        (base64.b64encode(b"%PDF-1.4\n%not a photo"), "JPEG"),
        (base64.b64encode(b"\xff\xd8\xff" + b"\x00" * PHOTO_MAX_BYTES), "2MB"),
    ],
    ids=["garbage", "bad-padding", "not-an-image", "too-large"],
)
def test_malformed_zhaopian_is_refused_and_changes_nothing(full_cadre, tree, zhaopian, message):
    photo = bytes(full_cadre.photo)
    post = "琴台街道党工委副书记</XianRenZhiWu>"
    content = lrmx.export_lrmx(full_cadre).replace(post.encode(), "书记</XianRenZhiWu>".encode())  # would change the record
    content = content.replace(base64.b64encode(photo), zhaopian)
    assert zhaopian in content
    before = Cadre.objects.count(), FamilyMember.objects.count()
    with pytest.raises(lrmx.LrmxError, match=f"ZhaoPian.*{message}"):
        lrmx.import_lrmx(content, unit=tree["township"])
    assert (Cadre.objects.count(), FamilyMember.objects.count()) == before
    full_cadre.refresh_from_db()
    assert bytes(full_cadre.photo) == photo and full_cadre.current_post == "琴台街道党工委副书记"


def test_lrmx_command_carries_the_photo(full_cadre, tree, tmp_path):
    path = tmp_path / "wang.lrmx"
    out = io.StringIO()
    call_command("lrmx", "export", full_cadre.id_number, str(path), "--reason", "破格提拔", "--filled-by", "李雪悦", stdout=out)
    assert "with photo" in out.getvalue()
    assert lrmx.parse_case(path.read_bytes())["reason"] == "破格提拔"
    photo = bytes(full_cadre.photo)
    Cadre.objects.filter(pk=full_cadre.pk).update(photo=None, photo_content_type="")
    call_command("lrmx", "import", str(path), "--unit", tree["township"].code, stdout=out)
    full_cadre.refresh_from_db()
    assert bytes(full_cadre.photo) == photo
