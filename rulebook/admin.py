import json

from django import forms
from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .models import RuleParameter
from .registry import declared


class RuleParameterForm(forms.ModelForm):
    key = forms.ChoiceField(label=_("参数"))

    class Meta:
        model = RuleParameter
        fields = ["key", "value", "effective_from", "basis"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(key, f"{key} — {p.label}") for key, p in sorted(declared().items())]


@admin.register(RuleParameter)
class RuleParameterAdmin(admin.ModelAdmin):
    form = RuleParameterForm
    list_display = ["key", "label", "value", "effective_from", "basis"]
    list_filter = ["key"]
    readonly_fields = ["defaults"]
    fields = ["key", "value", "effective_from", "basis", "defaults"]

    @admin.display(description=_("名称"))
    def label(self, obj):
        parameter = declared().get(obj.key)
        return parameter.label if parameter else "—"

    @admin.display(description=_("各参数的默认值及依据"))
    def defaults(self, obj):
        rows = [(key, str(p.label), json.dumps(p.default, ensure_ascii=False), p.source) for key, p in sorted(declared().items())]
        return format_html_join("", "<p><code>{}</code> {}：{}（{}）</p>", rows)
