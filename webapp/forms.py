"""Forms of the workspace pages (filters, start, notice desk, records import).

The forms of the process steps themselves live in the task-form registry
(``workflows.forms``); the pages render those generically.
"""

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from notices.desk import minimum_notice_days
from records import importing
from workflows import clock


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class WorkbenchFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("干部姓名或业务编号"), "type": "search"}),
    )
    process = forms.ChoiceField(label=_("流程"), required=False)
    unit = forms.ChoiceField(label=_("单位"), required=False)
    step = forms.ChoiceField(label=_("环节"), required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=DateInput)

    def __init__(self, data=None, *, processes=(), units=(), steps=()):
        """``units``: (id, name) of the units to filter by."""
        super().__init__(data)
        everything = [("", _("全部"))]
        self.fields["process"].choices = everything + list(processes)
        self.fields["unit"].choices = everything + [(str(pk), name) for pk, name in units]
        self.fields["step"].choices = everything + [(s, s) for s in steps]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        return cleaned


class StartChoiceForm(forms.Form):
    """Step 1 of 发起: the nominating unit and the subject cadre."""

    unit = forms.ModelChoiceField(label=_("推荐（发起）单位"), queryset=None, empty_label=None)
    q = forms.CharField(
        label=_("查找干部"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("姓名、职务或身份证号")}),
    )

    def __init__(self, data=None, *, units):
        super().__init__(data)
        self.fields["unit"].queryset = units


class NoticeForm(forms.Form):
    """发布公示: several reviewed cases of one issuing unit in one notice (DOMAIN.md §1.3, §6)."""

    tasks = forms.MultipleChoiceField(
        label=_("公示对象"), widget=forms.CheckboxSelectMultiple, error_messages={"required": _("请至少选择一个案件")}
    )
    title = forms.CharField(
        label=_("公示标题"), required=False, max_length=200, widget=forms.TextInput(attrs={"placeholder": _("关于拟奖励人员的公示")})
    )
    start_date = forms.DateField(label=_("公示开始日期"), widget=DateInput)
    # Bounded loosely here: the notice desk enforces the length in force (notices.rules, an admin table).
    working_days = forms.IntegerField(label=_("公示期（工作日）"), min_value=1, max_value=366)
    contact = forms.CharField(label=_("受理异议的方式"), max_length=300, help_text=_("电话、地址或邮箱，将印在公示上"))

    def __init__(self, data=None, *, tasks, process_id, prefix=None):
        self.minimum_days = minimum_notice_days(process_id)
        super().__init__(data, initial={"start_date": clock.today(), "working_days": self.minimum_days}, prefix=prefix)
        self.fields["tasks"].choices = [(str(t.pk), t.instance.business_key) for t in tasks]
        self.fields["working_days"].min_value = self.minimum_days
        self.fields["working_days"].widget.attrs["min"] = self.minimum_days
        self.fields["working_days"].help_text = _("不少于%(n)s个工作日") % {"n": self.minimum_days}

    def clean_working_days(self):
        days = self.cleaned_data["working_days"]
        if days < self.minimum_days:
            raise forms.ValidationError(_("公示期不得少于%(n)s个工作日") % {"n": self.minimum_days})
        return days

    def clean_start_date(self):
        day = self.cleaned_data["start_date"]
        if day < clock.today():
            raise forms.ValidationError(_("公示开始日期不能早于今天"))
        return day


class ObjectionForm(forms.Form):
    """登记异议 against a case under notice (DOMAIN.md §6)."""

    content = forms.CharField(label=_("异议内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    contact = forms.CharField(label=_("反映人联系方式"), required=False, max_length=200, help_text=_("可匿名，留空即可"))


class CaseActionForm(forms.Form):
    """撤回 / 催办: an optional note."""

    text = forms.CharField(label=_("说明"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class TerminateForm(forms.Form):
    reason = forms.CharField(label=_("终止理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("导入内容"),
        choices=list(importing.KIND_LABELS.items()),
        initial=importing.CADRES,
    )
    file = forms.FileField(label=_("Excel 文件（.xlsx）"), validators=[FileExtensionValidator(["xlsx"])])
    dry_run = forms.BooleanField(label=_("仅校验，不写入"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > importing.max_bytes():
            raise forms.ValidationError(importing._too_large_message())
        return upload


class CadreFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("姓名、职务或身份证号")}),
    )
    unit = forms.ChoiceField(label=_("单位"), required=False)

    def __init__(self, data=None, *, units=()):
        super().__init__(data)
        self.fields["unit"].choices = [("", _("全部"))] + [(str(u.pk), u.name) for u in units]


class CandidatesForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=None, empty_label=None)
    year = forms.IntegerField(label=_("考核年度"), min_value=2000, max_value=2100)

    def __init__(self, data=None, *, units):
        super().__init__(data, initial={"year": clock.today().year - 1})
        self.fields["unit"].queryset = units
