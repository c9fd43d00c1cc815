"""Rendering PDFs with WeasyPrint, and issuing numbered, verifiable documents (DOMAIN.md §8).

``render_pdf(template, context)`` renders any template of this app; ``issue_document(...)``
allocates the number, renders with the number and a verification QR code, and stores an
immutable ``IssuedDocument``. The context each template expects is described in
``documents.contexts``.
"""

import atexit
import base64
import hashlib
import io
import logging
import os
import threading
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workflows import chain

from . import fonts
from .models import DocumentKind, IssuedDocument, chain_content, chain_key
from .numbering import allocate_number

logger = logging.getLogger(__name__)


class _AdviceOnce(logging.Filter):
    """Let WeasyPrint's per-font "please install HarfBuzz-Subset" warning through once."""

    def __init__(self):
        super().__init__()
        self.seen = False

    def filter(self, record):
        if "HarfBuzz-Subset" not in str(record.msg):
            return True
        seen, self.seen = self.seen, True
        return not seen


logging.getLogger("weasyprint").addFilter(_AdviceOnce())
# fontTools logs every subsetting step at INFO; WeasyPrint its progress.
for _name in ("fontTools", "weasyprint.progress"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)

# Documents are Chinese whatever the language of the person who triggers them (DOMAIN.md §8).
DOCUMENT_LANGUAGE = "zh-hans"

# One font configuration per process, reused: building one makes fontconfig load its
# configuration and fonts. Pango's font map is not thread-safe, hence the lock; rendering is
# CPU-bound Python, so threads lose nothing by it.
_render_lock = threading.Lock()
_font_setup = None  # ((manifest stamp, overrides), FontConfiguration)
_ORIGINAL_FONTCONFIG_FILE = os.environ.get("FONTCONFIG_FILE")


def _font_overrides():
    """The administrator's font files (``DocumentFont``), as ``fonts.Override`` tuples; read for
    every document, so a change in the admin applies to the next one in every process. Empty
    when there is no database to ask (the benchmark; tests without database access)."""
    from django.db import DatabaseError

    from .models import DocumentFont

    try:
        with transaction.atomic():  # a savepoint: a failed query must not break the caller's transaction
            rows = list(DocumentFont.objects.exclude(file_path="").values_list("style", "file_path", "face_index"))
    except (DatabaseError, RuntimeError):  # RuntimeError: pytest-django's "database access not allowed"
        return ()
    found = (fonts.Override.of(style, path, index) for style, path, index in rows)
    return tuple(sorted(override for override in found if override is not None))


def _font_configuration():
    global _font_setup
    manifest = fonts.font_dir() / fonts.MANIFEST
    try:
        stamp = manifest.stat().st_mtime_ns
    except OSError:
        stamp = None
    key = (stamp, _font_overrides())
    if _font_setup is None or _font_setup[0] != key:
        from weasyprint.text.fonts import FontConfiguration

        # fontconfig reads FONTCONFIG_FILE whenever a configuration is built (WeasyPrint is the
        # only fontconfig user in the process); the prepared fonts join the installed ones, the
        # style families get their fallbacks and the administrator's files.
        if fonts.read_manifest() is None:
            logger.warning(
                "prepared fonts missing in %s: documents render with the stock system fonts, "
                "which can take seconds; run `manage.py prepare_fonts`",
                fonts.font_dir(),
            )
        os.environ["FONTCONFIG_FILE"] = str(fonts.fontconfig_file(base=_ORIGINAL_FONTCONFIG_FILE, overrides=key[1]))
        configuration = FontConfiguration()
        _make_current(configuration)
        _font_setup = (key, configuration)
    return _font_setup[1]


def _make_current(configuration):
    """Make the new configuration fontconfig's *current* one too. Pango applies the family
    rules (a style's fallbacks, an administrator's file put first) with the current
    configuration — the first one loaded in the process — and matches fonts with the font
    map's; without this a changed override would apply only after a restart."""
    import ctypes

    from weasyprint.text.ffi import ffi

    config = getattr(configuration, "_config", None)
    if config is None:
        return
    try:
        library = ctypes.CDLL("libfontconfig.so.1")
    except OSError:
        logger.warning("libfontconfig.so.1 not found: document font changes apply after a restart")
        return
    library.FcConfigSetCurrent.argtypes = [ctypes.c_void_p]
    library.FcConfigSetCurrent(int(ffi.cast("uintptr_t", config)))


@atexit.register
def _release_fonts():
    # Drop the configuration while WeasyPrint's modules still exist (its __del__ needs them).
    global _font_setup
    _font_setup = None


@dataclass(frozen=True)
class RenderedPDF:
    pdf: bytes
    page_count: int


def render(template_name, context):
    """Render a template of this app to PDF; return the bytes and the page count."""
    from weasyprint import HTML

    with translation.override(DOCUMENT_LANGUAGE):
        html = render_to_string(template_name, context)
    body, style = _split_style(html)
    with _render_lock:
        font_config = _font_configuration()
        stylesheets = [_stylesheet(style, font_config)] if style is not None else []
        document = HTML(string=body, base_url=str(settings.BASE_DIR)).render(font_config=font_config, stylesheets=stylesheets)
        pdf = document.write_pdf()
    return RenderedPDF(pdf=pdf, page_count=len(document.pages))


def _split_style(html):
    """(the HTML without its ``<style>`` element, that element's text or None). base_print.html
    writes the one ``<style>`` of every document in its head; the text is the same for every
    document of a template, so it is parsed once (``_stylesheet``) instead of on every render."""
    start = html.find("<style>")
    end = html.find("</style>", start)
    if start < 0 or end < 0:
        return html, None
    return html[:start] + html[end + len("</style>") :], html[start + len("<style>") : end]


# Parsed style sheets by their text (a handful: one per document template), for the current font
# configuration. Parsing a document's sheet cost ~12 ms of its ~80 (bench/results/documents.txt).
_stylesheets: dict = {}
_STYLESHEETS_KEPT = 64


def _stylesheet(text, font_config):
    from weasyprint import CSS

    kept = _stylesheets.get(text)
    if kept is None or kept[0] is not font_config:  # a new font configuration: parse again
        if len(_stylesheets) >= _STYLESHEETS_KEPT:
            _stylesheets.clear()
        kept = _stylesheets[text] = (font_config, CSS(string=text, base_url=str(settings.BASE_DIR), font_config=font_config))
    return kept[1]


def render_pdf(template_name, context):
    """PDF bytes of ``template_name`` rendered with ``context``."""
    return render(template_name, context).pdf


# --- verification data printed on the document -------------------------------------------------


def public_base_url():
    """Absolute base of the links printed in QR codes (``settings.MERITFLOW_PUBLIC_URL``)."""
    return getattr(settings, "MERITFLOW_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")


def verification_url(document):
    """The public verification page for this record: number and verification code.

    The QR code cannot carry the PDF's hash (the hash depends on the QR code); it identifies
    the record, and uploading the file on that page proves the bytes.
    """
    query = (
        {"number": document.number, "id": str(document.verification_code)} if document.number else {"id": str(document.verification_code)}
    )
    return f"{public_base_url()}{reverse('documents:verify')}?{urlencode(query)}"


# The QR code's mask: any of the eight is valid and every reader decodes it from the code's
# format bits. Trying all eight for the least-penalised one cost ~7 ms a document in pure Python.
QR_MASK = 4


def qr_data_uri(text):
    """A QR code of ``text`` as a data URI: a 1-bit PNG, one pixel per module, drawn without
    interpolation (``image-rendering: pixelated`` in base_print.html), so it prints as sharp
    squares at any size. As an SVG path it cost WeasyPrint ~80 ms to draw per document
    (bench/results/documents.txt); the image costs nothing to draw."""
    import qrcode
    from PIL import Image

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=QR_MASK)
    code.add_data(text)
    code.make(fit=True)
    modules = code.get_matrix()
    image = Image.new("1", (len(modules), len(modules)))
    image.putdata([0 if dark else 1 for row in modules for dark in row])
    png = io.BytesIO()
    image.save(png, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")


# --- issuing -------------------------------------------------------------------------------


class DocumentIssueError(ValueError):
    pass


def issue_document(
    kind, *, issuer, template, context, instance=None, user=None, numbered=True, title="", supersedes=None, batch=None, year=None
):
    """Issue a document: number it, render it, store it; return the ``IssuedDocument``.

    - ``kind``: a ``DocumentKind`` value; ``template``: e.g. ``"documents/award_decision.html"``;
      ``context``: what that template expects (see ``documents.contexts``).
    - ``numbered``: allocate the next 发文字号 of ``issuer`` (forms pass False). The year is
      ``year``, else the year of ``context["date"]``, else this year.
    - ``title``: for lists and the admin; defaults to ``context["title"]``.
    - ``supersedes``: re-generate that document: same kind, issuer and number, version + 1.
      A document can be superseded once; regenerate the latest version.
    - ``instance``: the case (``workflows.ProcessInstance``); ``batch``: a free reference shared by
      documents issued together (e.g. ``"notice:12"``).

    Runs in the caller's transaction when there is one (the number is returned if it rolls
    back); the number's register row stays locked while the PDF renders, which is what keeps
    numbers gapless.
    """
    kind = DocumentKind(kind)
    with transaction.atomic():
        if supersedes is not None:
            previous = IssuedDocument.objects.select_for_update().get(pk=supersedes.pk)
            if IssuedDocument.objects.filter(supersedes=previous).exists():
                raise DocumentIssueError(_("该文书已被新版本取代，请在最新版本上重新生成"))
            document = IssuedDocument(
                kind=previous.kind,
                issuer=previous.issuer,
                number=previous.number,
                year=previous.year,
                serial=previous.serial,
                version=previous.version + 1,
                supersedes=previous,
                title=title or context.get("title", "") or previous.title,
            )
        else:
            date = context.get("date")
            year = year or (date.year if hasattr(date, "year") else timezone.localdate().year)
            number, serial = allocate_number(issuer, year) if numbered else (None, None)
            document = IssuedDocument(
                kind=kind, issuer=issuer, number=number, year=year, serial=serial, title=title or context.get("title", "")
            )
        document.template = template
        document.instance = instance if instance is not None else (supersedes.instance if supersedes else None)
        document.created_by = user
        document.batch = batch if batch is not None else (supersedes.batch if supersedes else None)

        url = verification_url(document)
        stamp = {
            "number": document.number,
            "version": document.version,
            "code": str(document.verification_code),
            "verify_url": url,
            "qr": qr_data_uri(url),
        }
        rendered = render(template, {**context, "doc": stamp})
        document.pdf = rendered.pdf
        document.sha256 = hashlib.sha256(rendered.pdf).hexdigest()
        document.size = len(rendered.pdf)
        document.page_count = rendered.page_count
        # Last, right before the INSERT: the chain's head stays locked only from here to the commit.
        chain.append(document, chain_key(document), chain_content)
        document.save()
    return document
