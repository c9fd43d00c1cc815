from django.contrib import admin

from .models import AwardBonus, AwardQuota, Notice, Objection


@admin.register(AwardBonus)
class AwardBonusAdmin(admin.ModelAdmin):
    list_display = ["kind", "amount", "effective_from", "basis"]
    list_filter = ["kind"]


@admin.register(AwardQuota)
class AwardQuotaAdmin(admin.ModelAdmin):
    list_display = ["unit", "year", "kind", "limit"]
    list_filter = ["year", "kind"]
    autocomplete_fields = ["unit"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "issuer", "start_date", "end_date", "working_days", "created_by"]
    readonly_fields = ["issuer", "start_date", "end_date", "working_days", "cases", "document", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False  # notices are published from the notice desk


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["instance", "received_on", "outcome", "malicious", "verified_at"]
    list_filter = ["outcome", "malicious"]
    readonly_fields = ["instance", "notice", "recorded_by", "recorded_at", "clarification"]

    def has_add_permission(self, request):
        return False  # recorded through the notice desk so that verification starts
