"""Issued official documents and forms, and the document-number register (DOMAIN.md §8).

The PDF bytes are stored in the database (``BinaryField``), not under MEDIA_ROOT: the number,
the record and the bytes then commit or roll back together with the caller's transaction —
a rolled-back issue leaves neither a consumed number nor an orphan file, a committed one can
never point at a missing file, and a database backup is the whole register. Documents are
tens of kilobytes (subset fonts), and PostgreSQL keeps large ``bytea`` values out of line
(TOAST), so lists that defer the column (the default manager does) stay cheap.
"""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from permissions.models import Unit
from workflows import chain


class DocumentKind(models.TextChoices):
    AWARD_DECISION = "award_decision", _("奖励决定")
    AWARD_FORM = "award_form", _("公务员奖励审批表")
    AWARD_CERTIFICATE = "award_certificate", _("奖励证书")
    NOTICE = "notice", _("公示")
    CLARIFICATION_LETTER = "clarification_letter", _("澄清反馈函")
    APPOINTMENT_NOTICE = "appointment_notice", _("任职通知")
    REQUEST_FOR_CONSENT = "request_for_consent", _("征求意见函")
    SELECTION_NOTICE = "selection_notice", _("选派通知")
    INTRODUCTION_LETTER = "introduction_letter", _("介绍信")
    REVOCATION_DECISION = "revocation_decision", _("撤销奖励决定")
    APPOINTMENT_FORM = "appointment_form", _("干部任免审批表")


class ImmutableDocumentError(PermissionError):
    """Issued documents are never changed or deleted; re-generate a new version instead."""


class DocumentNumberSequence(models.Model):
    """Last serial used per issuer and year, for 发文字号 such as 平组〔2026〕12号 (DOMAIN.md §8.1)."""

    issuer = models.ForeignKey(Unit, verbose_name=_("发文机关"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年份"))
    last_number = models.PositiveIntegerField(_("已用最大序号"), default=0)

    class Meta:
        verbose_name = _("发文字号登记")
        verbose_name_plural = _("发文字号登记")
        constraints = [models.UniqueConstraint(fields=["issuer", "year"], name="unique_document_number_sequence")]

    def __str__(self):
        return f"{self.issuer} {self.year}: {self.last_number}"


class IssuedDocumentQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableDocumentError(_("已印发的公文不能修改"))

    def delete(self):
        raise ImmutableDocumentError(_("已印发的公文不能删除"))


class IssuedDocumentManager(models.Manager.from_queryset(IssuedDocumentQuerySet)):
    def get_queryset(self):
        # The bytes are read only where they are needed (download, verification upload).
        return super().get_queryset().defer("pdf")


class IssuedDocument(models.Model):
    """One issued version of a document; append-only like the case history.

    Re-generating a document creates version n+1 with the same number, pointing at version n
    through ``supersedes``; both stay verifiable.
    """

    kind = models.CharField(_("文书种类"), max_length=30, choices=DocumentKind.choices)
    title = models.CharField(_("标题"), max_length=300, blank=True)
    issuer = models.ForeignKey(Unit, verbose_name=_("发文机关"), on_delete=models.PROTECT, related_name="issued_documents")
    number = models.CharField(_("发文字号"), max_length=60, null=True, blank=True, db_index=True)
    year = models.PositiveSmallIntegerField(_("年份"))
    serial = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    supersedes = models.OneToOneField(
        "self", verbose_name=_("取代的版本"), null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    # Printed in the QR code: identifies the record without exposing sequential ids.
    verification_code = models.UUIDField(_("核验码"), default=uuid.uuid4, unique=True, editable=False)
    template = models.CharField(_("模板"), max_length=100)
    pdf = models.BinaryField(_("PDF 文件"))
    sha256 = models.CharField(_("SHA-256 摘要"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("文件大小（字节）"))
    page_count = models.PositiveSmallIntegerField(_("页数"))
    # Set when the object is made (not at INSERT, as auto_now_add would): the chain's hash covers it.
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("生成人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    instance = models.ForeignKey(
        "workflows.ProcessInstance",
        verbose_name=_("所属案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    # A free reference grouping documents issued together (e.g. one batch notice's case list).
    batch = models.CharField(_("批次"), max_length=100, null=True, blank=True, db_index=True)
    # The document's entry in a hash chain (workflows.chain): its case's chain, or its issuer's
    # chain of documents without a case. The hash covers the fields above, ``sha256`` included.
    chain_seq = models.PositiveIntegerField(_("链序号"), null=True, blank=True, editable=False)
    prev_hash = models.CharField(_("前一条摘要"), max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(_("本条摘要"), max_length=64, blank=True, editable=False)

    objects = IssuedDocumentManager()

    class Meta:
        verbose_name = _("已印发文书")
        verbose_name_plural = _("已印发文书")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The register hands out each serial once; versions of one document share it.
            models.UniqueConstraint(
                fields=["issuer", "year", "serial", "version"],
                condition=models.Q(serial__isnull=False),
                name="unique_document_serial_version",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="document_version_positive"),
        ]
        indexes = [models.Index(fields=["instance", "kind"])]

    def __str__(self):
        label = self.number or self.get_kind_display()
        return f"{label} v{self.version}" if self.version > 1 else label

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableDocumentError(_("已印发的公文不能修改"))
        # An INSERT, never Django's update-then-insert: a new object carrying an existing pk
        # must fail rather than overwrite that row.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableDocumentError(_("已印发的公文不能删除"))

    @property
    def successor(self):
        """The version that replaced this one, or None."""
        try:
            return self.superseded_by
        except IssuedDocument.DoesNotExist:
            return None

    def latest_version(self):
        """The newest version in this document's chain (self when not superseded)."""
        current = self
        while (following := current.successor) is not None:
            current = following
        return current


# --------------------------------------------------------------------------- hash chain


def chain_key(document):
    """A document's chain: its case's, else its issuer's chain of documents without a case."""
    return chain.case_key(document.instance_id) if document.instance_id else chain.issuer_key(document.issuer_id)


def chain_content(document):
    """What a document's chain entry covers (attributes only: works on migration-state models)."""
    return {
        "type": "document",
        "kind": document.kind,
        "title": document.title,
        "issuer": document.issuer_id,
        "number": document.number,
        "year": document.year,
        "serial": document.serial,
        "version": document.version,
        "supersedes": document.supersedes_id,
        "verification_code": str(document.verification_code),
        "template": document.template,
        "sha256": document.sha256,
        "size": document.size,
        "page_count": document.page_count,
        "created_at": chain.iso(document.created_at),
        "created_by": document.created_by_id,
        "instance": document.instance_id,
        "batch": document.batch,
    }


def pdf_trouble(document):
    """Why the stored PDF does not match its recorded hash and size, or ""."""
    pdf = bytes(document.pdf)
    digest = hashlib.sha256(pdf).hexdigest()
    if digest != document.sha256:
        return f"stored PDF hashes to {digest[:12]}…, recorded {document.sha256[:12]}…"
    if len(pdf) != document.size:
        return f"stored PDF has {len(pdf)} bytes, recorded {document.size}"
    return ""


def _rows_in(key):
    kind, _sep, ident = key.partition(":")
    rows = IssuedDocument.objects.all()  # the PDF deferred: read only for the rows whose bytes are checked
    if kind == chain.CASE:
        return rows.filter(instance_id=int(ident))
    if kind == chain.ISSUER:
        return rows.filter(instance__isnull=True, issuer_id=int(ident))
    return None


chain.register(
    chain.Source(
        label="document",
        model=IssuedDocument,
        content=chain_content,
        key=chain_key,
        rows_in=_rows_in,
        all_rows=lambda: IssuedDocument.objects.defer(None).order_by("pk").iterator(chunk_size=200),
        check=pdf_trouble,
    )
)


# --- fonts of the documents (documents/fonts.py) ---------------------------------------------------


class DocumentFontStyle(models.TextChoices):
    """The GB/T 9704-2012 styles; each is a CSS family of the templates (documents.fonts.STYLES)."""

    FANGSONG = "fangsong", _("仿宋（正文）")
    KAITI = "kaiti", _("楷体（附注、署名、二级标题）")
    HEITI = "heiti", _("黑体（一级标题）")
    XBS = "xbs", _("小标宋（标题）")


class DocumentFont(models.Model):
    """An administrator's choice of font file for one style, e.g. an installed, licensed
    仿宋_GB2312 ``.ttf``. Without a row, or with an empty path, the style uses its free face
    (``documents.fonts.STYLES``); with one, the file comes first and the free face fills in the
    characters it lacks. The renderer reads these rows for every document."""

    style = models.CharField(_("字体样式"), max_length=16, choices=DocumentFontStyle.choices, unique=True)
    file_path = models.CharField(
        _("字体文件"),
        max_length=500,
        blank=True,
        help_text=_(
            "服务器上已安装的 TrueType/OpenType 字体文件的绝对路径，"
            "如 /usr/share/fonts/truetype/gb2312/仿宋_GB2312.ttf；留空则使用自带的免费字体。"
        ),
    )
    face_index = models.PositiveSmallIntegerField(
        _("字体序号"), default=0, help_text=_("仅用于字体集合（.ttc）：其中第几个字体，从 0 数起。")
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("公文字体")
        verbose_name_plural = _("公文字体")
        ordering = ["id"]

    def __str__(self):
        return self.get_style_display()

    def clean(self):
        from django.core.exceptions import ValidationError

        from . import fonts

        self.file_path = (self.file_path or "").strip()
        if not self.file_path:
            return
        try:
            fonts.check_override_file(self.file_path, self.face_index)
        except fonts.FontFileError as error:
            raise ValidationError({"file_path": str(error)}) from None
