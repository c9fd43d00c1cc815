from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import HistoryEvent, HumanTask, InstanceStatus, ProcessDefinition, ProcessInstance
from .services import resume_errored


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(admin.ModelAdmin):
    list_display = ["process_id", "name", "version", "start_role", "key_prefix", "deployed_at", "short_hash"]
    list_filter = ["process_id"]
    readonly_fields = [f.name for f in ProcessDefinition._meta.fields]

    @admin.display(description=_("内容摘要"))
    def short_hash(self, obj):
        return obj.content_hash[:12]

    def has_add_permission(self, request):
        return False  # versions come from `manage.py deploy_processes`

    def has_change_permission(self, request, obj=None):
        return False


class HumanTaskInline(admin.TabularInline):
    model = HumanTask
    fields = ["name", "role", "unit", "claimed_by", "created_at", "due_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class HistoryInline(admin.TabularInline):
    model = HistoryEvent
    fields = ["at", "actor", "action", "task_name", "opinion"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    # Append-only (and hash-chained, workflows.chain): a correction is a new event with a reason.
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(admin.ModelAdmin):
    list_display = [
        "business_key",
        "definition",
        "status",
        "subject_cadre",
        "nominating_unit",
        "started_by",
        "created_at",
        "next_timer_due",
    ]
    list_filter = ["status", "definition__process_id"]
    search_fields = ["business_key", "subject_cadre__name"]
    readonly_fields = [f.name for f in ProcessInstance._meta.fields if f.name != "state"]
    exclude = ["state"]
    inlines = [HumanTaskInline, HistoryInline]
    actions = ["retry_errored"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is ever lost; terminate instead

    @admin.action(description=_("重试处于异常状态的流程"))
    def retry_errored(self, request, queryset):
        if not queryset.filter(status=InstanceStatus.ERROR).exists():
            self.message_user(request, _("所选流程均不在异常状态"), messages.WARNING)
            return
        count = resume_errored(force=True)  # asked for now: no waiting for the backoff
        self.message_user(request, _("已恢复 %(count)s 个流程") % {"count": count})
