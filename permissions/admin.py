"""Admin for the unit tree and role grants, and the user admin with the user's grants inline."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import remove_perm

from .models import Grant, Unit

User = get_user_model()


def revoke_replaced_permission(grant):
    """Before saving an edited grant, drop the guardian permission of its old (user, unit, role).

    The post_save signal mirrors the new values only; without this an edited grant would leave
    the old object permission behind.
    """
    if grant.pk is None:
        return
    old = Grant.objects.filter(pk=grant.pk).select_related("user", "unit").first()
    if old and (old.user_id, old.unit_id, old.role) != (grant.user_id, grant.unit_id, grant.role):
        remove_perm(f"permissions.{old.permission_codename}", old.user, old.unit)


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

    def save_model(self, request, obj, form, change):
        revoke_replaced_permission(obj)
        super().save_model(request, obj, form, change)


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

    def save_formset(self, request, form, formset, change):
        if formset.model is Grant:
            for grant_form in formset.forms:
                if grant_form.instance.pk and grant_form.has_changed():
                    revoke_replaced_permission(grant_form.instance)
        super().save_formset(request, form, formset, change)
