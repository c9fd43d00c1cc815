from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import fonts
from .models import DocumentFont, DocumentNumberSequence, IssuedDocument


class ReadOnlyAdmin(admin.ModelAdmin):
    """Issued documents and the number register change only through documents.rendering."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdmin):
    list_display = ("number", "version", "kind", "title", "issuer", "page_count", "created_at", "download")
    list_filter = ("kind", "year")
    search_fields = ("number", "title", "sha256", "batch")
    exclude = ("pdf",)
    readonly_fields = ("download",)

    @admin.display(description=_("下载"))
    def download(self, obj):
        return format_html('<a href="{}">PDF</a>', reverse("documents:download", args=[obj.pk]))


@admin.register(DocumentNumberSequence)
class DocumentNumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ("issuer", "year", "last_number")
    list_filter = ("year",)


@admin.register(DocumentFont)
class DocumentFontAdmin(admin.ModelAdmin):
    """Which face each style of the documents uses, and the administrator's licensed files.

    A row per style (the migration makes them); an empty path means the free face. The list
    shows what the renderer uses now: file, family name and coverage of GB2312's 6,763 hanzi
    and of rare name characters. A path that is not a readable font is refused (model clean).
    """

    list_display = ("style", "file_path", "face_in_use", "family_in_use", "gb2312_coverage", "rare_coverage")
    readonly_fields = ("face_in_use", "family_in_use", "gb2312_coverage", "rare_coverage", "fallback")
    fields = ("style", "file_path", "face_index", "face_in_use", "family_in_use", "gb2312_coverage", "rare_coverage", "fallback")

    def has_add_permission(self, request):
        # One row per style (the migration makes them); a deleted one can be added back.
        return super().has_add_permission(request) and DocumentFont.objects.count() < len(fonts.STYLES)

    def has_delete_permission(self, request, obj=None):
        return False  # clear the path instead: the admin page then still lists the style

    def get_readonly_fields(self, request, obj=None):
        # The style of an existing row is fixed: change its file instead.
        return (*self.readonly_fields, "style") if obj is not None else self.readonly_fields

    def _in_use(self, obj):
        cache = getattr(self, "_faces_cache", None)
        key = (obj.style, obj.file_path, obj.face_index)
        if cache is None or cache[0] != key:
            override = fonts.Override.of(obj.style, obj.file_path, obj.face_index) if obj.file_path else None
            rows = fonts.current_faces([override] if override else [])
            row = next((row for row in rows if row[0].key == obj.style), None)
            self._faces_cache = cache = (key, row)
        return cache[1]

    @admin.display(description=_("当前使用的字体文件"))
    def face_in_use(self, obj):
        row = self._in_use(obj)
        if row is None:
            return "—"
        style, source, info, note = row
        if source == "override":
            return format_html("{}<br><small>{}</small>", info.path, _("管理员指定"))
        if source == "prepared":
            return format_html("{}<br><small>{}</small>", info.path, _("免费字体：%(face)s") % {"face": note})
        if source == "override-broken":
            return format_html('<span class="errornote">{}</span>', note)
        return format_html("{}<br><small>{}</small>", _("未准备（运行 manage.py prepare_fonts）"), note)

    @admin.display(description=_("字体名称"))
    def family_in_use(self, obj):
        row = self._in_use(obj)
        info = row[2] if row else None
        return f"{info.family} {info.style}".strip() if info else "—"

    @admin.display(description=_("GB2312 汉字覆盖"))
    def gb2312_coverage(self, obj):
        row = self._in_use(obj)
        return row[2].gb2312_text if row and row[2] else "—"

    @admin.display(description=_("生僻字覆盖（䶮堃喆赟昇珺镕玥𠮷）"))
    def rare_coverage(self, obj):
        row = self._in_use(obj)
        info = row[2] if row else None
        return f"{info.rare_text} {info.rare}" if info else "—"

    @admin.display(description=_("缺字时依次使用"))
    def fallback(self, obj):
        style = fonts.STYLES_BY_KEY.get(obj.style)
        return "、".join(style.families()) if style else "—"
