from django.contrib import admin

from .models import Notice, Objection


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "process_id", "issuer", "start_date", "end_date", "working_days", "created_by"]
    list_filter = ["process_id"]
    readonly_fields = ["issuer", "process_id", "start_date", "end_date", "working_days", "cases", "document", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False  # notices are published from the notice desk


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["instance", "received_on", "outcome", "malicious", "verified_at"]
    list_filter = ["outcome", "malicious"]
    readonly_fields = ["instance", "notice", "recorded_by", "recorded_at", "clarification"]

    def has_add_permission(self, request):
        return False  # recorded through the notice desk so that verification starts
