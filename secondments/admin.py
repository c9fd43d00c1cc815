from django.contrib import admin

from .models import Candidate, Invitation, Position, Round


class PositionInline(admin.TabularInline):
    model = Position
    extra = 0
    fields = ["code", "host_unit", "title", "places"]
    readonly_fields = fields
    can_delete = False


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    fields = ["unit", "status", "answered_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    """Rounds are opened and changed through their process; the admin shows them."""

    list_display = ["instance", "title", "organiser", "places", "nomination_deadline", "term_start", "term_months", "notice_required"]
    list_filter = ["notice_required"]
    search_fields = ["title", "instance__business_key"]
    readonly_fields = [
        "instance",
        "organiser",
        "title",
        "places",
        "term_months",
        "term_start",
        "nomination_deadline",
        "notice_required",
        "criteria",
        "created_at",
    ]
    inlines = [PositionInline, InvitationInline]

    def has_add_permission(self, request):
        return False


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["cadre", "round", "invitation", "status", "rank", "position", "integrity", "secondment"]
    list_filter = ["status"]
    search_fields = ["cadre__name", "round__instance__business_key"]
    readonly_fields = [f.name for f in Candidate._meta.fields]

    def has_add_permission(self, request):
        return False
