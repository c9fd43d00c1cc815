"""Fonts for the PDF documents: prepared TrueType cuts of free faces, one family per style.

GB/T 9704-2012 sets official documents in 仿宋 (body), 黑体 and 楷体 (headings, 附注, signer
names) and 小标宋 (title). The licensed cuts (仿宋_GB2312, 方正小标宋 …) are not free; these
free faces stand in (Debian packages, installed by scripts/setup), each as a family of its own
that the templates use (the CSS contract):

==================== ====== ========================================= ==================
family               style  face (package, licence)                   GB2312 / rare names
==================== ====== ========================================= ==================
MeritFlow FangSong   仿宋   Noto Serif CJK SC Regular (fonts-noto-cjk, 6763/6763, 9/9
                            SIL OFL 1.1) — no free 仿宋 covers GB2312
MeritFlow KaiTi      楷体   LXGW WenKai Regular 霞鹜文楷                6763/6763, 9/9
                            (fonts-lxgw-wenkai, SIL OFL 1.1)
MeritFlow HeiTi      黑体   Noto Sans CJK SC Bold (fonts-noto-cjk, OFL) 6763/6763, 9/9
MeritFlow XBS        小标宋 Noto Serif CJK SC Bold (fonts-noto-cjk, OFL) 6763/6763, 9/9
==================== ====== ========================================= ==================

(rare names: 䶮 堃 喆 赟 昇 珺 镕 玥 𠮷.) Each family falls back per character to the extension
chunks of its face and then to Noto CJK (``Style.fallback``, written into the fontconfig file as
an alias, so ``font-family: "MeritFlow KaiTi"`` alone is enough). An administrator can point a
style at an installed licensed file instead (``DocumentFont`` in the admin; ``Override``): the
file then comes first and the free face fills in what it lacks.
The older families (MeritFlow Serif/Title/Sans, each with "… Ext") stay for the templates that
use them.

Why prepare fonts at all: WeasyPrint embeds a subset of every font it uses. The stock Noto CJK
``.ttc`` faces are CFF fonts of 65,535 glyphs; without libharfbuzz-subset WeasyPrint subsets
them with fontTools while keeping the glyph ids, which walks every charstring — 4–5 s for a
two-page document on the reference machine. ``prepare_fonts`` (idempotent, run by scripts/setup)
rebuilds each needed face once as small TrueType files:

- ``<face>.ttf`` — the *core*: GB2312 (6,763 hanzi and its symbols), ASCII, Latin-1,
  full-width forms, CJK and general punctuation and some name characters outside GB2312;
- ``<face>-ext-NN.ttf`` — everything else the face covers, in chunks of ``EXT_CHUNK``
  characters, so that a document with one rare character pays for a small chunk only.

TrueType outlines (converted from CFF with cu2qu, max error 1/1000 em) subset an order of
magnitude faster than CFF, and the files carry no layout or vertical tables that WeasyPrint
would decode and then drop. A two-page document then renders in about 0.3 s with fontTools
and 0.08 s with HarfBuzz-Subset (bench/bench_documents.py). The files are made known to fontconfig
(``fontconfig_file``); the CSS font stacks list the core family, then the extension family,
then the stock system family, so any character the system has still renders, just more slowly.
A face whose outlines serve two families (Noto Serif Regular as "MeritFlow Serif" and
"MeritFlow FangSong") is built once and saved under both names. Each face is rebuilt only when
its source file or the preparation changes.
"""

import contextlib
import functools
import hashlib
import json
import logging
import os
import struct
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

# Bump when the preparation changes, so existing installations rebuild.
PREPARATION_VERSION = 3
EXT_CHUNK = 4000
MANIFEST = "manifest.json"

# Characters outside GB2312 that names are known to use (DOMAIN.md §8.1 names 䶮 堃 喆 赟),
# kept in the core so that such documents never need an extension chunk.
EXTRA_NAME_CHARACTERS = "䶮堃喆赟玥珺昇琍彧淏旻晟犇镕婧祎珏瑄"
# What the coverage reports count as "rare name characters" (𠮷 U+20BB7 is outside the BMP).
RARE_NAME_CHARACTERS = "䶮堃喆赟昇珺镕玥𠮷"


@dataclass(frozen=True)
class Face:
    """A prepared family: one weight only, so that CSS never asks fontconfig for a weight the
    substitute does not have (which would synthesise bold on top of a bold cut)."""

    key: str  # file stem under the font directory
    family: str  # CSS family of the core file; the extension chunks use "<family> Ext"
    source_family: str  # the installed face it is cut from
    source_style: str
    source_glob: str = "Noto*CJK*"  # installed files that may hold it
    package: str = "fonts-noto-cjk"  # the Debian package that installs it
    also: tuple = ()  # (key, family) of further families with the same outlines

    @property
    def ext_family(self):
        return f"{self.family} Ext"

    def families(self):
        """(key, family) of every family built from this face, its own first."""
        return ((self.key, self.family), *self.also)


FACES = (
    # 仿宋 body → Noto Serif CJK SC (also the older "MeritFlow Serif" of 宋体 labels).
    Face("serif-regular", "MeritFlow Serif", "Noto Serif CJK SC", "Regular", also=(("fangsong", "MeritFlow FangSong"),)),
    # 小标宋 title and issuer mark → Noto Serif CJK SC Bold (also the older "MeritFlow Title").
    Face("serif-bold", "MeritFlow Title", "Noto Serif CJK SC", "Bold", also=(("xbs", "MeritFlow XBS"),)),
    # The older sans family (Noto Sans CJK SC Regular).
    Face("sans-regular", "MeritFlow Sans", "Noto Sans CJK SC", "Regular"),
    # 黑体 headings → Noto Sans CJK SC Bold (SimHei is heavier than Noto Sans Regular).
    Face("heiti", "MeritFlow HeiTi", "Noto Sans CJK SC", "Bold"),
    # 楷体 (附注, signer names, second-level headings) → LXGW WenKai (霞鹜文楷).
    Face("kaiti", "MeritFlow KaiTi", "LXGW WenKai", "Regular", source_glob="LXGW*WenKai*", package="fonts-lxgw-wenkai"),
)


@dataclass(frozen=True)
class Style:
    """A GB/T 9704 style and the CSS family the templates use for it (the contract)."""

    key: str  # DocumentFont.style
    label: str
    family: str
    free_face: str  # what stands in when no licensed file is configured
    licence: str
    fallback: tuple = field(default=())  # families tried next, in order, for missing glyphs

    @property
    def override_family(self):
        return f"{self.family} Override"

    def families(self):
        return (self.family, *self.fallback)


STYLES = (
    Style(
        "fangsong",
        gettext_lazy("仿宋"),
        "MeritFlow FangSong",
        "Noto Serif CJK SC Regular",
        "SIL OFL 1.1",
        ("MeritFlow FangSong Ext", "MeritFlow Serif", "MeritFlow Serif Ext", "Noto Serif CJK SC"),
    ),
    Style(
        "kaiti",
        gettext_lazy("楷体"),
        "MeritFlow KaiTi",
        "LXGW WenKai Regular",
        "SIL OFL 1.1",
        ("MeritFlow KaiTi Ext", "LXGW WenKai", "MeritFlow Serif", "MeritFlow Serif Ext", "Noto Serif CJK SC"),
    ),
    Style(
        "heiti",
        gettext_lazy("黑体"),
        "MeritFlow HeiTi",
        "Noto Sans CJK SC Bold",
        "SIL OFL 1.1",
        ("MeritFlow HeiTi Ext", "MeritFlow Sans", "MeritFlow Sans Ext", "Noto Sans CJK SC"),
    ),
    Style(
        "xbs",
        gettext_lazy("小标宋"),
        "MeritFlow XBS",
        "Noto Serif CJK SC Bold",
        "SIL OFL 1.1",
        ("MeritFlow XBS Ext", "MeritFlow Title", "MeritFlow Title Ext", "Noto Serif CJK SC"),
    ),
)
STYLES_BY_KEY = {style.key: style for style in STYLES}

SOURCE_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


def font_dir():
    """Where prepared fonts live: ``settings.MERITFLOW_FONT_DIR``, else the environment variable
    of that name, else ``var/fonts`` in the checkout. Not under MERITFLOW_VAR_DIR on purpose: the
    files derive from the system fonts, not from the instance's data, so a test run with a
    throwaway VAR_DIR reuses them."""
    configured = getattr(settings, "MERITFLOW_FONT_DIR", None) or os.environ.get("MERITFLOW_FONT_DIR")
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "fonts"


# --- character sets --------------------------------------------------------------------------


def gb2312_characters():
    """Every character of GB2312 in code order: symbols, level 1 (3,755), level 2 (3,008)."""
    chars = []
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def core_codepoints():
    """The core set, most common first (the glyph order follows it)."""
    ranges = [
        range(0x20, 0x7F),  # ASCII
        range(0xA0, 0x100),  # Latin-1 (·, ×, °)
        range(0x2010, 0x2030),  # dashes, quotes, …, ‰
        range(0x3000, 0x3040),  # CJK symbols and punctuation, 〔〕
        range(0xFF01, 0xFF5F),  # full-width forms
    ]
    ordered = [cp for r in ranges for cp in r]
    ordered += [ord(c) for c in gb2312_characters()]
    ordered += [ord(c) for c in EXTRA_NAME_CHARACTERS]
    return list(dict.fromkeys(ordered))


# --- locating the installed faces ------------------------------------------------------------


def find_source(face, dirs=SOURCE_DIRS):
    """``(path, index)`` of the installed face, or None. Looks at files matching ``face.source_glob``."""
    from fontTools.ttLib import TTCollection, TTFont

    for directory in dirs:
        root = Path(directory).expanduser()
        if not root.is_dir():
            continue
        for path in sorted(root.rglob(face.source_glob)):
            if path.suffix.lower() not in {".ttc", ".otc", ".otf", ".ttf"}:
                continue
            fonts = TTCollection(path, lazy=True).fonts if path.suffix.lower() in {".ttc", ".otc"} else [TTFont(path, lazy=True)]
            for index, font in enumerate(fonts):
                name = font["name"]
                if name.getDebugName(1) == face.source_family and name.getDebugName(2) == face.source_style:
                    return path, index
    return None


def _load_source(path, index):
    from fontTools.ttLib import TTCollection, TTFont

    if Path(path).suffix.lower() in {".ttc", ".otc"}:
        return TTCollection(path, lazy=True).fonts[index]
    return TTFont(path, lazy=True)


# --- building one TrueType file --------------------------------------------------------------

OS2_FIELDS = (
    "usWeightClass",
    "usWidthClass",
    "fsType",
    "ySubscriptXSize",
    "ySubscriptYSize",
    "ySubscriptXOffset",
    "ySubscriptYOffset",
    "ySuperscriptXSize",
    "ySuperscriptYSize",
    "ySuperscriptXOffset",
    "ySuperscriptYOffset",
    "yStrikeoutSize",
    "yStrikeoutPosition",
    "sFamilyClass",
    "achVendID",
    "fsSelection",
    "sTypoAscender",
    "sTypoDescender",
    "sTypoLineGap",
    "usWinAscent",
    "usWinDescent",
    "ulCodePageRange1",
    "ulCodePageRange2",
    "sxHeight",
    "sCapHeight",
)


def build_font(source, codepoints, family):
    """A TrueType font with the glyphs of ``codepoints`` drawn from ``source`` (a CFF TTFont).

    Only the tables text layout and PDF embedding need: no GSUB/GPOS (WeasyPrint drops them
    from the embedded font anyway), no vertical metrics, no glyph names. Copyright and licence
    name records are copied (SIL OFL 1.1); the family is renamed, as the outlines are modified.
    """
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.recordingPen import DecomposingRecordingPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    cmap = source.getBestCmap()
    glyph_set = source.getGlyphSet()
    cff = "CFF " in source or "CFF2" in source
    source_metrics = source["hmtx"].metrics
    order, mapping = [".notdef"], {}
    seen = {".notdef"}
    for cp in codepoints:
        glyph = cmap.get(cp)
        if glyph is None:
            continue
        mapping[cp] = glyph
        if glyph not in seen:
            seen.add(glyph)
            order.append(glyph)

    glyphs = {}
    for glyph in order:
        pen = TTGlyphPen(None)
        # CFF contours run counter-clockwise, TrueType ones clockwise; components (TrueType
        # sources such as LXGW WenKai) are drawn decomposed, as their glyphs may not be kept.
        recording = DecomposingRecordingPen(glyph_set)
        glyph_set[glyph].draw(recording)
        recording.replay(Cu2QuPen(pen, max_err=source["head"].unitsPerEm / 1000, reverse_direction=cff))
        glyphs[glyph] = pen.glyph()

    builder = FontBuilder(source["head"].unitsPerEm, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(mapping)
    # Windows subtables only: FreeType reads them, and WeasyPrint's subsetting decodes every
    # subtable on each render.
    cmap_table = builder.font["cmap"]
    cmap_table.tables = [table for table in cmap_table.tables if table.platformID == 3]
    builder.setupGlyf(glyphs)
    glyf = builder.font["glyf"]
    builder.setupHorizontalMetrics({g: (source_metrics[g][0], getattr(glyf[g], "xMin", 0)) for g in order})
    hhea = source["hhea"]
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
    names = source["name"]
    style = "Regular"  # each prepared family has a single cut (see Face)
    builder.setupNameTable(
        {
            "copyright": names.getDebugName(0) or "",
            "familyName": family,
            "styleName": style,
            "uniqueFontIdentifier": f"{family.replace(' ', '')}-{style}:{PREPARATION_VERSION}",
            "fullName": f"{family} {style}",
            "psName": f"{family.replace(' ', '')}-{style}",
            "version": names.getDebugName(5) or "Version 1.0",
            "licenseDescription": names.getDebugName(13) or "",
            "licenseInfoURL": names.getDebugName(14) or "",
        }
    )
    os2 = source["OS/2"]
    fields = {field: getattr(os2, field) for field in OS2_FIELDS if hasattr(os2, field)}
    fields.update(usWeightClass=400, fsSelection=0x40)  # REGULAR
    builder.setupOS2(**fields)
    builder.setupPost(keepGlyphNames=False)
    return builder.font


def rename(font, family):
    """Give a font made by ``build_font`` another family name (the records build_font sets)."""
    style = "Regular"
    values = {
        1: family,
        3: f"{family.replace(' ', '')}-{style}:{PREPARATION_VERSION}",
        4: f"{family} {style}",
        6: f"{family.replace(' ', '')}-{style}",
    }
    for record in font["name"].names:
        if record.nameID in values:
            record.string = values[record.nameID]
    return font


def _chunks(items, size):
    return [items[i : i + size] for i in range(0, len(items), size)]


def _prepare_face(face, path, index, out_dir):
    """Build the core and extension files of one face, under each of its families; return the
    file entries (file name, family)."""
    source = _load_source(path, index)
    core = core_codepoints()
    core_set = set(core)
    rest = sorted(cp for cp in source.getBestCmap() if cp not in core_set)
    files = []
    for number, codepoints in enumerate([core, *_chunks(rest, EXT_CHUNK)]):
        suffix = f"-ext-{number:02d}" if number else ""
        font = None
        for key, family in face.families():
            family = f"{family} Ext" if number else family
            font = build_font(source, codepoints, family) if font is None else rename(font, family)
            font.save(out_dir / f"{key}{suffix}.ttf")
            files.append({"file": f"{key}{suffix}.ttf", "family": family})
    return files


# --- preparation (management command) --------------------------------------------------------


def _source_stamp(path):
    stat = Path(path).stat()
    return {"path": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def read_manifest(directory=None):
    directory = Path(directory or font_dir())
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("version") != PREPARATION_VERSION:
        return None
    if not all((directory / entry["file"]).is_file() for entry in manifest.get("files", [])):
        return None
    return manifest


def _remove_dead_builds(directory):
    """Remove the build folders of runs that died (``.build-<pid>`` of a process gone)."""
    for folder in directory.glob(".build-*"):
        try:
            os.kill(int(folder.name.removeprefix(".build-")), 0)
            continue  # still running
        except ProcessLookupError:
            pass
        except (ValueError, PermissionError):
            continue
        for leftover in folder.iterdir():
            leftover.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()


PROGRESS_SECONDS = 15  # prepare_fonts: a "still preparing" line this often while faces are being cut


def prepare_fonts(directory=None, *, force=False, workers=None, log=logger.info):
    """Build the prepared fonts into ``directory`` unless they are up to date; return the manifest.

    Each face is up to date when the manifest has the same preparation version, the same
    source file (path, size, mtime) for it and every file it lists; only the other faces are
    rebuilt, and nothing is written when all are up to date (the renderer watches the
    manifest's mtime). Files are written under new names first and the manifest last, so an
    interrupted run leaves the previous set usable.
    """
    directory = Path(directory or font_dir())
    sources = {}
    for face in FACES:
        found = find_source(face)
        if found is None:
            log(f"not installed, skipped: {face.source_family} {face.source_style} (apt-get install {face.package})")
            continue
        sources[face.key] = (face, *found)
    stamps = {key: {**_source_stamp(path), "index": index} for key, (face, path, index) in sources.items()}

    current = read_manifest(directory)
    built_before = {} if force or current is None else current.get("faces", {})
    reuse = {key: entry for key, entry in built_before.items() if key in stamps and entry.get("source") == stamps[key]}
    if current is not None and set(reuse) == set(built_before) == set(stamps):
        log(f"fonts up to date in {directory}")
        return current

    directory.mkdir(parents=True, exist_ok=True)
    _remove_dead_builds(directory)
    build = directory / f".build-{os.getpid()}"
    build.mkdir(exist_ok=True)
    todo = {key: value for key, value in sources.items() if key not in reuse}
    faces = dict(reuse)
    if todo:
        workers = workers or min(len(todo), os.cpu_count() or 1) or 1
        started = time.monotonic()
        log(
            f"preparing {len(todo)} font face(s) in {directory} with {workers} process(es): "
            f"{', '.join(todo)} (a few minutes the first time, then only when a font package changes)"
        )
        with ProcessPoolExecutor(max_workers=workers) as pool:
            jobs = {pool.submit(_prepare_face, face, str(path), index, build): key for key, (face, path, index) in todo.items()}
            pending = set(jobs)
            while pending:
                # A line per finished face, and every PROGRESS_SECONDS one naming those still running.
                done, pending = wait(pending, timeout=PROGRESS_SECONDS, return_when=FIRST_COMPLETED)
                elapsed = time.monotonic() - started
                for job in sorted(done, key=lambda job: list(todo).index(jobs[job])):
                    key = jobs[job]
                    try:
                        face_files = job.result()
                    except Exception:  # one broken face must not cost the others
                        logger.exception("preparing %s failed", key)
                        log(f"[{elapsed:4.0f}s] FAILED to prepare {key}: its style falls back to the next family")
                        stamps.pop(key)
                        continue
                    log(f"[{elapsed:4.0f}s] prepared font face {key}: {len(face_files)} files ({len(todo) - len(pending)}/{len(todo)})")
                    faces[key] = {"source": stamps[key], "files": face_files}
                if pending and not done:
                    running = ", ".join(key for key in todo if key not in faces and key in stamps)
                    log(f"[{elapsed:4.0f}s] still preparing font faces: {running}")
        for key in todo:
            for entry in faces.get(key, {}).get("files", []):
                os.replace(build / entry["file"], directory / entry["file"])
    for leftover in build.iterdir():
        leftover.unlink()
    build.rmdir()
    faces = {key: faces[key] for key in stamps}  # FACES order
    files = [entry for entry in faces.values() for entry in entry["files"]]
    manifest = {"version": PREPARATION_VERSION, "sources": stamps, "faces": faces, "files": files}
    tmp = directory / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    os.replace(tmp, directory / MANIFEST)
    # Files of an older preparation that the new manifest no longer lists.
    listed = {entry["file"] for entry in files}
    for stale in directory.glob("*.ttf"):
        if stale.name not in listed:
            stale.unlink()
    log(f"fonts prepared in {directory}" + (f" in {time.monotonic() - started:.0f}s" if todo else ""))
    return manifest


# --- coverage (admin page, validation of an administrator's file) -----------------------------


class FontFileError(ValueError):
    """A file an administrator named cannot serve as a document font (translated message)."""


@dataclass(frozen=True)
class FontInfo:
    path: str
    index: int
    family: str
    style: str
    gb2312: int  # GB2312 hanzi covered, of GB2312_HANZI
    rare: str  # the RARE_NAME_CHARACTERS it covers

    @property
    def gb2312_text(self):
        return f"{self.gb2312}/{GB2312_HANZI}"

    @property
    def rare_text(self):
        return f"{len(self.rare)}/{len(RARE_NAME_CHARACTERS)}"


def gb2312_hanzi():
    """The 6,763 hanzi of GB2312 (rows 16–87)."""
    return [c for c in gb2312_characters() if 0x4E00 <= ord(c) <= 0x9FFF]


GB2312_HANZI = 6763


@functools.lru_cache(maxsize=64)
def _font_info(path, index, size, mtime_ns):
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    try:
        with open(path, "rb") as stream:
            magic = stream.read(4)
        if magic == b"ttcf":
            collection = TTCollection(path, lazy=True)
            if index >= len(collection.fonts):
                raise FontFileError(
                    _("字体集合 %(path)s 只有 %(count)d 个字体，没有第 %(index)d 个（从 0 数起）。")
                    % {"path": path, "count": len(collection.fonts), "index": index}
                )
            font = collection.fonts[index]
        else:
            if index:
                raise FontFileError(_("%(path)s 不是字体集合（.ttc），字体序号只能是 0。") % {"path": path})
            font = TTFont(path, lazy=True)
        cmap = font.getBestCmap() or {}
        name = font["name"]
        family = name.getDebugName(16) or name.getDebugName(1) or ""
        style = name.getDebugName(17) or name.getDebugName(2) or ""
    except FontFileError:
        raise
    except (TTLibError, KeyError, AssertionError, struct.error, ValueError, OSError) as error:
        raise FontFileError(_("%(path)s 不是可用的 TrueType/OpenType 字体文件（%(error)s）。") % {"path": path, "error": error}) from error
    gb = sum(1 for c in gb2312_hanzi() if ord(c) in cmap)
    rare = "".join(c for c in RARE_NAME_CHARACTERS if ord(c) in cmap)
    return FontInfo(path, index, family, style, gb, rare)


def font_info(path, index=0):
    """``FontInfo`` of a font file (face ``index`` of a collection); ``FontFileError`` with a
    translated message when it is not a readable TrueType/OpenType font."""
    path = str(path)
    if not os.path.isabs(path):
        raise FontFileError(_("请填写字体文件的绝对路径（以 / 开头）：%(path)s") % {"path": path})
    try:
        stat = os.stat(path)
    except OSError:
        raise FontFileError(_("服务器上没有这个文件，或无权读取：%(path)s") % {"path": path}) from None
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        raise FontFileError(_("服务器上没有这个文件，或无权读取：%(path)s") % {"path": path})
    return _font_info(path, index, stat.st_size, stat.st_mtime_ns)


def check_override_file(path, index=0):
    """``font_info`` of a file an administrator names for a style; refuses a file without any
    GB2312 hanzi (a Latin font would silently turn every character into fallback)."""
    info = font_info(path, index)
    if info.gb2312 == 0:
        raise FontFileError(_("%(path)s 不含 GB2312 汉字，不能用作公文字体。") % {"path": path})
    return info


# --- administrator overrides -----------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    """A style an administrator pointed at an installed file (``DocumentFont``), as rendered:
    the file's size and mtime are part of it, so a replaced file is picked up."""

    style: str
    path: str
    index: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, style, path, index=0):
        """The override, or None when the file is gone (the free face is used then)."""
        try:
            stat = os.stat(path)
        except OSError:
            logger.warning("document font for %s not found, using the free face: %s", style, path)
            return None
        return cls(style, str(path), int(index), stat.st_size, stat.st_mtime_ns)

    @property
    def digest(self):
        key = f"{self.style}\0{self.path}\0{self.index}\0{self.size}\0{self.mtime_ns}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]


def _writable_dir(preferred):
    try:
        preferred.mkdir(parents=True, exist_ok=True)
        probe = preferred / f".probe-{os.getpid()}"
        probe.touch()
        probe.unlink()
        return preferred
    except OSError:
        fallback = Path(tempfile.gettempdir()) / "meritflow-fonts"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def override_link(override, directory=None):
    """A directory of its own holding a link to the override's file: fontconfig scans it under
    a rule that renames the face to the style's override family. One directory per file state,
    so fontconfig's per-directory cache never holds a scan made under another rule."""
    base = _writable_dir(Path(directory or font_dir()) / "overrides")
    folder = base / f"{override.style}-{override.digest}"
    link = folder / f"font{Path(override.path).suffix.lower() or '.ttf'}"
    if not (link.is_symlink() and os.readlink(link) == override.path):
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".link-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(override.path)
        os.replace(tmp, link)
    # Links whose file is gone serve nobody.
    for other in base.glob("*/font.*"):
        if other.is_symlink() and not other.exists():
            other.unlink()
            with contextlib.suppress(OSError):
                other.parent.rmdir()
    return link


# --- the faces in use (admin page) -----------------------------------------------------------


def current_faces(overrides=(), directory=None):
    """What each style renders with now: ``[(style, source, FontInfo or None, note)]``, where
    source is "override" (an administrator's file), "prepared" (the free face, cut by
    prepare_fonts) or "missing" (not prepared: the stock fonts, slowly)."""
    directory = Path(directory or font_dir())
    by_style = {override.style: override for override in overrides}
    manifest = read_manifest(directory)
    listed = {entry["file"] for entry in (manifest or {}).get("files", [])}
    rows = []
    for style in STYLES:
        override = by_style.get(style.key)
        if override is not None:
            try:
                rows.append((style, "override", font_info(override.path, override.index), ""))
                continue
            except FontFileError as error:
                rows.append((style, "override-broken", None, str(error)))
                continue
        core = f"{style.key}.ttf"
        if core in listed:
            info = font_info(directory / core)
            rows.append((style, "prepared", info, f"{style.free_face} ({style.licence})"))
        else:
            rows.append((style, "missing", None, f"{style.free_face} ({style.licence})"))
    return rows


# --- fontconfig ------------------------------------------------------------------------------

SYSTEM_FONTCONFIG = "/etc/fonts/fonts.conf"
FONTCONFIG_TEMPLATE = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- Written by MeritFlow (documents/fonts.py): the system configuration plus the prepared fonts. -->
<fontconfig>
  <include ignore_missing="yes">{base}</include>
  <dir>{directory}</dir>
{rules}</fontconfig>
"""


def _strings(families):
    return "".join(f"<string>{escape(family)}</string>" for family in families)


def fontconfig_rules(overrides=(), override_links=None):
    """The fontconfig rules of the CSS contract: each style family is followed by its fallback
    families (so a glyph the face lacks comes from Noto CJK), and preceded by the
    administrator's file when there is one (``override_links``: style → link from
    ``override_link``; that file is renamed to the style's override family when scanned)."""
    override_links = override_links or {}
    by_style = {override.style: override for override in overrides}
    rules = []
    for style in STYLES:
        edits = f'    <edit name="family" mode="append" binding="strong">{_strings(style.fallback)}</edit>\n'
        link = override_links.get(style.key)
        if link is not None:
            override = by_style[style.key]
            rules.append(
                f"  <dir>{escape(str(link.parent))}</dir>\n"
                f'  <match target="scan">\n'
                f'    <test name="file"><string>{escape(str(link))}</string></test>\n'
                f'    <test name="index"><int>{override.index}</int></test>\n'
                f'    <edit name="family" mode="assign_replace"><string>{escape(style.override_family)}</string></edit>\n'
                f'    <edit name="familylang" mode="assign_replace"><string>en</string></edit>\n'
                f"  </match>\n"
            )
            edits = f'    <edit name="family" mode="prepend" binding="strong">{_strings([style.override_family])}</edit>\n' + edits
        rules.append(
            f'  <match target="pattern">\n    <test name="family"><string>{escape(style.family)}</string></test>\n{edits}  </match>\n'
        )
    return "".join(rules)


def fontconfig_file(directory=None, base=None, overrides=()):
    """A fontconfig file: ``base`` (default: the system's) plus the prepared fonts' directory,
    the style families' fallbacks and the administrator's files (``overrides``).

    The renderer points FONTCONFIG_FILE at it, so fontconfig finds the prepared families by
    name like installed fonts, and caches its scan of them. (@font-face rules would make
    WeasyPrint copy all the files, 53 MB, into a temporary directory and rescan them in each
    process: half a second and the disk space per worker.) Written next to the fonts —
    ``fonts.conf``, or ``fonts-<digest>.conf`` with overrides, so processes that differ never
    overwrite each other's — or in a temporary file when that directory is read-only.
    """
    directory = Path(directory or font_dir()).resolve()
    links = {override.style: override_link(override, directory) for override in overrides}
    content = FONTCONFIG_TEMPLATE.format(
        base=escape(str(base or SYSTEM_FONTCONFIG)),
        directory=escape(str(directory)),
        rules=fontconfig_rules(overrides, links),
    )
    name = "fonts.conf"
    if overrides:
        name = f"fonts-{hashlib.sha256(content.encode()).hexdigest()[:16]}.conf"
    target = directory / name
    try:
        if not target.is_file() or target.read_text() != content:
            tmp = target.with_name(f".{name}.{os.getpid()}")
            tmp.write_text(content)
            os.replace(tmp, target)
    except OSError:
        handle, temp_name = tempfile.mkstemp(prefix="meritflow-fonts-", suffix=".conf")
        with os.fdopen(handle, "w") as stream:
            stream.write(content)
        target = Path(temp_name)
    return target
