"""Admin for the cadre records, with the Excel import page on the cadre changelist."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import FileExtensionValidator
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from permissions.models import Unit

from . import importing, signals
from .models import (
    PHOTO_MAX_BYTES,
    AnnualAssessment,
    Award,
    Cadre,
    Collective,
    EffectPeriod,
    ExcellentShareAllowance,
    ExcellentShareLimit,
    FamilyMember,
    HealthCheck,
    Investigation,
    LevelReduction,
    NoEffectPeriod,
    PostHistory,
    Promotion,
    Sanction,
    SanctionKind,
    Secondment,
    Training,
    recompute_effect_ends,
    sniff_photo,
)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ERRORS_SHOWN = 500
MAX_UPDATED_SHOWN = 20


# --------------------------------------------------------------------------- sanctions


def _effect_period_text():
    """The periods in force today, read from the effect-period table (DOMAIN.md §3)."""
    today = timezone.localdate()
    parts = []
    for kind in SanctionKind:
        row = EffectPeriod.objects.in_force(kind, today)
        if row:
            text = _("%(kind)s%(months)s个月") % {"kind": kind.label, "months": row.months}
            if row.minimum_months:
                text += _("（不少于%(months)s个月）") % {"months": row.minimum_months}
            parts.append(text)
    return "、".join(parts)


EFFECT_PERIOD_DESCRIPTION = format_lazy(
    gettext_lazy(
        "影响期自决定日期起算，至期满对应日的前一日止（《规则手册》第3节）：{}。"
        "期限以“影响期规定”中决定日期适用的一条为准。"
        "“影响期截止日期”留空则自动计算；改为其他日期时，必须填写“调整影响期的理由”。"
    ),
    lazy(_effect_period_text, str)(),
)


class SanctionForm(forms.ModelForm):
    """Makes the computed effect period and the override rule of DOMAIN.md §3 visible."""

    class Meta:
        model = Sanction
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "effect_end" in self.fields:
            self.fields["effect_end"].help_text = _("留空则按规定期限自动计算；与规定期限不同时须填写调整理由")
        if "effect_end_override_reason" in self.fields:
            self.fields["effect_end_override_reason"].help_text = _("影响期截止日期与规定期限不同时必填")

    def clean(self):
        cleaned = super().clean()
        changed = set(self.changed_data)
        # Changing the kind or the decision date of a saved sanction while leaving its
        # (computed) end date alone means "recompute", not "override": follow the new values.
        # (self.instance still holds the saved values here; the form's are applied later.)
        if (
            self.instance.pk
            and {"kind", "decision_date"} & changed
            and "effect_end" not in changed
            and not cleaned.get("effect_end_override_reason")
            and cleaned.get("effect_end") == self.instance.effect_end
            and not self.instance.effect_end_override_reason
        ):
            cleaned["effect_end"] = None
        return cleaned

    def _post_clean(self):
        super()._post_clean()  # runs Sanction.clean(), which requires the reason
        sanction = self.instance
        if "effect_end_override_reason" in self.errors and sanction.kind and sanction.decision_date:
            period = sanction.effect_period()
            self.add_error(
                "effect_end",
                _(
                    "按规定，%(kind)s的影响期为%(months)s个月，截止日期应为%(date)s。"
                    "确需调整的，请填写调整理由；否则请清空此项，由系统自动计算。"
                )
                % {
                    "kind": sanction.get_kind_display(),
                    "months": period.months,
                    "date": date_format(sanction.computed_effect_end()),
                },
            )


@admin.display(description=gettext_lazy("按规定计算的截止日期"))
def computed_effect_end(obj):
    if obj is None or not obj.kind or not obj.decision_date:
        return _("保存后按决定日期自动计算")
    try:
        return date_format(obj.computed_effect_end())
    except NoEffectPeriod as exc:
        return exc.messages[0]


@admin.display(description=gettext_lazy("影响期已调整"), boolean=True)
def effect_end_overridden(obj):
    # The override reason is required whenever the date differs from the computed one (Sanction.clean).
    return bool(obj.effect_end_override_reason)


class EffectStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("影响期")
    parameter_name = "effect"

    def lookups(self, request, model_admin):
        return [("current", _("影响期内")), ("ended", _("已期满")), ("adjusted", _("已调整影响期"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "current":
            return queryset.filter(decision_date__lte=today, effect_end__gte=today)
        if self.value() == "ended":
            return queryset.filter(effect_end__lt=today)
        if self.value() == "adjusted":
            return queryset.exclude(effect_end_override_reason="")
        return queryset


# --------------------------------------------------------------------------- inlines


class FamilyMemberInline(admin.TabularInline):
    model = FamilyMember
    fk_name = "cadre"  # FamilyMember has a second FK to Cadre (relative_cadre)
    extra = 0
    autocomplete_fields = ["relative_cadre"]


class AnnualAssessmentInline(admin.TabularInline):
    # Each row passes records.rules.check_assessments (DOMAIN.md §2) through the model's clean().
    model = AnnualAssessment
    extra = 0
    fields = ["year", "grade", "key_targets_missed", "unit"]
    autocomplete_fields = ["unit"]


class SanctionInline(admin.TabularInline):
    model = Sanction
    form = SanctionForm
    extra = 0
    fields = [
        "kind",
        "decision_date",
        "effect_end",
        computed_effect_end,
        "effect_end_override_reason",
        "excuse",
        "excuse_decision",
        "description",
    ]
    readonly_fields = [computed_effect_end]


class InvestigationInline(admin.TabularInline):
    model = Investigation
    extra = 0


class AwardInline(admin.TabularInline):
    """Awards are append-only (issue 13): a new one may be recorded, existing ones are shown read-only."""

    model = Award
    extra = 0
    autocomplete_fields = ["approving_unit"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PromotionInline(admin.TabularInline):
    model = Promotion
    extra = 0


class SecondmentInline(admin.TabularInline):
    model = Secondment
    extra = 0
    autocomplete_fields = ["host_unit"]


# --------------------------------------------------------------------------- cadres


class UnitSubtreeFilter(admin.SimpleListFilter):
    """A unit and everything below it; offers only units that have subunits, so the list stays short."""

    title = gettext_lazy("所在单位（含下级）")
    parameter_name = "unit_tree"

    def lookups(self, request, model_admin):
        parents = Unit.objects.filter(children__isnull=False).distinct().order_by("path")
        return [(unit.pk, "\u3000" * max(unit.path.count("/") - 2, 0) + unit.name) for unit in parents]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        unit = Unit.objects.filter(pk=self.value()).first() if self.value().isdigit() else None
        return queryset.filter(unit__path__startswith=unit.path) if unit else queryset.none()


class DismissalFlagFilter(admin.SimpleListFilter):
    """Cadres graded 不称职 two years running (公务员法 art. 88; DOMAIN.md §2 line 95)."""

    title = gettext_lazy("年度考核后果")
    parameter_name = "assessment_consequence"

    def lookups(self, request, model_admin):
        return [
            ("dismissal", _("连续两年不称职（应予辞退）")),
            ("level_reduction", _("不称职，待降低职务或者职级层次")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "dismissal":
            return queryset.flagged_for_dismissal()
        if self.value() == "level_reduction":
            pending = LevelReduction.objects.filter(cadre=OuterRef("pk"), carried_out_on__isnull=True)
            return queryset.filter(Exists(pending))
        return queryset


class CadreForm(forms.ModelForm):
    photo_file = forms.FileField(
        label=gettext_lazy("上传照片"),
        required=False,
        help_text=format_lazy(
            gettext_lazy("JPEG或PNG格式（按文件内容识别），不超过{}MB；印在干部任免审批表的照片栏（按一寸照25×35毫米的比例缩放）。"),
            PHOTO_MAX_BYTES // (1024 * 1024),
        ),
    )
    photo_clear = forms.BooleanField(label=gettext_lazy("删除照片"), required=False)

    class Meta:
        model = Cadre
        fields = "__all__"

    def clean_photo_file(self):
        upload = self.cleaned_data.get("photo_file")
        if not upload:
            return None
        too_large = _("照片不能超过%(mb)sMB") % {"mb": PHOTO_MAX_BYTES // (1024 * 1024)}
        if upload.size > PHOTO_MAX_BYTES:
            raise ValidationError(too_large)
        content = upload.read(PHOTO_MAX_BYTES + 1)
        if len(content) > PHOTO_MAX_BYTES:
            raise ValidationError(too_large)
        kind = sniff_photo(content)
        if kind is None:
            raise ValidationError(_("照片只能是JPEG或PNG图片（按文件内容识别）"))
        return content, kind

    def save(self, commit=True):
        photo = self.cleaned_data.get("photo_file")
        if photo:
            self.instance.photo, self.instance.photo_content_type = photo
        elif self.cleaned_data.get("photo_clear"):
            self.instance.photo, self.instance.photo_content_type = None, ""
        return super().save(commit)

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number")
        if not value:
            return None  # NULL, not "": the column is unique
        try:
            return importing.parse_id_number(value)
        except importing.CellError as exc:
            raise ValidationError(str(exc)) from None


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("文件类型"),
        # Sanctions are imported here only, by whoever may add them (not on the records page).
        choices=[*importing.KIND_LABELS.items(), (importing.SANCTIONS, importing.SANCTION_LABEL)],
        initial=importing.CADRES,
    )
    file = forms.FileField(
        label=gettext_lazy("Excel文件"),
        validators=[FileExtensionValidator(["xlsx"], message=gettext_lazy("请上传 .xlsx 格式的Excel文件"))],
        help_text=gettext_lazy("任一行有错误则整个文件都不导入；身份证号已存在的干部按文件内容更新。"),
    )
    dry_run = forms.BooleanField(label=gettext_lazy("仅校验，不导入"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("文件不能超过%(mb)sMB") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload


@admin.register(Cadre)
class CadreAdmin(admin.ModelAdmin):
    form = CadreForm
    list_display = ["name", "masked_id_number", "sex", "birth_date", "unit", "current_post", "rank_level"]
    list_filter = [UnitSubtreeFilter, "rank_level", "sex", "unit__level", DismissalFlagFilter]
    search_fields = ["name", "id_number", "unit__name", "unit__code"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit", "user"]
    list_per_page = 50
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("name", "sex"),
                    "id_number",
                    ("birth_date", "ethnicity"),
                    ("native_place", "birth_place"),
                    ("political_status", "party_join_date"),
                    ("work_start_date", "health"),
                ]
            },
        ),
        (
            gettext_lazy("学历学位"),
            {"fields": [("full_time_education", "full_time_school"), ("in_service_education", "in_service_school"), "professional_title"]},
        ),
        (
            gettext_lazy("职务职级"),
            {"fields": ["unit", ("current_post", "post_since"), ("rank_level", "current_rank_since"), "probation_end", "hardship_post"]},
        ),
        (gettext_lazy("照片"), {"fields": ["photo_thumbnail", "photo_file", "photo_clear"]}),
        (gettext_lazy("简历"), {"fields": ["resume"]}),
        (gettext_lazy("其他"), {"fields": ["user", "canvassing_flag", "naked_official_flag"]}),
        (gettext_lazy("年度考核后果"), {"fields": ["assessment_consequences"]}),
        (gettext_lazy("任职经历、健康体检、教育培训"), {"fields": ["supervision_records"]}),
    ]
    readonly_fields = ["assessment_consequences", "photo_thumbnail", "supervision_records"]
    inlines = [
        FamilyMemberInline,
        AnnualAssessmentInline,
        SanctionInline,
        InvestigationInline,
        AwardInline,
        PromotionInline,
        SecondmentInline,
    ]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Sanction:
            # A sanction added on the cadre's page: a talk with the cadre, in the page's transaction.
            signals.sanctions_recorded(formset.new_objects, user=request.user)

    def get_queryset(self, request):
        # __str__ shows the unit; this also serves the cadre autocomplete of other admins.
        return super().get_queryset(request).select_related("unit")

    def get_changelist_instance(self, request):
        # The list and the autocomplete never show the photo: do not read up to 2 MB per row.
        changelist = super().get_changelist_instance(request)
        changelist.queryset = changelist.queryset.defer("photo")
        return changelist

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.defer("photo"), may_have_duplicates

    @admin.display(description=gettext_lazy("照片"))
    def photo_thumbnail(self, obj):
        uri = obj.photo_data_uri() if obj is not None and obj.pk else ""
        if not uri:
            return _("（无照片）")
        return format_html('<img src="{}" alt="" style="width:25mm;height:35mm;object-fit:contain;border:1px solid #ccc">', uri)

    @admin.display(description=gettext_lazy("年度考核后果"))
    def assessment_consequences(self, obj):
        """DOMAIN.md §2 lines 94–95: the level reductions still to carry out, and the 辞退 flag."""
        if obj is None or obj.pk is None:
            return "—"
        lines = [
            _("%(year)s年度考核不称职：应降低一个职务或者职级层次（公务员法第五十条），尚未办理") % {"year": r.year}
            for r in obj.level_reductions.filter(carried_out_on__isnull=True)
        ]
        lines += [
            _("%(first)s、%(second)s年度连续两年不称职：应予辞退（公务员法第八十八条）") % {"first": first, "second": second}
            for first, second in obj.dismissal_years()
        ]
        return "；".join(lines) or "—"

    @admin.display(description=gettext_lazy("记录"))
    def supervision_records(self, obj):
        """Links to the cadre's post history, health checks and training (DOMAIN.md §10), kept on
        their own pages so the cadre form stays one post."""
        if obj is None or obj.pk is None:
            return "—"
        links = []
        for model, related in ((PostHistory, "post_history"), (HealthCheck, "health_checks"), (Training, "trainings")):
            url = reverse("admin:records_%s_changelist" % model._meta.model_name) + f"?cadre__id__exact={obj.pk}"
            links.append(format_html('<a href="{}">{}（{}）</a>', url, model._meta.verbose_name, getattr(obj, related).count()))
        add = reverse("admin:records_healthcheck_add") + f"?cadre={obj.pk}"
        return format_html('{} {} {} · <a href="{}">{}</a>', *links, add, _("登记体检"))

    @admin.display(description=gettext_lazy("身份证号"), ordering="id_number")
    def masked_id_number(self, obj):
        # The list is often on screen in shared offices; the full number is on the change page.
        value = obj.id_number or ""
        return f"{value[:6]}{'*' * 8}{value[14:]}" if len(value) == 18 else value

    # ---- Excel import

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="%s_%s_import" % info),
            path("import/template/", self.admin_site.admin_view(self.import_template_view), name="%s_%s_import_template" % info),
        ] + super().get_urls()

    def has_import_permission(self, request, kind=None):
        """Add and change rights on what the import writes (a cadre workbook may carry assessments)."""
        # DOMAIN.md §10 records: a 任职经历 file also sets the cadre's time in current post.
        models = {
            importing.ASSESSMENTS: [AnnualAssessment],
            importing.HEALTH_CHECKS: [HealthCheck],
            importing.TRAININGS: [Training],
            importing.POST_HISTORY: [PostHistory, Cadre],
            importing.SANCTIONS: [Sanction],
        }.get(kind, [Cadre, AnnualAssessment])
        perms = [f"{m._meta.app_label}.{action}_{m._meta.model_name}" for m in models for action in ("add", "change")]
        if kind is None:  # the page itself: either kind will do
            return self.has_import_permission(request, importing.ASSESSMENTS)
        return request.user.has_perms(perms)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        report = None
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                kind = form.cleaned_data["kind"]
                if not self.has_import_permission(request, kind):
                    raise PermissionDenied
                importer = importing.IMPORTERS[kind]
                # Who records a sanction starts the talk it makes due, when they may (DOMAIN.md §10 "Talks").
                by = {"user": request.user} if kind == importing.SANCTIONS else {}
                report = importer(form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"], **by)
                if report.ok and not report.dry_run:
                    self.log_import(request, report, form.cleaned_data["file"].name)
                    self.message_user(request, report.summary(), messages.SUCCESS)
                    updated = report.updated_lines()
                    if updated:
                        more = len(updated) - MAX_UPDATED_SHOWN
                        text = "；".join(updated[:MAX_UPDATED_SHOWN])
                        if more > 0:
                            text += _("……等共%(count)s人") % {"count": len(updated)}
                        self.message_user(request, text, messages.INFO)
                    return redirect(
                        reverse("admin:%s_%s_changelist" % (self.opts.app_label, self.opts.model_name), current_app=self.admin_site.name)
                    )
        else:
            form = ImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("从Excel导入干部信息"),
            "form": form,
            "report": report,
            "errors_shown": report.errors[:MAX_ERRORS_SHOWN] if report else [],
            "errors_hidden": max(report.error_count - len(report.errors[:MAX_ERRORS_SHOWN]), 0) if report else 0,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/records/cadre/import.html", context)

    def log_import(self, request, report, filename):
        """One admin history entry per created or updated record (DOMAIN.md §9: every change is attributed)."""
        message = _("从Excel文件“%(file)s”导入") % {"file": filename}
        for objects, flag in ((report.created_objects, ADDITION), (report.updated_objects, CHANGE)):
            if objects:
                LogEntry.objects.log_actions(request.user.pk, objects, flag, message)

    def import_template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        kinds = [*importing.KIND_LABELS, importing.SANCTIONS]
        kind = request.GET.get("kind") if request.GET.get("kind") in kinds else importing.CADRES
        filename = {importing.CADRES: "cadre", importing.ASSESSMENTS: "assessment"}.get(kind, kind) + "_import_template.xlsx"
        response = HttpResponse(
            importing.build_template(kind),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# --------------------------------------------------------------------------- the other records


class CadreRecordAdmin(admin.ModelAdmin):
    """Shared set-up for the records that hang off a cadre."""

    autocomplete_fields = ["cadre"]
    list_select_related = ["cadre", "cadre__unit"]
    search_fields = ["cadre__name", "cadre__id_number"]
    list_per_page = 50


@admin.register(FamilyMember)
class FamilyMemberAdmin(CadreRecordAdmin):
    list_display = ["cadre", "relation", "name", "political_status", "work_unit_and_post", "relative_cadre"]
    list_select_related = ["cadre", "cadre__unit", "relative_cadre", "relative_cadre__unit"]
    search_fields = ["cadre__name", "cadre__id_number", "name"]
    autocomplete_fields = ["cadre", "relative_cadre"]


@admin.register(AnnualAssessment)
class AnnualAssessmentAdmin(CadreRecordAdmin):
    # The model's clean() runs records.rules.check_assessments (DOMAIN.md §2): the 优秀 share and the sanctions.
    list_display = ["cadre", "year", "grade", "key_targets_missed", "unit"]
    list_filter = ["year", "grade", "key_targets_missed"]
    autocomplete_fields = ["cadre", "unit"]
    list_select_related = ["cadre", "cadre__unit", "unit"]


@admin.register(LevelReduction)
class LevelReductionAdmin(CadreRecordAdmin):
    """不称职 → one level down (公务员法 art. 50; DOMAIN.md §2 line 94): the organisation department records its decision."""

    list_display = ["cadre", "year", "carried_out_on", "decision_number"]
    list_filter = [("carried_out_on", admin.EmptyFieldListFilter), "year"]
    autocomplete_fields = ["cadre", "assessment"]

    def get_readonly_fields(self, request, obj=None):
        # Created from the 不称职 grade; the organisation department fills in what it decided.
        return ["cadre", "assessment", "year"] if obj else []


@admin.register(ExcellentShareLimit)
class ExcellentShareLimitAdmin(admin.ModelAdmin):
    """The 优秀 share, general and special case (DOMAIN.md §2 line 91)."""

    list_display = ["from_year", "share", "special_share", "basis"]


@admin.register(ExcellentShareAllowance)
class ExcellentShareAllowanceAdmin(admin.ModelAdmin):
    """Unit-years marked as special cases: their 优秀 share rises (DOMAIN.md §2 line 91)."""

    list_display = ["unit", "year", "share", "reason"]
    list_filter = ["year"]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]


@admin.register(EffectPeriod)
class EffectPeriodAdmin(admin.ModelAdmin):
    """Sanction effect periods as data (DOMAIN.md §3). Saving recomputes the stored end date of the
    sanctions of that kind whose end date was not adjusted by a decision."""

    list_display = ["kind", "months", "minimum_months", "effective_from", "excellent_bar", "basis"]
    list_filter = ["kind"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._recompute(request, obj.kind)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._recompute(request, obj.kind)

    def delete_queryset(self, request, queryset):
        kinds = set(queryset.values_list("kind", flat=True))
        super().delete_queryset(request, queryset)
        for kind in kinds:
            self._recompute(request, kind)

    def _recompute(self, request, kind):
        changed = recompute_effect_ends(kind)
        if changed:
            self.message_user(request, _("已按新规定重新计算%(count)s条处分的影响期截止日期") % {"count": changed}, messages.INFO)


@admin.register(Sanction)
class SanctionAdmin(CadreRecordAdmin):
    form = SanctionForm
    list_display = ["cadre", "kind", "decision_date", "effect_end", effect_end_overridden, "excuse"]
    list_filter = ["kind", EffectStatusFilter, "excuse"]
    date_hierarchy = "decision_date"
    readonly_fields = [computed_effect_end]
    fieldsets = [
        (None, {"fields": ["cadre", "kind", "decision_date", "description"]}),
        (
            gettext_lazy("影响期"),
            {
                "fields": [computed_effect_end, "effect_end", "effect_end_override_reason"],
                "description": EFFECT_PERIOD_DESCRIPTION,
            },
        ),
        (gettext_lazy("容错免责"), {"fields": ["excuse", "excuse_decision"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # A newly recorded accountability decision: a talk with the cadre (DOMAIN.md §10
            # "Talks", seed 000 #18), in the admin page's transaction. An edit starts nothing.
            signals.sanctions_recorded([obj], user=request.user)


@admin.register(Investigation)
class InvestigationAdmin(CadreRecordAdmin):
    list_display = ["cadre", "opened_on", "closed_on", "authority"]
    list_filter = [("closed_on", admin.EmptyFieldListFilter)]
    date_hierarchy = "opened_on"


@admin.register(Award)
class AwardAdmin(CadreRecordAdmin):
    list_display = ["cadre", "collective", "kind", "awarded_on", "decision_number", "approving_unit", "revoked"]
    list_filter = ["kind", "revoked"]
    list_select_related = ["cadre", "cadre__unit", "collective", "approving_unit"]
    search_fields = ["cadre__name", "cadre__id_number", "collective__name", "decision_number", "deed_reference"]
    autocomplete_fields = ["cadre", "collective", "approving_unit"]
    date_hierarchy = "awarded_on"

    # Append-only (issue 13): an award behind an issued number is never rewritten or deleted here;
    # a revocation goes through its case (awards.issuing.revoke_award), a correction is a new record.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Collective)
class CollectiveAdmin(admin.ModelAdmin):
    """公务员集体 (DOMAIN.md §1.1): recorded by a collective nomination; members may be corrected here."""

    list_display = ["name", "kind", "unit"]
    list_filter = ["kind"]
    list_select_related = ["unit"]
    search_fields = ["name", "unit__name"]
    autocomplete_fields = ["unit", "members"]


@admin.register(Promotion)
class PromotionAdmin(CadreRecordAdmin):
    list_display = ["cadre", "promoted_on", "from_level", "to_level", "post", "exceptional", "probation_end"]
    list_filter = ["exceptional", "to_level"]
    date_hierarchy = "promoted_on"


@admin.register(Secondment)
class SecondmentAdmin(CadreRecordAdmin):
    list_display = ["cadre", "host_unit", "position", "start", "planned_end", "ended_on", "assessment_grade"]
    list_filter = ["assessment_grade", ("ended_on", admin.EmptyFieldListFilter)]
    list_select_related = ["cadre", "cadre__unit", "host_unit"]
    autocomplete_fields = ["cadre", "host_unit"]
    date_hierarchy = "start"


@admin.register(PostHistory)
class PostHistoryAdmin(CadreRecordAdmin):
    """任职经历 (DOMAIN.md §10 "Township service": the township years are summed from these rows)."""

    list_display = ["cadre", "start", "end", "post_unit", "post"]
    list_filter = ["post_unit__level", ("end", admin.EmptyFieldListFilter)]
    list_select_related = ["cadre", "cadre__unit", "post_unit"]
    autocomplete_fields = ["cadre", "post_unit"]
    date_hierarchy = "start"


@admin.register(HealthCheck)
class HealthCheckAdmin(CadreRecordAdmin):
    """健康体检 (DOMAIN.md §10 "Health checks"; seed 000 #19; seed 004 art. 11)."""

    list_display = ["cadre", "date", "standard", "result", "institution"]
    list_filter = ["standard", "result"]
    date_hierarchy = "date"


@admin.register(Training)
class TrainingAdmin(CadreRecordAdmin):
    """教育培训 (DOMAIN.md §10 "Training"; seed 000 #13)."""

    list_display = ["cadre", "course", "start", "end", "hours", "professional"]
    list_filter = ["professional"]
    search_fields = ["cadre__name", "cadre__id_number", "course"]
    date_hierarchy = "start"
