from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import DocumentNumberSequence, IssuedDocument


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
