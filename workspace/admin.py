from django.contrib import admin

from .models import CommonOpinion


@admin.register(CommonOpinion)
class CommonOpinionAdmin(admin.ModelAdmin):
    list_display = ("text", "unit", "owner", "position", "created_at")
    list_filter = ("unit",)
    search_fields = ("text", "owner__username", "unit__name")
    raw_id_fields = ("owner", "unit")
