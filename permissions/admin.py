"""Admin for the unit tree and role grants, and the user admin with the user's grants inline."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Delegation, Grant, Unit

User = get_user_model()


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "code", "level", "kind", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["name", "short_name", "code"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    list_per_page = 100
    fields = ["name", "short_name", "code", "parent", "level", "kind", "ancestry"]
    readonly_fields = ["ancestry"]

    @admin.display(description=_("名称"), ordering="path")
    def indented_name(self, obj):
        # Rows come in path order, so indenting by depth shows the tree.
        return "\u3000" * max(obj.path.count("/") - 2, 0) + obj.name

    @admin.display(description=_("隶属关系"))
    def ancestry(self, obj):
        if obj is None or not obj.pk:
            return "—"
        return " › ".join(unit.name for unit in reversed(obj.ancestors()))


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "include_subordinates", "created_at"]
    list_filter = ["role", "include_subordinates", "unit__level"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name", "unit__code"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]
    date_hierarchy = "created_at"


class GrantInline(admin.TabularInline):
    model = Grant
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["unit"]
    fields = ["unit", "role", "include_subordinates", "created_at"]
    readonly_fields = ["created_at"]


# Replace the stock user admin with one that also shows the user's role grants.
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class MeritFlowUserAdmin(UserAdmin):
    def get_inlines(self, request, obj):
        return [GrantInline] if obj is not None else []  # the two-step "add user" page stays stock


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    """委托 as their people set them (the 委托 page); the administrator sees and, when needed, ends them."""

    list_display = ["delegator", "delegate", "starts_on", "ends_on", "ended_at", "reason"]
    list_filter = ["starts_on", "ends_on"]
    search_fields = ["delegator__username", "delegator__first_name", "delegate__username", "delegate__first_name", "reason"]
    autocomplete_fields = ["delegator", "delegate"]
    list_select_related = ["delegator", "delegate"]
