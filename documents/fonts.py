"""Fonts for the PDF documents: prepared TrueType cuts of the Noto CJK faces.

DOMAIN.md §8.1: 仿宋/小标宋 are not free; documents fall back to Noto Serif CJK SC
(fonts-noto-cjk), and names with rare characters (䶮, 堃, 喆, 赟) must render, not show boxes.

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
"""

import json
import logging
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings

logger = logging.getLogger(__name__)

# Bump when the preparation changes, so existing installations rebuild.
PREPARATION_VERSION = 2
EXT_CHUNK = 4000
MANIFEST = "manifest.json"

# Characters outside GB2312 that names are known to use (DOMAIN.md §8.1 names 䶮 堃 喆 赟),
# kept in the core so that such documents never need an extension chunk.
EXTRA_NAME_CHARACTERS = "䶮堃喆赟玥珺昇琍彧淏旻晟犇镕婧祎珏瑄"


@dataclass(frozen=True)
class Face:
    """A prepared family: one weight only, so that CSS never asks fontconfig for a weight the
    substitute does not have (which would synthesise bold on top of a bold cut)."""

    key: str  # file stem under the font directory
    family: str  # CSS family of the core file; the extension chunks use "<family> Ext"
    source_family: str  # the installed face it is cut from
    source_style: str

    @property
    def ext_family(self):
        return f"{self.family} Ext"


FACES = (
    # 仿宋 body and 楷体 headings → Noto Serif CJK SC.
    Face("serif-regular", "MeritFlow Serif", "Noto Serif CJK SC", "Regular"),
    # 小标宋 title and issuer mark → Noto Serif CJK SC Bold, as a family of its own.
    Face("serif-bold", "MeritFlow Title", "Noto Serif CJK SC", "Bold"),
    # 黑体 headings → Noto Sans CJK SC.
    Face("sans-regular", "MeritFlow Sans", "Noto Sans CJK SC", "Regular"),
)

SOURCE_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


def font_dir():
    """Where prepared fonts live: ``settings.MERITFLOW_FONT_DIR``, else ``var/fonts`` in the
    checkout. Not under MERITFLOW_VAR_DIR on purpose: the files derive from the system fonts,
    not from the instance's data, so a test run with a throwaway VAR_DIR reuses them."""
    configured = getattr(settings, "MERITFLOW_FONT_DIR", None)
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
    """``(path, index)`` of the installed face, or None. Looks at Noto CJK files only."""
    from fontTools.ttLib import TTCollection, TTFont

    for directory in dirs:
        root = Path(directory).expanduser()
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("Noto*CJK*")):
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
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    cmap = source.getBestCmap()
    glyph_set = source.getGlyphSet()
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
        # CFF contours run counter-clockwise, TrueType ones clockwise.
        glyph_set[glyph].draw(Cu2QuPen(pen, max_err=source["head"].unitsPerEm / 1000, reverse_direction=True))
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


def _chunks(items, size):
    return [items[i : i + size] for i in range(0, len(items), size)]


def _prepare_face(face, path, index, out_dir):
    """Build the core and extension files of one face; return their file names."""
    source = _load_source(path, index)
    core = core_codepoints()
    core_set = set(core)
    files = []
    font = build_font(source, core, face.family)
    font.save(out_dir / f"{face.key}.ttf")
    files.append({"file": f"{face.key}.ttf", "family": face.family})
    rest = sorted(cp for cp in source.getBestCmap() if cp not in core_set)
    for number, chunk in enumerate(_chunks(rest, EXT_CHUNK), start=1):
        name = f"{face.key}-ext-{number:02d}.ttf"
        build_font(source, chunk, face.ext_family).save(out_dir / name)
        files.append({"file": name, "family": face.ext_family})
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


def prepare_fonts(directory=None, *, force=False, workers=None, log=logger.info):
    """Build the prepared fonts into ``directory`` unless they are up to date; return the manifest.

    Up to date means: same preparation version, same source files (path, size, mtime), every
    listed file present. Files are written under new names first and the manifest last, so an
    interrupted run leaves the previous set usable.
    """
    directory = Path(directory or font_dir())
    sources = {}
    for face in FACES:
        found = find_source(face)
        if found is None:
            log(f"not installed, skipped: {face.source_family} {face.source_style} (apt-get install fonts-noto-cjk)")
            continue
        sources[face.key] = (face, *found)
    stamps = {key: {**_source_stamp(path), "index": index} for key, (face, path, index) in sources.items()}

    current = read_manifest(directory)
    if not force and current and current.get("sources") == stamps:
        log(f"fonts up to date in {directory}")
        return current

    directory.mkdir(parents=True, exist_ok=True)
    build = directory / f".build-{os.getpid()}"
    build.mkdir(exist_ok=True)
    workers = workers or min(len(sources), os.cpu_count() or 1) or 1
    files = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        jobs = {key: pool.submit(_prepare_face, face, str(path), index, build) for key, (face, path, index) in sources.items()}
        for key, job in jobs.items():
            face_files = job.result()
            log(f"prepared {key}: {len(face_files)} files")
            files.extend(face_files)
    for entry in files:
        os.replace(build / entry["file"], directory / entry["file"])
    build.rmdir()
    manifest = {"version": PREPARATION_VERSION, "sources": stamps, "files": files}
    tmp = directory / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    os.replace(tmp, directory / MANIFEST)
    # Files of an older preparation that the new manifest no longer lists.
    listed = {entry["file"] for entry in files}
    for stale in directory.glob("*.ttf"):
        if stale.name not in listed:
            stale.unlink()
    log(f"fonts prepared in {directory}")
    return manifest


SYSTEM_FONTCONFIG = "/etc/fonts/fonts.conf"
FONTCONFIG_TEMPLATE = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- Written by MeritFlow (documents/fonts.py): the system configuration plus the prepared fonts. -->
<fontconfig>
  <include ignore_missing="yes">{base}</include>
  <dir>{directory}</dir>
</fontconfig>
"""


def fontconfig_file(directory=None, base=None):
    """A fontconfig file: ``base`` (default: the system's) plus the prepared fonts' directory.

    The renderer points FONTCONFIG_FILE at it, so fontconfig finds the prepared families by
    name like installed fonts, and caches its scan of them. (@font-face rules would make
    WeasyPrint copy all the files, 53 MB, into a temporary directory and rescan them in each
    process: half a second and the disk space per worker.) Written next to the fonts, or in a
    temporary file when that directory is read-only.
    """
    directory = Path(directory or font_dir()).resolve()
    target = directory / "fonts.conf"
    content = FONTCONFIG_TEMPLATE.format(base=escape(str(base or SYSTEM_FONTCONFIG)), directory=escape(str(directory)))
    try:
        if not target.is_file() or target.read_text() != content:
            tmp = target.with_name(f".fonts.conf.{os.getpid()}")
            tmp.write_text(content)
            os.replace(tmp, target)
    except OSError:
        handle, name = tempfile.mkstemp(prefix="meritflow-fonts-", suffix=".conf")
        with os.fdopen(handle, "w") as stream:
            stream.write(content)
        target = Path(name)
    return target
