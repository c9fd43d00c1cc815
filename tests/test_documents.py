"""Official documents and forms (DOMAIN.md §8): layout per GB/T 9704-2012, text and fonts in the
PDF, the number register, immutability, versions and verification.

A PNG of page 1 of each kind is written to test-artifacts/documents/ for a human to look at.
"""

import datetime
import io
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from documents import contexts, fonts
from documents.models import DocumentKind, DocumentNumberSequence, ImmutableDocumentError, IssuedDocument
from documents.numbering import DocumentNumberError, allocate_number, format_number
from documents.permissions import can_download
from documents.rendering import DocumentIssueError, issue_document, verification_url
from documents.templatetags.official import cn_date
from permissions.models import Unit, UnitKind, UnitLevel
from permissions.roles import Role
from tests import factories as f

MM = 72 / 25.4
A4 = (595.28, 841.89)
DATE = datetime.date(2026, 3, 1)


@pytest.fixture(scope="session", autouse=True)
def prepared_fonts():
    """The prepared fonts (scripts/setup runs prepare_fonts; this is a no-op when it did)."""
    return fonts.prepare_fonts()


@pytest.fixture
def issuer(db):
    return Unit.objects.create(
        code="PDS-ZZB",
        name="中共平顶山市委组织部",
        level=UnitLevel.CITY,
        kind=UnitKind.ORGANISATION_DEPT,
        document_prefix="平组",
        issuer_mark="中共平顶山市委组织部文件",
    )


@pytest.fixture
def township(issuer):
    return Unit.objects.create(code="LS-QT", name="鲁山县琴台街道办事处", level=UnitLevel.TOWNSHIP, kind=UnitKind.TOWNSHIP, parent=issuer)


DEEDS = (
    "王䶮同志2025年以来，牵头推进老旧小区改造和基层治理创新，带领干部群众攻坚克难，成效显著，所在街道被评为全省基层治理示范街道。\n"
    "在防汛救灾工作中，该同志连续奋战一线，组织转移群众1200余人，未发生人员伤亡。"
)


def decision_context(issuer, name="王䶮"):
    return contexts.award_decision_context(
        issuer=issuer,
        awardees=[{"name": name, "unit_post": "鲁山县琴台街道党工委书记", "award": "记三等功"}],
        deeds=DEEDS.replace("王䶮", name),
        date=DATE,
        recipients="各县（市、区）委组织部，市直各单位",
        cc=["河南省委组织部", "市人力资源和社会保障局"],
        printer="中共平顶山市委组织部办公室",
        note="此件公开发布",
    )


def issue_decision(issuer, name="王䶮", **kwargs):
    return issue_document(
        DocumentKind.AWARD_DECISION,
        issuer=issuer,
        template="documents/award_decision.html",
        context=decision_context(issuer, name),
        title=f"关于给予{name}同志记三等功的决定",
        **kwargs,
    )


def issue_all_kinds(issuer, township):
    """One document of each template, with realistic content."""
    cadre = f.cadre("王䶮", township, native_place="河南鲁山", full_time_education="大学本科", current_post="党工委书记")
    form = contexts.award_form_context(
        cadre,
        "记三等功",
        DEEDS,
        [
            {"role_label": "推荐单位意见", "text": "经党工委集体研究，同意推荐。", "person": "李堃", "date": datetime.date(2026, 1, 10)},
            {"role_label": "纪检监察机关意见", "text": "该同志无违纪违法问题。", "person": "赵喆", "date": datetime.date(2026, 1, 15)},
        ],
        [(2023, "优秀"), (2024, "优秀"), (2025, "称职")],
        date=DATE,
    )
    notice = contexts.notice_context(
        issuer=issuer,
        title="关于拟给予王䶮等100名同志奖励的公示",
        candidates=[{"name": f"王䶮{i}", "unit_post": "鲁山县琴台街道党工委委员、办事处副主任", "award": "嘉奖"} for i in range(100)],
        period_start=datetime.date(2026, 3, 2),
        period_end=datetime.date(2026, 3, 6),
        working_days=5,
        objections=["受理电话：0375-2345678", "来信来访地址：平顶山市新华区建设路东段市委组织部干部监督科"],
        date=DATE,
    )
    letter = contexts.clarification_letter_context(
        issuer=issuer,
        recipient="鲁山县琴台街道党工委",
        cadre_name="王䶮",
        received_on=datetime.date(2026, 2, 3),
        summary="违规干预工程招投标",
        findings="经调阅招投标资料、询问相关人员，未发现其干预招投标的行为。",
        date=DATE,
    )
    return {
        "award_decision": issue_decision(issuer),
        "award_form": issue_document(
            DocumentKind.AWARD_FORM,
            issuer=issuer,
            template="documents/award_form.html",
            context=form,
            numbered=False,
            title="公务员奖励审批表（王䶮）",
        ),
        "notice": issue_document(
            DocumentKind.NOTICE,
            issuer=issuer,
            template="documents/notice.html",
            context=notice,
            numbered=False,
            title=notice["title"],
            batch="notice:1",
        ),
        "clarification_letter": issue_document(
            DocumentKind.CLARIFICATION_LETTER, issuer=issuer, template="documents/clarification_letter.html", context=letter
        ),
    }


# --- PDF inspection helpers ---------------------------------------------------------------------


def reader(document):
    return PdfReader(io.BytesIO(bytes(IssuedDocument.objects.defer(None).get(pk=document.pk).pdf)))


def text_runs(page):
    """(text, x, baseline from the top, size) of each text run, in points."""
    runs = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        runs.append((text.strip(), x, float(page.mediabox.height) - y, font_size * abs(cm[0])))

    page.extract_text(visitor_text=visit)
    return runs


def page_fonts(page):
    return [font.get_object() for font in page["/Resources"]["/Font"].values()]


def to_unicode_map(font):
    """CID → text from a font's ToUnicode CMap (bfchar and bfrange entries)."""
    data = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    mapping = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for cid, uni in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            mapping[int(cid, 16)] = bytes.fromhex(uni).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for start, end, uni in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            for offset in range(int(end, 16) - int(start, 16) + 1):
                mapping[int(start, 16) + offset] = chr(int(uni, 16) + offset)
    return mapping


def glyphs_of(pdf, character):
    """(font name, glyph id, glyph) of each embedded TrueType font that draws ``character``."""
    found = {}
    for page in pdf.pages:
        for font in page_fonts(page):
            cids = [cid for cid, text in to_unicode_map(font).items() if text == character]
            if not cids:
                continue
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            embedded = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
            # WeasyPrint writes CIDs equal to glyph ids (CIDToGIDMap /Identity).
            found[str(font["/BaseFont"])] = (cids[0], embedded["glyf"][embedded.getGlyphOrder()[cids[0]]])
    return [(name, gid, glyph) for name, (gid, glyph) in found.items()]


# --- layout (DOMAIN.md §8.1) ---------------------------------------------------------------------


@pytest.mark.django_db
def test_every_kind_is_a4_and_a_png_of_page_1_is_written(issuer, township, artifacts_dir):
    """DOMAIN.md §8.1 "A4"; PNGs for review in test-artifacts/documents/."""
    pdfium = pytest.importorskip("pypdfium2")
    out = artifacts_dir / "documents"
    out.mkdir(exist_ok=True)
    for kind, document in issue_all_kinds(issuer, township).items():
        pdf = reader(document)
        assert len(pdf.pages) == document.page_count >= 1
        for page in pdf.pages:
            assert float(page.mediabox.width) == pytest.approx(A4[0], abs=1)
            assert float(page.mediabox.height) == pytest.approx(A4[1], abs=1)
        rendered = pdfium.PdfDocument(bytes(IssuedDocument.objects.defer(None).get(pk=document.pk).pdf))
        try:
            image = rendered[0].render(scale=150 / 72).to_pil()
            image.save(out / f"{kind}-page1.png")
        finally:
            rendered.close()
        assert (out / f"{kind}-page1.png").stat().st_size > 10_000


@pytest.mark.django_db
def test_margins_lines_and_page_numbers_follow_gbt_9704(issuer):
    """DOMAIN.md §8.1: "top margin 37 mm, binding (left) margin 28 mm; text block 156 × 225 mm
    (so right 26 mm, bottom ~35 mm); 22 lines × 28 characters per page" and "Page numbers
    `— 1 —`, 4号 (14 pt), on the right of odd pages and the left of even pages"."""
    pdf = reader(issue_decision(issuer))
    assert len(pdf.pages) >= 2
    block_left, block_right = 28 * MM, A4[0] - 26 * MM
    block_top, block_bottom = 37 * MM, A4[1] - 35 * MM
    for number, page in enumerate(pdf.pages, start=1):
        runs = text_runs(page)
        folios = [r for r in runs if re.fullmatch(r"— \d+ —", r[0])]
        body = [r for r in runs if r not in folios]
        assert min(x for _, x, _, _ in body) >= block_left - 0.5
        first_top = min(baseline - size for _, _, baseline, size in body)
        assert first_top >= block_top - 0.5
        assert max(baseline for _, _, baseline, _ in body) <= block_bottom + 0.5
        # The page number: 14 pt, below the text block, outer side, one character in.
        ((text, x, baseline, size),) = folios
        assert text == f"— {number} —" and size == pytest.approx(14, abs=0.1)
        assert baseline - size > block_bottom
        if number % 2:
            assert block_right - 14 - 6 * size < x < block_right - 14
        else:
            assert x == pytest.approx(block_left + 14, abs=0.5)

    page1 = text_runs(pdf.pages[0])
    # 28 characters per line: a full body line of CJK text fills the 156 mm block.
    assert any(len(t) == 28 and x == pytest.approx(block_left, abs=0.5) for t, x, _, _ in page1)
    # 22 lines per page: consecutive body lines are 225/22 mm apart.
    pitches = {round(b2 - b1, 1) for (_, _, b1, s1), (_, _, b2, s2) in zip(page1, page1[1:]) if s1 == s2 == pytest.approx(16, abs=0.1)}
    assert any(p == pytest.approx(225 / 22 * MM, abs=0.2) for p in pitches)
    # Title 22 pt; issuer mark red and above the number, the number two lines below it.
    sizes = {t: s for t, _, _, s in page1}
    assert sizes["关于给予王䶮同志记三等功的决定"] == pytest.approx(22, abs=0.1)
    assert any(t == "平组〔2026〕1号" for t in sizes)


@pytest.mark.django_db
def test_date_signature_and_closing_block(issuer):
    """DOMAIN.md §8.1: "Date in Arabic numerals without zero padding (2026年3月1日), four
    characters in from the right" and "Closing block (版记): 抄送 line and 印发机关 + 印发日期 印发"."""
    pdf = reader(issue_decision(issuer))
    last = pdf.pages[-1]
    runs = text_runs(last)
    date_run = next(r for r in runs if r[0] == "2026年3月1日")
    # Right edge of the date = x + width: 6 half-width digits (≈ 0.55 em) and 3 characters at 16 pt.
    right_edge = date_run[1] + 6 * 0.55 * 16 + 3 * 16
    assert right_edge == pytest.approx(A4[0] - 26 * MM - 4 * 15.79, abs=4)
    # The signature is centred on the date.
    signature = next(r for r in runs if r[0] == "中共平顶山市委组织部")
    assert signature[1] + 10 * 15.79 / 2 == pytest.approx((date_run[1] + right_edge) / 2, abs=4)
    text = last.extract_text()
    assert "抄送：河南省委组织部，市人力资源和社会保障局。" in text
    assert "中共平顶山市委组织部办公室" in text and "2026年3月1日印发" in text
    assert cn_date(datetime.date(2026, 3, 1)) == "2026年3月1日"


# --- text and fonts --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_chinese_text_and_rare_characters_are_extractable_with_real_glyphs(issuer):
    """DOMAIN.md §8.1: "Names may contain rare characters (e.g. 䶮, 堃, 喆, 赟): they must
    render, not show as boxes". 䶮 is in the prepared core font, 龘 only in an extension chunk."""
    document = issue_decision(issuer, name="王䶮龘")
    pdf = reader(document)
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "关于给予王䶮龘同志记三等功的决定" in text
    # The decision opens "王䶮龘同志，<unit and post>。" before the deeds, so the line breaks move.
    assert "王䶮龘同志2025年以来" in text.replace("\n", "")
    for character in "䶮龘王":
        found = glyphs_of(pdf, character)
        assert len(found) == 2, (character, found)  # the title's face and the body's
        for font_name, gid, glyph in found:
            assert gid != 0, f"{character} drawn with .notdef in {font_name}"
            assert glyph.numberOfContours > 0, f"{character} has an empty glyph in {font_name}"
    # GB/T 9704 faces (issue 14): the title in 小标宋, the body in 仿宋, each with its extension cut.
    assert all(name.endswith(("MeritFlow-XBS-Ext", "MeritFlow-FangSong-Ext")) for name, _, _ in glyphs_of(pdf, "龘"))


@pytest.mark.django_db
def test_fonts_are_embedded_and_the_prepared_cuts_are_used(issuer, township):
    """No PDF without embedded fonts; the fast prepared cuts (documents/fonts.py) are the ones used."""
    for document in issue_all_kinds(issuer, township).values():
        for page in reader(document).pages:
            for font in page_fonts(page):
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), font["/BaseFont"]
                assert "MeritFlow" in str(font["/BaseFont"]), font["/BaseFont"]


# --- numbers (DOMAIN.md §8.1) --------------------------------------------------------------------------


@pytest.mark.django_db
def test_number_format_and_gapless_register(issuer):
    """DOMAIN.md §8.1: "year in 六角括号 〔〕, serial with no leading zeros and no 第: e.g.
    平组通〔2017〕82号". A rolled-back transaction consumes no number."""
    assert format_number("平组通", 2017, 82) == "平组通〔2017〕82号"
    with transaction.atomic():
        numbers = [allocate_number(issuer, 2026) for _ in range(3)]
    assert numbers == [("平组〔2026〕1号", 1), ("平组〔2026〕2号", 2), ("平组〔2026〕3号", 3)]

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        assert allocate_number(issuer, 2026) == ("平组〔2026〕4号", 4)
        raise Abort
    with transaction.atomic():
        assert allocate_number(issuer, 2026) == ("平组〔2026〕4号", 4)
        # Each year starts again at 1.
        assert allocate_number(issuer, 2027) == ("平组〔2027〕1号", 1)
    assert DocumentNumberSequence.objects.get(issuer=issuer, year=2026).last_number == 4


@pytest.mark.django_db
def test_issue_failure_returns_the_number(issuer, monkeypatch):
    """A rendering failure inside issue_document rolls the number back with it."""
    from documents import rendering

    with transaction.atomic():
        assert issue_decision(issuer).number == "平组〔2026〕1号"
    monkeypatch.setattr(rendering, "render", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        issue_decision(issuer)
    monkeypatch.undo()
    assert issue_decision(issuer).number == "平组〔2026〕2号"


@pytest.mark.django_db
def test_unit_without_prefix_is_refused_with_a_clear_message(township):
    with transaction.atomic(), pytest.raises(DocumentNumberError, match="鲁山县琴台街道办事处.*发文字号代字"):
        allocate_number(township)


@pytest.mark.django_db(transaction=True)
def test_allocation_outside_a_transaction_is_refused(issuer):
    with pytest.raises(RuntimeError, match="transaction"):
        allocate_number(issuer)


# --- immutability and versions -------------------------------------------------------------------


@pytest.mark.django_db
def test_issued_documents_are_immutable(issuer):
    """PRODUCT.md: "Issued documents are immutable and verifiable"."""
    document = IssuedDocument.objects.defer(None).get(pk=issue_decision(issuer).pk)
    document.title = "改过的标题"
    with pytest.raises(ImmutableDocumentError):
        document.save()
    with pytest.raises(ImmutableDocumentError):
        document.delete()
    with pytest.raises(ImmutableDocumentError):
        IssuedDocument.objects.filter(pk=document.pk).update(title="改过的标题")
    with pytest.raises(ImmutableDocumentError):
        IssuedDocument.objects.filter(pk=document.pk).delete()
    # A fresh object carrying an existing id is an INSERT that fails, not an overwrite.
    impostor = IssuedDocument(
        pk=document.pk, kind=document.kind, issuer=issuer, year=2026, template="x", pdf=b"%PDF-", sha256="0" * 64, size=5, page_count=1
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        impostor.save()
    assert IssuedDocument.objects.get(pk=document.pk).title == "关于给予王䶮同志记三等功的决定"


@pytest.mark.django_db
def test_regeneration_makes_a_new_version_and_both_verify(issuer, client):
    first = issue_decision(issuer)
    second = issue_document(
        DocumentKind.AWARD_DECISION,
        issuer=issuer,
        template="documents/award_decision.html",
        context=decision_context(issuer),
        supersedes=first,
    )
    assert (second.version, second.number, second.supersedes_id) == (2, first.number, first.pk)
    assert second.sha256 != first.sha256
    first.refresh_from_db()
    assert first.successor == second and first.latest_version() == second
    assert "第2版" in reader(second).pages[-1].extract_text()
    with pytest.raises(DocumentIssueError):
        issue_document(
            DocumentKind.AWARD_DECISION,
            issuer=issuer,
            template="documents/award_decision.html",
            context=decision_context(issuer),
            supersedes=first,
        )
    # The register moved once: re-generation keeps the number.
    assert DocumentNumberSequence.objects.get(issuer=issuer).last_number == 1

    url = reverse("documents:verify")
    old = client.get(url, {"number": first.number, "sha256": first.sha256}).content.decode()
    assert "已被第2版取代" in old
    new = client.get(url, {"number": second.number, "sha256": second.sha256}).content.decode()
    assert "核验通过" in new


# --- verification and download -------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_page_by_hash_upload_and_qr_record(issuer, client):
    document = issue_decision(issuer)
    url = reverse("documents:verify")
    genuine = client.get(url, {"number": document.number, "sha256": document.sha256})
    assert genuine.status_code == 200 and "核验通过" in genuine.content.decode()
    wrong = client.get(url, {"number": document.number, "sha256": "0" * 64}).content.decode()
    assert "核验未通过" in wrong
    other_number = client.get(url, {"number": "平组〔2026〕99号", "sha256": document.sha256}).content.decode()
    assert "核验未通过" in other_number

    pdf = bytes(IssuedDocument.objects.defer(None).get(pk=document.pk).pdf)
    upload = io.BytesIO(pdf)
    upload.name = "decision.pdf"
    assert "核验通过" in client.post(url, {"file": upload}).content.decode()
    tampered = io.BytesIO(pdf + b"\n% one more line")
    tampered.name = "decision.pdf"
    assert "核验未通过" in client.post(url, {"file": tampered, "number": document.number}).content.decode()

    # The QR code carries the verification URL with number and verification code.
    qr_url = verification_url(document)
    assert str(document.verification_code) in qr_url and "number=" in qr_url
    record = client.get(url, {"number": document.number, "id": str(document.verification_code)}).content.decode()
    assert "登记记录存在" in record and "上传" in record
    assert str(document.verification_code) in reader(document).pages[-1].extract_text().replace("\n", "")
    assert "未找到" in client.get(url, {"id": "not-a-uuid"}).content.decode()


@pytest.mark.django_db
def test_download_needs_login_and_a_grant(issuer, township, client):
    document = issue_decision(issuer)
    url = reverse("documents:download", args=[document.pk])
    assert client.get(url).status_code == 302  # to the login page
    outsider = f.user("outsider", (Role.NOMINATOR, township))
    client.force_login(outsider)
    assert not can_download(outsider, document)
    assert client.get(url).status_code == 404  # out of scope: as if it did not exist (issue 13 item 5)
    insider = f.user("insider", (Role.REVIEWER, issuer))
    client.force_login(insider)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content[:5] == b"%PDF-" and response["ETag"] == f'"{document.sha256}"'
    # A grant on an ancestor that covers subordinate units counts for the units below it.
    covering = f.user("covering", (Role.REVIEWER, issuer, True))
    assert can_download(
        covering,
        issue_document(
            DocumentKind.AWARD_FORM,
            issuer=township,
            template="documents/award_form.html",
            context=contexts.award_form_context(f.cadre("李堃", township), "嘉奖", "", []),
            numbered=False,
        ),
    )


@pytest.mark.django_db
def test_admin_lists_documents_read_only(issuer, admin_client):
    document = issue_decision(issuer)
    response = admin_client.get(reverse("admin:documents_issueddocument_changelist"))
    assert response.status_code == 200 and document.number in response.content.decode()
    assert admin_client.get(reverse("admin:documents_issueddocument_add")).status_code == 403


# --- contexts ---------------------------------------------------------------------------------------


def test_blocks_from_text_recognises_heading_levels():
    """DOMAIN.md §8.1: heading levels 一、(黑体) / （一）(楷体) / 1. / （1）(仿宋)."""
    blocks = contexts.blocks_from_text("一、基本情况\n（一）主要事迹\n1.第一项\n（1）细节\n\n正文")
    assert [b["style"] for b in blocks] == ["h1", "h2", "p", "p", "p"]


def test_award_form_lists_every_opinion_row():
    """DOMAIN.md §8.2: the form's four opinion rows are always printed, filled or empty."""
    rows = contexts.form_opinions([{"role_label": "纪检监察机关意见", "text": "同意", "person": "赵喆", "date": DATE}])
    assert [str(r["role_label"]) for r in rows] == ["推荐单位意见", "纪检监察机关意见", "审核（公示）情况", "审批机关意见"]
    assert rows[1]["person"] == "赵喆" and rows[0]["text"] == ""


@pytest.mark.django_db
def test_award_form_labels_break_between_words_not_inside_them(issuer, township):
    """A clerk saw "工作单位及职 / 务" (issue 14): the long labels break where the words do."""
    form = issue_all_kinds(issuer, township)["award_form"]
    lines = [line.strip() for page in reader(form).pages for line in page.extract_text().splitlines()]
    assert "工作单位" in lines and "及职务" in lines
    assert "近三年年度" in lines and "考核结果" in lines
    assert not {"务", "核结果", "职务"} & set(lines)
