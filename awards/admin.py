from django.contrib import admin

from .models import AwardBonus, AwardQuota


@admin.register(AwardBonus)
class AwardBonusAdmin(admin.ModelAdmin):
    list_display = ["kind", "amount", "effective_from", "basis"]
    list_filter = ["kind"]


@admin.register(AwardQuota)
class AwardQuotaAdmin(admin.ModelAdmin):
    list_display = ["unit", "year", "kind", "limit"]
    list_filter = ["year", "kind"]
    autocomplete_fields = ["unit"]
