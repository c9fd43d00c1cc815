"""The fonts of the official documents (GB/T 9704-2012; documents/fonts.py, issue 14 item 2).

The CSS contract with the templates: the families "MeritFlow FangSong" (仿宋), "MeritFlow KaiTi"
(楷体), "MeritFlow HeiTi" (黑体) and "MeritFlow XBS" (小标宋) exist, each falls back to Noto CJK
for a glyph its face lacks, and an administrator can point a style at a licensed file
(``DocumentFont``). Checked on PDFs rendered with the renderer's font configuration, by the
embedded fonts' names and glyphs (pypdf, fontTools).
"""

import io
import os
import re

import pytest
from django.urls import reverse
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from documents import fonts, rendering
from documents.models import DocumentFont

RARE = "䶮堃喆昇珺镕玥𠮷"
STAND_IN_CHARACTERS = "甲王关于给予某同志记三等功的决定"  # 16 GB2312 hanzi
# One marker character per style, so that the font drawing it tells which face the style got.
STYLE_MARKERS = {"fangsong": "甲", "kaiti": "乙", "heiti": "丙", "xbs": "丁"}
# What each style must resolve to: the embedded family, and a word of the face's copyright
# (the prepared cuts keep the source's copyright record).
EXPECTED = {
    "fangsong": ("MeritFlow-FangSong", "Adobe"),  # Noto Serif CJK SC Regular
    "kaiti": ("MeritFlow-KaiTi", "LXGW"),  # LXGW WenKai
    "heiti": ("MeritFlow-HeiTi", "Adobe"),  # Noto Sans CJK SC Bold
    "xbs": ("MeritFlow-XBS", "Adobe"),  # Noto Serif CJK SC Bold
}


@pytest.fixture(scope="session", autouse=True)
def prepared_fonts():
    """The prepared fonts (scripts/setup runs prepare_fonts; this is a no-op when it did)."""
    return fonts.prepare_fonts()


def render_styles(text_of_style):
    """PDF bytes of one paragraph per style, each in its contract family alone (no CSS fallback
    list: the fallback must come from the font configuration)."""
    from weasyprint import HTML

    paragraphs = "".join(
        f"<p style=\"font-family: '{fonts.STYLES_BY_KEY[key].family}'; font-size: 16pt\">{text}</p>" for key, text in text_of_style.items()
    )
    html = f'<html lang="zh-CN"><body>{paragraphs}</body></html>'
    with rendering._render_lock:
        return HTML(string=html).write_pdf(font_config=rendering._font_configuration())


def to_unicode_map(font):
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


def drawn_by(pdf_bytes, character):
    """{embedded font name without the subset tag: (glyph id, glyph, embedded TTFont)} of the
    fonts that draw ``character``."""
    found = {}
    for page in PdfReader(io.BytesIO(pdf_bytes)).pages:
        for font in (ref.get_object() for ref in page["/Resources"]["/Font"].values()):
            cids = [cid for cid, text in to_unicode_map(font).items() if text == character]
            if not cids:
                continue
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            embedded = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
            name = str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1]
            found[name] = (cids[0], embedded["glyf"][embedded.getGlyphOrder()[cids[0]]], embedded)
    return found


def assert_real_glyph(found, character):
    assert found, f"{character} not drawn at all"
    for name, (gid, glyph, _font) in found.items():
        assert gid != 0, f"{character} drawn with .notdef in {name}"
        assert glyph.numberOfContours != 0, f"{character} has an empty glyph in {name}"


# --- the faces of the styles -----------------------------------------------------------------


@pytest.mark.django_db
def test_each_style_family_resolves_to_its_face():
    pdf = render_styles({key: f"{marker}关于给予王某同志记三等功的决定" for key, marker in STYLE_MARKERS.items()})
    for key, marker in STYLE_MARKERS.items():
        family, maker = EXPECTED[key]
        found = drawn_by(pdf, marker)
        assert list(found) == [family], (key, list(found))
        _gid, _glyph, embedded = found[family]
        copyright_ = embedded["name"].getDebugName(0) or ""
        assert maker in copyright_, (key, copyright_)
        assert_real_glyph(found, marker)


def test_the_free_faces_cover_gb2312_and_the_rare_name_characters():
    """fontTools on the prepared files each style uses: all 6,763 GB2312 hanzi and 䶮 堃 喆 赟 昇
    珺 镕 玥 𠮷 (𠮷 only in an extension chunk)."""
    manifest = fonts.read_manifest()
    assert manifest is not None
    by_family = {}
    for entry in manifest["files"]:
        by_family.setdefault(entry["family"], []).append(fonts.font_dir() / entry["file"])
    for style in fonts.STYLES:
        core = fonts.font_info(fonts.font_dir() / f"{style.key}.ttf")
        assert core.family == style.family
        assert core.gb2312 == fonts.GB2312_HANZI == len(fonts.gb2312_hanzi()) == 6763, style.key
        covered = set()
        for path in by_family[style.family] + by_family[f"{style.family} Ext"]:
            covered |= set(TTFont(path, lazy=True).getBestCmap())
        assert {ord(c) for c in RARE + "赟"} <= covered, (style.key, [c for c in RARE if ord(c) not in covered])


@pytest.mark.django_db
def test_rare_name_characters_render_with_real_glyphs_in_every_style():
    pdf = render_styles({key: f"王{RARE}" for key in STYLE_MARKERS})
    for character in RARE:
        found = drawn_by(pdf, character)
        assert_real_glyph(found, character)
        # Drawn by the styles' own faces or their Noto CJK fallbacks, never a stray system font.
        assert all(name.startswith("MeritFlow-") for name in found), (character, list(found))
    # 𠮷 is outside every core: it comes from an extension chunk of the face itself.
    assert {"MeritFlow-KaiTi-Ext", "MeritFlow-FangSong-Ext"} <= set(drawn_by(pdf, "𠮷"))


# --- the administrator's override ------------------------------------------------------------


@pytest.fixture
def licensed_fangsong(tmp_path):
    """A stand-in for an installed 仿宋_GB2312.ttf: a TrueType font of its own name that has
    the marker and common characters but not the rare ones."""
    source = TTFont(fonts.font_dir() / "kaiti.ttf")
    characters = STAND_IN_CHARACTERS
    font = fonts.build_font(source, [ord(c) for c in characters], "Test FangSong GB2312")
    path = tmp_path / "仿宋_GB2312.ttf"
    font.save(path)
    return path


@pytest.mark.django_db
def test_the_administrators_file_is_used_and_the_free_face_fills_in(licensed_fangsong):
    DocumentFont.objects.update_or_create(style="fangsong", defaults={"file_path": str(licensed_fangsong)})
    pdf = render_styles({"fangsong": "甲王䶮", "kaiti": "乙王"})
    found = drawn_by(pdf, "甲")
    assert list(found) == ["MeritFlow-FangSong-Override"], list(found)
    assert found["MeritFlow-FangSong-Override"][2]["name"].getDebugName(1) == "Test FangSong GB2312"
    assert_real_glyph(found, "甲")
    # 䶮 is not in the file: the free face supplies it.
    assert list(drawn_by(pdf, "䶮")) == ["MeritFlow-FangSong"]
    assert list(drawn_by(pdf, "乙")) == ["MeritFlow-KaiTi"]  # the other styles are unchanged

    # Cleared in the admin: the next document uses the free face again.
    DocumentFont.objects.filter(style="fangsong").update(file_path="")
    assert list(drawn_by(render_styles({"fangsong": "甲"}), "甲")) == ["MeritFlow-FangSong"]


@pytest.mark.django_db
def test_admin_lists_the_face_of_every_style(admin_client):
    response = admin_client.get(reverse("admin:documents_documentfont_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert DocumentFont.objects.count() == 4  # the migration's rows, one per style
    for style in fonts.STYLES:
        assert str(fonts.font_dir() / f"{style.key}.ttf") in page, style.key
        assert style.family in page
    assert "LXGW WenKai" in page
    assert page.count("6763/6763") == 4


@pytest.mark.django_db
def test_admin_sets_a_licensed_file_and_shows_it(admin_client, licensed_fangsong):
    row = DocumentFont.objects.get(style="fangsong")
    url = reverse("admin:documents_documentfont_change", args=[row.pk])
    response = admin_client.post(url, {"file_path": str(licensed_fangsong), "face_index": 0})
    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    assert row.file_path == str(licensed_fangsong)
    page = admin_client.get(reverse("admin:documents_documentfont_changelist")).content.decode()
    assert str(licensed_fangsong) in page
    assert "Test FangSong GB2312" in page
    assert f"{len(set(STAND_IN_CHARACTERS))}/6763" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/nonexistent/仿宋_GB2312.ttf", "服务器上没有这个文件"),
        ("fonts/仿宋_GB2312.ttf", "绝对路径"),
        ("NOT-A-FONT", "不是可用的 TrueType/OpenType 字体文件"),
        ("LATIN-ONLY", "不含 GB2312 汉字"),
    ],
)
def test_admin_refuses_a_path_that_is_not_a_usable_font(admin_client, tmp_path, path, message):
    if path == "NOT-A-FONT":
        path = tmp_path / "readme.ttf"
        path.write_text("not a font")
    elif path == "LATIN-ONLY":
        path = tmp_path / "latin.ttf"
        fonts.build_font(TTFont(fonts.font_dir() / "kaiti.ttf"), [ord(c) for c in "ABC"], "Latin Only").save(path)
    row = DocumentFont.objects.get(style="kaiti")
    response = admin_client.post(reverse("admin:documents_documentfont_change", args=[row.pk]), {"file_path": str(path), "face_index": 0})
    assert response.status_code == 200
    assert message in response.content.decode()
    row.refresh_from_db()
    assert row.file_path == ""


def test_the_refusal_goes_through_gettext(monkeypatch):
    """The messages are gettext calls with Chinese source strings (the English catalogue is
    written afterwards): a catalogue's translation is what the administrator sees."""
    catalogue = {"服务器上没有这个文件，或无权读取：%(path)s": "No such file on the server, or not readable: %(path)s"}
    monkeypatch.setattr(fonts, "_", lambda message: catalogue.get(message, message))
    with pytest.raises(fonts.FontFileError, match="^No such file on the server, or not readable: /nonexistent/FangSong.ttf$"):
        fonts.check_override_file("/nonexistent/FangSong.ttf")


# --- preparation -----------------------------------------------------------------------------


def test_prepare_fonts_is_idempotent_and_prepares_every_style(capsys):
    first = fonts.prepare_fonts()
    directory = fonts.font_dir()
    stamps = {path.name: path.stat().st_mtime_ns for path in directory.glob("*.ttf")}
    stamps[fonts.MANIFEST] = (directory / fonts.MANIFEST).stat().st_mtime_ns
    logged = []
    second = fonts.prepare_fonts(log=logged.append)
    assert second == first
    assert logged == [f"fonts up to date in {directory}"]
    after = {path.name: path.stat().st_mtime_ns for path in directory.glob("*.ttf")}
    after[fonts.MANIFEST] = (directory / fonts.MANIFEST).stat().st_mtime_ns
    assert after == stamps  # nothing rewritten
    families = {entry["family"] for entry in second["files"]}
    for style in fonts.STYLES:
        assert {style.family, f"{style.family} Ext"} <= families, style.key
    for older in ("MeritFlow Serif", "MeritFlow Title", "MeritFlow Sans"):  # the templates' older families
        assert {older, f"{older} Ext"} <= families
    assert set(second["faces"]) == {face.key for face in fonts.FACES}
    assert os.path.basename(second["faces"]["kaiti"]["source"]["path"]).startswith("LXGWWenKai-Regular")
