"""The geometry of every document, measured in the PDF (GB/T 9704-2012, DOMAIN.md §8.1).

Every kind is rendered with the samples of ``manage.py document_gallery`` (the context builders of
``documents.contexts`` and what the issuing code of awards and promotions passes), for a
two-character name with a deed that runs to a second page and for a four-character name of rare
characters with a one-line deed; one decision goes through ``issue_document`` itself. pdfplumber
then measures what a clerk would: margins, text block, lines per page, characters per line, font
sizes, page numbers, the red masthead, the sign-off with the seal's place, the 版记 on the last
(even) page. The forms and the certificate are not GB/T 9704 documents: only sane margins and no
page holding nothing but the verification code.

Positions are in points from the top left of the page. A line's box is its em box (ideographic:
0.88 em above the baseline, 0.12 em below) with the leading shared equally above and below.
"""

import datetime
import functools
import io
import re
import statistics

import pdfplumber
import pytest
import qrcode

from documents import contexts, fonts
from documents.management.commands import document_gallery as gallery
from documents.models import DocumentKind, IssuedDocument
from documents.rendering import QR_MASK, issue_document, render, verification_url
from permissions.models import Unit, UnitKind, UnitLevel

MM = 72 / 25.4
A4 = (595.28, 841.89)
LEFT, TOP = 28 * MM, 37 * MM  # 订口 28 ± 1 mm, 天头 37 ± 1 mm
WIDTH, HEIGHT = 156 * MM, 225 * MM  # 版心
RIGHT, BOTTOM = LEFT + WIDTH, TOP + HEIGHT
LINE = HEIGHT / 22  # 22 lines a page
CHAR = WIDTH / 28  # 28 characters a line
BODY, TITLE, FOLIO = 16, 22, 14  # 3号, 2号, 4号
TOL = 1 * MM  # the standard's ± 1 mm

VARIANTS = {
    "long": (gallery.SHORT_NAME, gallery.LONG_DEED),  # 王䶮, a deed that runs to a second page
    "short": (gallery.LONG_NAME, gallery.ONE_LINE_DEED),  # 欧阳䶮堃, a one-line deed
}
STANDARD_KINDS = [slug for slug, *_rest, standard in gallery.samples() if standard]
FORM_KINDS = [slug for slug, *_rest, standard in gallery.samples() if not standard]


@pytest.fixture(scope="session", autouse=True)
def prepared_fonts():
    return fonts.prepare_fonts()


@functools.cache
def sample(slug, variant):
    """(context, PDF bytes) of one sample."""
    for s, _label, template, context, _standard in gallery.samples(*VARIANTS[variant]):
        if s == slug:
            return context, render(template, context).pdf
    raise KeyError(slug)


def render_official(**changes):
    """The revocation decision sample (official_document.html) with some context keys changed."""
    context, _pdf = sample("revocation_decision", "short")
    return render("documents/official_document.html", {**context, **changes}).pdf


# --- measuring ---------------------------------------------------------------------------------------


def baseline(char):
    """Distance of the character's baseline from the top of the page."""
    return A4[1] - char["matrix"][5]


def em_top(char):
    return baseline(char) - 0.88 * char["size"]


def em_bottom(char):
    return baseline(char) + 0.12 * char["size"]


def lines(chars, size=None):
    """Characters grouped into lines by baseline (optionally only those of ``size`` pt), top down,
    each line's characters left to right."""
    rows = {}
    for char in chars:
        if not char["text"].strip() or (size is not None and abs(char["size"] - size) > 0.2):
            continue
        rows.setdefault(round(baseline(char), 1), []).append(char)
    return [sorted(rows[key], key=lambda c: c["x0"]) for key in sorted(rows)]


def text(line):
    return "".join(c["text"] for c in line)


def is_folio(line):
    return bool(re.fullmatch(r"—\s*\d+\s*—", text(line).replace(" ", " ")))


def folio_lines(page):
    return [line for line in lines(page.chars) if is_folio(line) and em_top(line[0]) > BOTTOM]


def content_chars(page):
    """Every character of the page but the page number."""
    folios = {id(c) for line in folio_lines(page) for c in line}
    return [c for c in page.chars if id(c) not in folios and c["text"].strip()]


def qr_box(page):
    """Bounding box (x0, top, x1, bottom) of the verification code: a square image of one pixel per
    module (documents.rendering.qr_data_uri), drawn 20 mm wide without smoothing. None when there
    is none."""
    codes = [
        image for image in page.images if abs(image["x1"] - image["x0"] - 20 * MM) < 1 and abs(image["bottom"] - image["top"] - 20 * MM) < 1
    ]
    if not codes:
        return None
    (code,) = codes
    assert code["stream"]["Interpolate"] is False, "the QR code is smoothed when scaled: its modules print blurred"
    return (code["x0"], code["top"], code["x1"], code["bottom"])


def qr_modules(page):
    """The dark (True) and light modules of the page's verification code, read from the image's
    pixels as the PDF holds them."""
    (code,) = [image for image in page.images if qr_box(page) == (image["x0"], image["top"], image["x1"], image["bottom"])]
    width, height = code["srcsize"]
    stream = code["stream"]
    assert stream["BitsPerComponent"] == 8, stream.attrs
    channels = {"DeviceRGB": 3, "DeviceGray": 1}[stream["ColorSpace"].name]
    data = stream.get_data()  # the PNG predictor undone: rows of pixels, a byte per channel
    return [[data[(y * width + x) * channels] < 128 for x in range(width)] for y in range(height)]


def qr_matrix(text):
    """The modules of ``text``'s QR code as a reader reconstructs them (qrcode, the mask the
    issuing code uses)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=QR_MASK)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def substantive(page):
    """Characters of the page but the page number and the small print beside the QR code."""
    return [c for c in content_chars(page) if c["size"] > 9]


def rules(page, width=WIDTH, below=0):
    """Horizontal rules as wide as ``width``: (top, bottom, thickness, colour). WeasyPrint draws a
    border as an outer and an inner rectangle; their edges come in pairs."""
    found = [r for r in page.rects + page.lines if r["x1"] - r["x0"] == pytest.approx(width, abs=1.5) and r["top"] >= below]
    edges = sorted(
        {(round(r["top"], 2), tuple(r.get("non_stroking_color") or ())) for r in found}
        | {(round(r["bottom"], 2), tuple(r.get("non_stroking_color") or ())) for r in found}
    )
    result, i = [], 0
    while i < len(edges) - 1:
        (a, colour), (b, _c) = edges[i], edges[i + 1]
        if b - a < 2:
            result.append((a, b, b - a, colour))
            i += 2
        else:
            i += 1
    return result


def is_red(color):
    if not color or len(color) != 3:
        return False
    r, g, b = color
    return r > 0.8 and g < 0.2 and b < 0.2


@functools.cache
def opened(slug, variant):
    context, pdf = sample(slug, variant)
    return context, pdfplumber.open(io.BytesIO(pdf))


ALL = [pytest.param(slug, variant, id=f"{slug}-{variant}") for slug in STANDARD_KINDS for variant in VARIANTS]


# --- page, margins, text block ---------------------------------------------------------------------


@pytest.mark.parametrize("slug, variant", ALL)
def test_a4_margins_and_text_block(slug, variant):
    """A4; 天头 37 ± 1 mm, 订口 28 ± 1 mm; everything but the page number inside the 156 × 225 mm
    text block; a continued page starts on the text block's first line."""
    _context, pdf = opened(slug, variant)
    lefts = []
    for number, page in enumerate(pdf.pages, start=1):
        assert (page.width, page.height) == pytest.approx(A4, abs=1)
        chars = content_chars(page)
        for char in chars:
            assert char["x0"] >= LEFT - 0.5 and char["x1"] <= RIGHT + 0.5, (number, char["text"], char["x0"], char["x1"])
            leading = (LINE - char["size"]) / 2 if char["size"] >= 12 else 0
            assert em_top(char) - leading >= TOP - 0.5 and em_bottom(char) <= BOTTOM + 0.5, (number, char["text"], baseline(char))
        for image in page.images:
            assert (
                image["x0"] >= LEFT - 0.5 and image["x1"] <= RIGHT + 0.5 and image["top"] >= TOP - 0.5 and image["bottom"] <= BOTTOM + 0.5
            )
        # 订口: a line starts on the left edge of the text block (主送, a continued line) or two
        # characters in (a paragraph), unless it is centred or set to the right.
        for line in lines(chars, BODY):
            if line[0]["x0"] < LEFT + 3 * CHAR:
                starts = (LEFT, LEFT + CHAR, LEFT + 2 * CHAR) if "签发人" in text(line) else (LEFT, LEFT + 2 * CHAR)
                assert any(line[0]["x0"] == pytest.approx(x, abs=TOL) for x in starts), (number, text(line), line[0]["x0"])
                lefts.append(line[0]["x0"])
        if number > 1 and chars and lines(chars)[0][0]["size"] == pytest.approx(BODY, abs=0.2):
            # 天头: a continued page's first line box starts at the top of the text block.
            first = lines(chars)[0][0]
            assert em_top(first) - (LINE - BODY) / 2 == pytest.approx(TOP, abs=TOL)
    assert min(lefts) == pytest.approx(LEFT, abs=TOL)


@pytest.mark.parametrize("slug, variant", ALL)
def test_22_lines_of_28_characters(slug, variant):
    """Body 3号 (16 pt): consecutive lines 225/22 mm apart (22 lines fill the text block); a full
    line of characters has 28 of them and spans the 156 mm of the text block."""
    _context, pdf = opened(slug, variant)
    pitches, full_lines, sizes = [], [], []
    for page in pdf.pages:
        chars = content_chars(page)
        sizes += [round(c["size"]) for c in chars]
        body = [line for line in lines(chars, BODY) if line[0]["x0"] >= LEFT - 0.5]
        for upper, lower in zip(body, body[1:]):
            pitches.append(baseline(lower[0]) - baseline(upper[0]))
        for line in body:
            cjk = all(ord(c["text"]) >= 0x2E80 for c in line)
            if cjk and line[0]["x0"] == pytest.approx(LEFT, abs=0.5) and line[-1]["x1"] >= RIGHT - CHAR / 2:
                full_lines.append(line)
    assert statistics.mode(sizes) == BODY
    assert pitches and min(pitches) == pytest.approx(LINE, abs=0.3)
    assert int((HEIGHT + 0.5) // min(pitches)) == 22
    assert full_lines or variant == "short", "no full line of body text"
    for line in full_lines:
        assert len(line) == 28, text(line)
        assert line[-1]["x1"] == pytest.approx(RIGHT, abs=1)
        pitch = [b["x0"] - a["x0"] for a, b in zip(line, line[1:])]
        assert statistics.median(pitch) == pytest.approx(CHAR, abs=0.05)


def filled(lines_of_body):
    """The revocation decision with ``lines_of_body`` one-line paragraphs added to its body."""
    context, _pdf = sample("revocation_decision", "short")
    line = "该同志坚持以人民为中心，办成了一批群众急难愁盼的实事。"  # 26 characters + the indent: one line
    blocks = context["blocks"] + [{"style": "p", "text": line}] * lines_of_body
    return pdfplumber.open(io.BytesIO(render("documents/official_document.html", {**context, "blocks": blocks}).pdf))


def test_a_full_page_holds_22_lines():
    """A page the body fills from top to bottom holds 22 lines, the last one on the lower edge."""
    with filled(40) as pdf:
        assert len(pdf.pages) >= 3
        body = lines(content_chars(pdf.pages[1]), BODY)
    assert len(body) == 22
    assert em_top(body[0][0]) - (LINE - BODY) / 2 == pytest.approx(TOP, abs=TOL)
    assert em_bottom(body[-1][0]) + (LINE - BODY) / 2 == pytest.approx(BOTTOM, abs=TOL)


@pytest.mark.parametrize("slug, variant", ALL)
def test_title_2hao_centred(slug, variant):
    context, pdf = opened(slug, variant)
    page = pdf.pages[0]
    title = [line for line in lines(page.chars, TITLE)]
    assert title, "no 22 pt title"
    assert "".join(text(line) for line in title) == context["title"]
    for line in title:
        assert (line[0]["x0"] + line[-1]["x1"]) / 2 == pytest.approx((LEFT + RIGHT) / 2, abs=2)
    body_fonts = {c["fontname"] for c in content_chars(page) if c["size"] == pytest.approx(BODY, abs=0.2)}
    assert {c["fontname"] for line in title for c in line}.isdisjoint(body_fonts)  # 小标宋, not the body face


# --- page numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("slug, variant", ALL)
def test_page_numbers(slug, variant):
    """ "— 1 —" in 4号 (14 pt) half-width digits, the line's top 7 mm below the text block; odd
    pages right, even pages left, one character in from the edge of the text block."""
    _context, pdf = opened(slug, variant)
    for number, page in enumerate(pdf.pages, start=1):
        folios = folio_lines(page)
        assert len(folios) == 1, (number, [text(f) for f in folios])
        (folio,) = folios
        assert re.fullmatch(rf"—\s*{number}\s*—", text(folio))
        assert all(c["size"] == pytest.approx(FOLIO, abs=0.1) for c in folio)
        digits = [c for c in folio if c["text"].isdigit()]
        assert all(c["x1"] - c["x0"] == pytest.approx(FOLIO / 2, abs=1.5) for c in digits)  # half-width
        assert em_top(digits[0]) - BOTTOM == pytest.approx(7 * MM, abs=TOL)
        if number % 2:
            assert folio[-1]["x1"] == pytest.approx(RIGHT - FOLIO, abs=1)
        else:
            assert folio[0]["x0"] == pytest.approx(LEFT + FOLIO, abs=1)


# --- masthead ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug, variant", [p for p in ALL if p.values[0] not in ("notice", "pre_appointment_notice")])
def test_red_masthead_number_and_rule(slug, variant):
    """发文机关标志 red, centred, 35 mm below the top of the text block (the letter's compact
    masthead excepted); the number under it; a red rule as wide as the text block 4 mm below."""
    context, pdf = opened(slug, variant)
    page = pdf.pages[0]
    mark = next(line for line in lines(page.chars) if text(line) == context["issuer_mark"])
    assert all(is_red(c["non_stroking_color"]) for c in mark)
    assert (mark[0]["x0"] + mark[-1]["x1"]) / 2 == pytest.approx((LEFT + RIGHT) / 2, abs=2)
    if slug != "introduction_letter":
        assert em_top(mark[0]) - TOP == pytest.approx(35 * MM, abs=2 * TOL)
    number = next(line for line in lines(page.chars) if context["doc"]["number"] in text(line))
    assert baseline(number[0]) > baseline(mark[0])
    red = [rule for rule in rules(page) if is_red(rule[3])]
    assert len(red) == 1, red
    assert red[0][0] - em_bottom(number[0]) == pytest.approx(4 * MM, abs=TOL)
    assert all(not is_red(c["non_stroking_color"]) for c in page.chars if c not in mark)


def test_upward_document_shows_the_signer_in_kaiti():
    """请示 (上行文): the number one character in from the left and 签发人：name one character in
    from the right on one line, the name in 楷体; 附注 (contact) in parentheses on the line after
    the date."""
    context, pdf = opened("request_for_consent", "long")
    page = pdf.pages[0]
    line = next(line for line in lines(page.chars) if "签发人" in text(line))
    assert text(line) == f"{context['doc']['number']}签发人：{context['signer']}"
    assert line[0]["x0"] == pytest.approx(LEFT + CHAR, abs=1)
    assert line[-1]["x1"] == pytest.approx(RIGHT - CHAR, abs=1.5)
    name = line[-len(context["signer"]) :]
    assert {c["fontname"] for c in name}.isdisjoint({c["fontname"] for c in line[: -len(context["signer"])]})
    assert any("KaiTi" in c["fontname"] or "Kai" in c["fontname"] for c in name)
    _page, _signature, date, page_lines = signoff(pdf, context)
    note = page_lines[page_lines.index(date) + 1]
    assert text(note) == f"（{context['note']}）"
    assert baseline(note[0]) - baseline(date[0]) == pytest.approx(LINE, abs=0.5)
    assert note[0]["x0"] == pytest.approx(LEFT + 2 * CHAR, abs=1)


def test_downward_document_has_no_signer_line():
    _context, pdf = opened("award_decision", "short")
    assert "签发人" not in pdf.pages[0].extract_text()


@pytest.mark.parametrize("recipients", ["中共平顶山市委组织部", "中共平顶山市委组织部：", "中共平顶山市委组织部:"])
def test_addressee_ends_with_exactly_one_colon(recipients):
    with pdfplumber.open(io.BytesIO(render_official(recipients=recipients))) as pdf:
        first = [text(line) for line in lines(pdf.pages[0].chars, BODY)]
    assert "中共平顶山市委组织部：" in first and not any("：：" in t or "：:" in t for t in first)


# --- sign-off, seal, 版记 ----------------------------------------------------------------------------


def signoff(pdf, context):
    """(page, signature line, date line, lines of the page) of the sign-off."""
    date = f"{context['date'].year}年{context['date'].month}月{context['date'].day}日"
    for page in pdf.pages:
        page_lines = lines(substantive(page))
        dates = [line for line in page_lines if text(line) == date]
        if dates:
            signature = next(line for line in page_lines if text(line) == context["signature"])
            return page, signature, dates[0], page_lines
    raise AssertionError("no date")


@pytest.mark.parametrize("slug, variant", ALL)
def test_signoff_never_alone_and_the_seal_place_kept(slug, variant):
    """成文日期 four characters in from the right, the issuer's name centred on it; body text on
    the same page above them; a 42 mm seal's place over both holds nothing else."""
    context, pdf = opened(slug, variant)
    page, signature, date, page_lines = signoff(pdf, context)
    assert date[-1]["x1"] == pytest.approx(RIGHT - 4 * CHAR, abs=1.5)
    centre = (date[0]["x0"] + date[-1]["x1"]) / 2
    assert (signature[0]["x0"] + signature[-1]["x1"]) / 2 == pytest.approx(centre, abs=2)
    assert baseline(date[0]) - baseline(signature[0]) == pytest.approx(LINE, abs=0.5)
    above = [line for line in page_lines if baseline(line[0]) < baseline(signature[0])]
    assert above, "the sign-off stands alone on its page"
    body_end = max(em_bottom(c) for line in above for c in line)
    # Two blank lines between the body and the name: the seal's top is within a line of the body,
    # the name and the date below its centre.
    assert baseline(signature[0]) - baseline(above[-1][0]) == pytest.approx(3 * LINE, abs=1)
    seal = (centre - 21 * MM, body_end, centre + 21 * MM, body_end + 42 * MM)
    assert (seal[1] + seal[3]) / 2 < em_top(signature[0])
    own = {id(c) for c in signature + date}
    for char in page.chars:
        if id(char) in own or not char["text"].strip():
            continue
        inside = seal[0] < char["x1"] and char["x0"] < seal[2] and seal[1] < em_bottom(char) and em_top(char) < seal[3]
        assert not inside, f"{char['text']} in the seal's place"
    code = qr_box(page)
    if code:
        assert code[2] <= seal[0] or code[0] >= seal[2] or code[3] <= seal[1] or code[1] >= seal[3], "the QR code in the seal's place"


def test_without_a_seal_the_name_and_date_move_right():
    """GB/T 9704 §7.3.5.2: no seal → name two characters in from the right one line below the
    body, the date below it starting two characters further right (the longer one sets the edge)."""
    context, _ = sample("revocation_decision", "short")
    with pdfplumber.open(io.BytesIO(render_official(seal=False))) as pdf:
        _page, signature, date, page_lines = signoff(pdf, context)
    assert max(signature[-1]["x1"], date[-1]["x1"]) == pytest.approx(RIGHT - 2 * CHAR, abs=1.5)
    assert date[0]["x0"] - signature[0]["x0"] == pytest.approx(2 * CHAR, abs=1.5)
    above = [line for line in page_lines if baseline(line[0]) < baseline(signature[0])]
    assert baseline(signature[0]) - baseline(above[-1][0]) == pytest.approx(2 * LINE, abs=0.5)


def closing_lines(page):
    return [text(line) for line in lines(substantive(page)) if line[0]["size"] == pytest.approx(FOLIO, abs=0.1)]


@pytest.mark.parametrize(
    "slug, variant",
    [p for p in ALL if p.values[0] != "introduction_letter" and (sample(*p.values)[0].get("cc") or sample(*p.values)[0].get("printer"))],
)
def test_closing_block_on_the_last_even_page(slug, variant):
    """版记 on the last page, which is even: 抄送 and 印发机关/印发日期 (4号, one character in
    from either edge) between a thick rule above and one on the text block's lower edge, a thin
    rule between."""
    context, pdf = opened(slug, variant)
    assert len(pdf.pages) % 2 == 0
    for page in pdf.pages[:-1]:
        assert not closing_lines(page)
    last = pdf.pages[-1]
    page_lines = lines(substantive(last))
    printed = next(line for line in page_lines if text(line).endswith("印发"))
    assert text(printed).startswith(context["printer"])
    assert printed[0]["x0"] == pytest.approx(LEFT + FOLIO, abs=1) and printed[-1]["x1"] == pytest.approx(RIGHT - FOLIO, abs=1)
    assert all(c["size"] == pytest.approx(FOLIO, abs=0.1) for c in printed)
    found = rules(last, below=TOP + HEIGHT / 3)
    assert found[-1][1] == pytest.approx(BOTTOM, abs=1)  # the last rule on the text block's lower edge
    assert found[0][2] == pytest.approx(0.35 * MM, abs=0.1) and found[-1][2] == pytest.approx(0.35 * MM, abs=0.1)
    if context.get("cc"):
        cc = next(line for line in page_lines if text(line).startswith("抄送："))
        assert cc[0]["x0"] == pytest.approx(LEFT + FOLIO, abs=1)
        assert len(found) == 3 and found[1][2] == pytest.approx(0.25 * MM, abs=0.1)
        assert found[0][1] < baseline(cc[0]) < found[1][0] < baseline(printed[0]) < found[2][0]


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_introduction_letter_is_one_page(variant):
    """A letter (信函格式, §10.1) is one sheet: body, sign-off and any 版记 on one page."""
    _context, pdf = opened("introduction_letter", variant)
    assert len(pdf.pages) == 1


def test_the_closing_block_always_lands_on_an_even_page():
    """Whatever the length of the body (GB/T 9704 §7.4, §7.5): under the body on an even page when
    it fits; alone on the even page after a body that ends on an odd page; after a blank page when
    it does not fit under a body ending on an even page."""
    seen = set()
    for count in range(8, 34):
        with filled(count) as pdf:
            pages = pdf.pages
            assert len(pages) % 2 == 0, count
            assert closing_lines(pages[-1]) and not any(closing_lines(p) for p in pages[:-1]), count
            body_on_last = [line for line in lines(substantive(pages[-1])) if line[0]["size"] == pytest.approx(BODY, abs=0.1)]
            before = substantive(pages[-2])
            if body_on_last:
                seen.add("under the body")
            elif before:
                seen.add("next page")
            else:
                assert not qr_box(pages[-2]) and substantive(pages[-3]), count
                seen.add("after a blank page")
    assert seen == {"under the body", "next page", "after a blank page"}


@pytest.mark.parametrize("slug, variant", ALL + [pytest.param(s, "long", id=f"{s}-long") for s in FORM_KINDS])
def test_no_page_holds_only_the_verification_code(slug, variant):
    """Every page holds text; the only empty page allowed is the blank page before a 版记 page."""
    _context, pdf = opened(slug, variant)
    for number, page in enumerate(pdf.pages, start=1):
        if substantive(page):
            continue
        assert not qr_box(page), f"page {number} holds nothing but the verification code"
        assert slug in STANDARD_KINDS and number == len(pdf.pages) - 1 and closing_lines(pdf.pages[-1]), f"page {number} is empty"


@pytest.mark.parametrize("slug", FORM_KINDS)
def test_forms_keep_sane_margins(slug):
    """The forms and the certificate: nothing closer than 5 mm to the paper's edge."""
    _context, pdf = opened(slug, "long")
    for page in pdf.pages:
        for char in page.chars:
            if char["text"].strip():
                assert char["x0"] >= 5 * MM and char["x1"] <= page.width - 5 * MM
                assert char["top"] >= 5 * MM and char["bottom"] <= page.height - 5 * MM


# --- the real issuing code ------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_issued_decision_has_the_same_geometry():
    """Through issue_document (number register, QR code): the number printed, the layout holds."""
    issuer = Unit.objects.create(
        code="PDS-ZZB",
        name="中共平顶山市委组织部",
        level=UnitLevel.CITY,
        kind=UnitKind.ORGANISATION_DEPT,
        document_prefix="平组",
        issuer_mark="中共平顶山市委组织部文件",
    )
    context = contexts.award_decision_context(
        issuer=issuer,
        awardees=[{"name": gallery.LONG_NAME, "unit_post": "鲁山县琴台街道党工委书记", "award": "记三等功"}],
        deeds=gallery.LONG_DEED.format(name=gallery.LONG_NAME),
        date=datetime.date(2026, 3, 1),
        recipients="各县（市、区）委组织部，市直各单位：",
        cc=["河南省委组织部"],
        printer="中共平顶山市委组织部办公室",
    )
    document = issue_document(DocumentKind.AWARD_DECISION, issuer=issuer, template="documents/award_decision.html", context=context)
    pdf_bytes = bytes(IssuedDocument.objects.defer(None).get(pk=document.pk).pdf)
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        assert len(pdf.pages) % 2 == 0
        first = pdf.pages[0].extract_text()
        assert "平组〔2026〕1号" in first and "各县（市、区）委组织部，市直各单位：" in first and "：：" not in first
        page, signature, date, _lines = signoff(pdf, {**context, "signature": "中共平顶山市委组织部"})
        assert qr_box(page), "the verification code sits beside the sign-off"
        assert qr_modules(page) == qr_matrix(verification_url(document)), "the code printed is the document's verification address"
        assert date[-1]["x1"] == pytest.approx(RIGHT - 4 * CHAR, abs=1.5)
        for number, page in enumerate(pdf.pages, start=1):
            (folio,) = folio_lines(page)
            assert (
                (folio[-1]["x1"] == pytest.approx(RIGHT - FOLIO, abs=1))
                if number % 2
                else (folio[0]["x0"] == pytest.approx(LEFT + FOLIO, abs=1))
            )


def test_a_templates_style_sheet_is_parsed_once_and_still_applies(monkeypatch):
    """documents.rendering parses a template's <style> once (cached by its text) and renders the
    document without it: a second document of the same template parses nothing, and looks the same."""
    import weasyprint

    from documents import rendering

    parsed = []
    real = weasyprint.CSS

    def counting(*args, **kwargs):
        parsed.append(kwargs.get("string", "")[:40])
        return real(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "CSS", counting)
    monkeypatch.setattr(rendering, "_stylesheets", {})
    slug, _label, template, context, _gbt = gallery.samples()[0]
    first = render(template, context)
    assert len(parsed) == 1
    second = render(template, context)
    assert len(parsed) == 1, "the second document of a template parsed its style sheet again"
    with pdfplumber.open(io.BytesIO(first.pdf)) as a, pdfplumber.open(io.BytesIO(second.pdf)) as b:
        assert [c["size"] for c in a.pages[0].chars] == [c["size"] for c in b.pages[0].chars]
        # The sheet applies: the body text is set in 16 pt (三号), as base_print.html's sheet says.
        assert statistics.mode(round(c["size"]) for c in a.pages[0].chars if c["text"].strip()) == 16
