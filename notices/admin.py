from django.contrib import admin

from .models import Notice, NoticeRule, Objection


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "process_id", "issuer", "start_date", "end_date", "working_days", "created_by"]
    list_filter = ["process_id"]
    readonly_fields = ["issuer", "process_id", "start_date", "end_date", "working_days", "cases", "document", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False  # notices are published from the notice desk


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["instance", "received_on", "outcome", "malicious", "referred_to", "verified_at"]
    list_filter = ["outcome", "malicious"]
    readonly_fields = ["instance", "notice", "recorded_by", "recorded_at", "clarification", "referred_to", "referred_at"]

    def has_add_permission(self, request):
        return False  # recorded through the notice desk so that verification starts

    # Append-only (issue 13): content and outcome change only through the verification step
    # (notices.desk.conclude_verification), which the case history records; never here.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NoticeRule)
class NoticeRuleAdmin(admin.ModelAdmin):
    """The notice length per process (DOMAIN.md §1.3 item 4): a new row with a later effective date
    changes it from that day; earlier notices keep the rule they were published under."""

    list_display = ["process_id", "minimum_working_days", "maximum_working_days", "effective_from", "basis"]
    list_filter = ["process_id"]
    ordering = ["process_id", "-effective_from"]
