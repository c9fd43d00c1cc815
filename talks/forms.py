"""The talk process's forms: the start (whom, why) and the talk step (DOMAIN.md §10 "Talks")."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from permissions import policy
from permissions.models import UnitKind
from records.models import Cadre
from workflows import clock
from workflows.forms import SUBMIT, Action, TaskForm

from .models import TalkOutcome, TalkReason
from .routing import area_cadres_filter

START_EVENT = "StartEvent_talk"
CANCEL = Action("cancel", _("无需谈话，结束"), opinion_required=True)


class TalkStartForm(TaskForm):
    """发起谈心谈话: the organisation department names the cadre and the reason — the cadre's own
    request (本人提出), a major setback, early signs of problems, or a trigger the system did not see."""

    actions = [SUBMIT]
    LISTED = 500
    cadre_id = forms.ModelChoiceField(label=_("谈话对象"), queryset=Cadre.objects.none())
    reason = forms.ChoiceField(label=_("谈话事由"), choices=TalkReason.choices, initial=TalkReason.REQUEST)
    note = forms.CharField(label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def preferred_unit(cls, units):
        """The start page opens at the user's organisation department, the unit that holds talks."""
        return units.filter(kind=UnitKind.ORGANISATION_DEPT).order_by("path").first()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        department = self.instance.nominating_unit if self.instance is not None else None
        cadres = Cadre.objects.none()
        if department is not None:
            cadres = Cadre.objects.filter(area_cadres_filter(department)).select_related("unit").order_by("unit__path", "name")
            if self.user is not None:
                # Recusal (DOMAIN.md §9): not about oneself or a listed relative.
                cadres = cadres.exclude(pk__in=policy.related_cadre_ids(self.user))
        field = self.fields["cadre_id"]
        field.queryset = cadres
        # A province's department holds talks with a whole province: the page lists the first
        # LISTED cadres (and the one submitted); any cadre of the area is accepted.
        listed = list(cadres[: self.LISTED])
        chosen = self.data.get(self.add_prefix("cadre_id")) if self.is_bound else None
        if chosen and str(chosen).isdigit() and all(c.pk != int(chosen) for c in listed):
            listed += list(cadres.filter(pk=int(chosen)))
        field.widget.choices = [("", "---------"), *((c.pk, f"{c.name}（{c.unit.name} {c.current_post}）") for c in listed)]

    def clean(self):
        cleaned = super().clean()
        department = self.instance.nominating_unit if self.instance is not None else None
        if department is not None and department.kind != UnitKind.ORGANISATION_DEPT:
            raise forms.ValidationError(gettext("谈心谈话由组织部门发起，请选择组织部门"))
        cadre, reason = cleaned.get("cadre_id"), cleaned.get("reason")
        if cadre is not None and reason:
            from .records import duplicate_message, open_talk_of

            existing = open_talk_of(cadre.pk, reason)
            if existing is not None:
                self.add_error("reason", duplicate_message(existing))
        return cleaned


class TalkForm(TaskForm):
    """谈话: who talked, when, where, about what, what the cadre said, what follows."""

    actions = [SUBMIT, CANCEL]
    talked_on = forms.DateField(label=_("谈话日期"), required=False)
    talkers = forms.CharField(label=_("谈话人"), max_length=200, required=False, help_text=_("姓名及职务，多人用顿号分隔"))
    place = forms.CharField(label=_("谈话地点"), max_length=100, required=False)
    topics = forms.CharField(label=_("谈话内容"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 5}))
    response = forms.CharField(label=_("本人反映情况"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    follow_up = forms.CharField(label=_("后续跟进"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label=_("谈话结果"), choices=[("", "—"), *TalkOutcome.choices], required=False)

    REQUIRED = ("talked_on", "talkers", "topics", "outcome")

    def clean(self):
        cleaned = super().clean()
        action = self.get_action()
        if action is None or action.code != SUBMIT.code:
            return cleaned
        for name in self.REQUIRED:
            value = cleaned.get(name)
            if name not in self.errors and (value is None or (isinstance(value, str) and not value.strip())):
                self.add_error(name, forms.ValidationError(gettext("请填写此项"), code="required"))
        talked_on = cleaned.get("talked_on")
        if talked_on is not None and talked_on > clock.today():
            self.add_error("talked_on", forms.ValidationError(gettext("谈话日期不能晚于今天"), code="future"))
        outcome = cleaned.get("outcome")
        if outcome in (TalkOutcome.FOLLOW_UP, TalkOutcome.REFERRED) and not (cleaned.get("follow_up") or "").strip():
            self.add_error("follow_up", forms.ValidationError(gettext("需跟踪或移交时，请写明后续跟进安排"), code="required"))
        return cleaned
