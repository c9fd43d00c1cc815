"""The administrator keeps the quotas (DOMAIN.md §10 "Post quotas": "Keep quotas as administrator data")."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workflows import clock

from .models import PostQuota


@admin.register(PostQuota)
class PostQuotaAdmin(admin.ModelAdmin):
    list_display = ["unit", "level", "posts", "valid_from", "in_force_now", "basis", "recorded_by", "recorded_at"]
    list_filter = ["level", "valid_from"]
    search_fields = ["unit__name", "unit__code", "basis"]
    autocomplete_fields = ["unit"]
    date_hierarchy = "valid_from"
    fields = ["unit", "level", "posts", "valid_from", "basis", "recorded_by", "recorded_at"]
    readonly_fields = ["recorded_by", "recorded_at"]
    list_select_related = ["unit", "recorded_by"]

    @admin.display(description=_("现行"), boolean=True)
    def in_force_now(self, obj):
        current = PostQuota.row_in_force(obj.unit_id, obj.level, clock.today())
        return current is not None and current.pk == obj.pk

    def _taken_effect(self, obj):
        return obj is not None and obj.pk is not None and obj.valid_from <= clock.today()

    def get_readonly_fields(self, request, obj=None):
        # A row already in force is history: a change is a new row from its date, so the figures
        # a past 动议 was checked against stay on record.
        if self._taken_effect(obj):
            return [*self.fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._taken_effect(obj)

    def get_actions(self, request):
        # No bulk delete: it would take rows already in force with it.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
