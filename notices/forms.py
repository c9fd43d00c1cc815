"""The vetting steps' forms shared by every process: the integrity opinion, the notice and the
verification of objections. Each process type binds them to its own steps."""

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.forms import SUBMIT, TaskForm

from . import rules
from .desk import malicious_refusal
from .models import Objection, ObjectionOutcome


class PublishForm(TaskForm):
    """Filled by the notice desk when several cases are published in one notice. The length is
    checked against the administrator's ``NoticeRule`` of the process in force on the start date
    (DOMAIN.md §1.3 item 4, §4.3 step 6, §6)."""

    actions = [SUBMIT]
    notice_id = forms.IntegerField(widget=forms.HiddenInput)
    notice_start = forms.DateField(label=_("公示开始日期"))
    notice_days = forms.IntegerField(label=_("公示期（工作日）"), min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rule = rules.notice_rule(self.process_id)
        field = self.fields["notice_days"]
        field.initial = rule.minimum_working_days
        field.widget.attrs.update(min=rule.minimum_working_days, max=rule.maximum_working_days)
        field.help_text = _("%(min)s至%(max)s个工作日（%(basis)s）") % {
            "min": rule.minimum_working_days,
            "max": rule.maximum_working_days,
            "basis": rule.basis,
        }

    @property
    def process_id(self):
        return self.instance.definition.process_id if self.instance is not None else ""

    def clean(self):
        cleaned = super().clean()
        days, start = cleaned.get("notice_days"), cleaned.get("notice_start")
        if days is not None:
            refusal = rules.length_refusal(self.process_id, days, start)
            if refusal:
                self.add_error("notice_days", refusal)
        return cleaned

    def clean_notice_id(self):
        from .models import Notice

        value = self.cleaned_data["notice_id"]
        if self.instance is not None and not Notice.objects.filter(pk=value, cases=self.instance).exists():
            raise forms.ValidationError(_("请在公示台发布公示：该公示不包含本案件"))
        return value


class VerificationForm(TaskForm):
    """异议核查 (DOMAIN.md §6)."""

    actions = [SUBMIT]
    objection_id = forms.IntegerField(widget=forms.HiddenInput)
    verification_outcome = forms.ChoiceField(
        label=_("核查结论"), choices=[c for c in ObjectionOutcome.choices if c[0] != ObjectionOutcome.PENDING]
    )
    verification_finding = forms.CharField(label=_("核查情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    verification_malicious = forms.BooleanField(
        label=_("疑似恶意诬告，移交纪检监察机关"), required=False, help_text=_("仅限核查结论为“不属实”或“查无实据”（种子文件000第12条）")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pending = self.pending_objection()
        if pending is not None:
            self.fields["objection_id"].initial = pending.pk

    def pending_objection(self):
        if self.instance is None:
            return None
        return Objection.objects.filter(instance=self.instance, outcome=ObjectionOutcome.PENDING).first()

    def clean_objection_id(self):
        value = self.cleaned_data["objection_id"]
        if not Objection.objects.filter(pk=value, instance=self.instance, outcome=ObjectionOutcome.PENDING).exists():
            raise forms.ValidationError(_("该异议不存在或已核查"))
        return value

    def clean(self):
        cleaned = super().clean()
        # Seed 000 #12: only an objection found untrue or unverifiable may be flagged as malicious.
        refusal = malicious_refusal(cleaned.get("verification_outcome"), cleaned.get("verification_malicious"))
        if refusal:
            self.add_error("verification_malicious", refusal)
        return cleaned


class IntegrityForm(TaskForm):
    """廉政意见 of the discipline-inspection body (DOMAIN.md §1.3 step 2)."""

    actions = [SUBMIT]
    integrity_opinion = forms.ChoiceField(label=_("廉政意见"), choices=[("no_objection", _("无不同意见")), ("objection", _("有不同意见"))])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("integrity_opinion") == "objection" and not (cleaned.get("opinion") or "").strip():
            self.add_error("opinion", _("有不同意见时须说明理由"))
        return cleaned
