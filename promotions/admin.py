"""The rules of an exceptional promotion as administrator-editable tables (issue 12 "Rules as data")."""

from django.contrib import admin

from .models import ProbationRule, PromotionGround, Qualification


@admin.register(PromotionGround)
class PromotionGroundAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "source", "keeps_post", "active", "order"]
    list_editable = ["active", "order"]


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "breakable", "source", "order"]
    list_editable = ["breakable"]


@admin.register(ProbationRule)
class ProbationRuleAdmin(admin.ModelAdmin):
    list_display = ["valid_from", "months", "highest_level", "elected_exempt", "source"]
