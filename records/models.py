"""Cadre records: the facts the eligibility rules read (DOMAIN.md §1.4, §2, §3, §4.2, §8.2)."""

import base64
import calendar
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from permissions.models import Unit


def add_months(day, months):
    """Same day ``months`` later, clamped to the month's end (31 Aug + 6 months = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day, years):
    """Same day ``years`` later: "one year" is a calendar year, not 365 days (issue 12 "Dates");
    29 February + 1 year = 28 February."""
    return add_months(day, 12 * years)


def period_end(start, months):
    """Last day of a period of ``months`` months that starts on (and includes) ``start``.

    The period ends the day before its anniversary (issue 12 "Dates"): 6 months from 15 March
    run through 14 September, and 15 September is the first free day. When the end month has no
    corresponding day (31 August + 6 months), the month's last day is the period's last day
    (民法典 art. 202: "没有对应日的，月末日为期间的最后一日").
    """
    anniversary = add_months(start, months)
    if anniversary.day != start.day:  # clamped: no corresponding day in that month
        return anniversary
    return anniversary - datetime.timedelta(days=1)


def full_months_between(start, end):
    """Whole months from ``start`` to ``end`` (15 March → 15 September = 6, → 14 September = 5);
    negative when ``end`` is before ``start``. A month is complete on the day after it ends
    (see ``period_end``), so 31 January → 28 February is 0 and → 1 March is 1."""
    if end < start:
        return -full_months_between(end, start)
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class RankLevel(models.TextChoices):
    """Levels, lowest first (DOMAIN.md §4.4)."""

    TOWNSHIP_DEPUTY = "township_deputy", _("乡科级副职")
    TOWNSHIP_PRINCIPAL = "township_principal", _("乡科级正职")
    COUNTY_DEPUTY = "county_deputy", _("县处级副职")
    COUNTY_PRINCIPAL = "county_principal", _("县处级正职")
    BUREAU_DEPUTY = "bureau_deputy", _("厅局级副职")
    BUREAU_PRINCIPAL = "bureau_principal", _("厅局级正职")
    MINISTER_DEPUTY = "minister_deputy", _("省部级副职")
    MINISTER_PRINCIPAL = "minister_principal", _("省部级正职")
    NONE = "none", _("其他人员")


RANK_ORDER = [c for c in RankLevel.values if c != RankLevel.NONE]


def rank_index(level):
    """Position of a rank level in DOMAIN.md §4.4's order; -1 for staff without a leading post."""
    return RANK_ORDER.index(level) if level in RANK_ORDER else -1


class CadreQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Cadres of the units the user holds a role on (and their subordinates where granted)."""
        from permissions import policy

        return self if user.is_superuser else self.filter(policy.visible_cadres_filter(user))

    def flagged_for_dismissal(self):
        """Cadres graded 不称职 in two consecutive years (公务员法 art. 88, DOMAIN.md §2 line 95): 辞退."""
        second = AnnualAssessment.objects.filter(
            cadre=models.OuterRef("cadre"), year=models.OuterRef("year") - 1, grade=AssessmentGrade.INCOMPETENT
        )
        first = AnnualAssessment.objects.filter(cadre=models.OuterRef("pk"), grade=AssessmentGrade.INCOMPETENT).filter(
            models.Exists(second)
        )
        return self.filter(models.Exists(first))


# The cadre's ID photo (照片 of the 干部任免审批表, ZhaoPian of .lrmx): JPEG or PNG, recognised by its
# first bytes (the name's extension is not trusted), at most this size.
PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_SIGNATURES = [(b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png")]


def sniff_photo(content):
    """``image/jpeg`` or ``image/png`` when ``content`` starts like one, else None."""
    return next((kind for signature, kind in PHOTO_SIGNATURES if bytes(content[:8]).startswith(signature)), None)


class Cadre(models.Model):
    """A cadre, with the fields of the 干部任免审批表 (DOMAIN.md §8.2) that the rules need."""

    objects = CadreQuerySet.as_manager()

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True, null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    native_place = models.CharField(_("籍贯"), max_length=50, blank=True)
    birth_place = models.CharField(_("出生地"), max_length=50, blank=True)
    political_status = models.CharField(_("政治面貌"), max_length=20, default="中共党员")
    party_join_date = models.DateField(_("入党时间"), null=True, blank=True)
    work_start_date = models.DateField(_("参加工作时间"))
    health = models.CharField(_("健康状况"), max_length=20, default="健康", blank=True)
    full_time_education = models.CharField(_("全日制教育学历学位"), max_length=50, blank=True)
    full_time_school = models.CharField(_("全日制教育毕业院校系及专业"), max_length=100, blank=True)
    in_service_education = models.CharField(_("在职教育学历学位"), max_length=50, blank=True)
    in_service_school = models.CharField(_("在职教育毕业院校系及专业"), max_length=100, blank=True)
    professional_title = models.CharField(_("专业技术职务"), max_length=50, blank=True)
    current_post = models.CharField(_("现任职务"), max_length=100)
    rank_level = models.CharField(_("职级层次"), max_length=30, choices=RankLevel.choices, default=RankLevel.NONE)
    unit = models.ForeignKey(Unit, verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="cadres")
    current_rank_since = models.DateField(_("任现职级时间"), null=True, blank=True)
    # "Time in current post" (DOMAIN.md §10 "Rotation": counted from the date the cadre took the
    # current post) — the rotation alerts of supervision.alerts read it (seed 000 #15).
    post_since = models.DateField(_("任现岗位时间"), null=True, blank=True, help_text=_("轮岗年限自此日起算（《规则手册》第10节）"))
    # DOMAIN.md §10 "Health checks": front-line, hardship and high-risk posts (seed 004 art. 11;
    # seed 000 #19) at least one check a year with a higher standard and accident insurance.
    hardship_post = models.BooleanField(
        _("攻坚一线、艰苦地区或高危岗位"), default=False, help_text=_("每年体检不少于1次，适当提高体检标准（《规则手册》第10节）")
    )
    probation_end = models.DateField(_("试用期满日期"), null=True, blank=True)
    resume = models.TextField(_("简历"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("系统用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cadre",
    )
    # DOMAIN.md §4.2 flags, recorded by the organisation department.
    canvassing_flag = models.BooleanField(_("存在跑官拉票行为"), default=False)
    naked_official_flag = models.BooleanField(_("配偶已移居国（境）外或无配偶子女均已移居国（境）外"), default=False)
    # Kept in the database with the record (no media files to back up separately); set through
    # the admin's upload field or an .lrmx import, both of which check it with sniff_photo.
    photo = models.BinaryField(_("照片"), null=True, blank=True)
    photo_content_type = models.CharField(_("照片类型"), max_length=20, blank=True, editable=False)

    class Meta:
        verbose_name = _("干部")
        verbose_name_plural = _("干部")
        ordering = ["unit__path", "name"]
        indexes = [models.Index(fields=["unit", "name"])]

    def __str__(self):
        return f"{self.name}（{self.unit}）"

    @property
    def unit_and_post(self):
        """工作单位及职务: the post alone when it already names the unit."""
        return self.current_post if self.current_post.startswith(self.unit.name) else f"{self.unit.name}{self.current_post}"

    def dismissal_years(self):
        """The pairs of consecutive years graded 不称职 (公务员法 art. 88, DOMAIN.md §2 line 95), latest first."""
        years = sorted((a.year for a in self.assessments.all() if a.grade == AssessmentGrade.INCOMPETENT), reverse=True)
        return [(year - 1, year) for year in years if year - 1 in years]

    def photo_data_uri(self):
        """The photo as a ``data:`` URI for the printed forms, or "" without one."""
        if not self.photo or not self.photo_content_type:
            return ""
        return f"data:{self.photo_content_type};base64," + base64.b64encode(bytes(self.photo)).decode("ascii")

    def age_on(self, day):
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class FamilyMember(models.Model):
    """家庭主要成员及重要社会关系 (DOMAIN.md §8.2); a member who is also a cadre drives recusal (§9)."""

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="family")
    relation = models.CharField(_("称谓"), max_length=20)
    name = models.CharField(_("姓名"), max_length=50)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    political_status = models.CharField(_("政治面貌"), max_length=20, blank=True)
    work_unit_and_post = models.CharField(_("工作单位及职务"), max_length=100, blank=True)
    relative_cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("亲属本人的干部档案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="relative_of",
    )

    class Meta:
        verbose_name = _("家庭成员及社会关系")
        verbose_name_plural = _("家庭成员及社会关系")

    def __str__(self):
        return f"{self.relation} {self.name}"


class AssessmentGrade(models.TextChoices):
    """Annual grades (公务员法 art. 38, DOMAIN.md §2) and 不定等次 [practice]."""

    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("称职")
    BASIC = "basic", _("基本称职")
    INCOMPETENT = "incompetent", _("不称职")
    NOT_GRADED = "not_graded", _("不定等次")


class AnnualAssessment(models.Model):
    """An annual grade. The rules of DOMAIN.md §2 (优秀 share, sanctions) are checked by ``clean()``
    through ``records.rules``, which the Excel import and the admin both call."""

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="assessments")
    year = models.PositiveSmallIntegerField(_("年度"))
    grade = models.CharField(_("考核等次"), max_length=20, choices=AssessmentGrade.choices)
    # The unit the cadre was assessed in (its 优秀 share, DOMAIN.md §2); filled from the cadre on save.
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("考核时所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空则取干部当前所在单位"),
    )
    # Seed 004 art. 6 (DOMAIN.md §2 line 96): key targets missed → no promotion for one year.
    key_targets_missed = models.BooleanField(
        _("重点目标任务未完成或排名明显靠后"), default=False, help_text=_("无特殊原因的，一年内不得提拔（《规则手册》第2节）")
    )

    class Meta:
        verbose_name = _("年度考核结果")
        verbose_name_plural = _("年度考核结果")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["cadre", "year"], name="one_assessment_per_year")]
        indexes = [
            # The statistics count a scope's grades of a year by unit from this index alone
            # (stats.queries.excellent_table: 72 → 14 ms for a city at 1,000,000 cases).
            models.Index(fields=["unit", "year"], include=["grade"], name="assessment_stats_idx"),
        ]

    def __str__(self):
        return f"{self.year} {self.get_grade_display()}"

    def clean(self):
        from . import rules

        if not self.cadre_id or not self.year or not self.grade:
            return
        errors = rules.check_assessments([self])
        if errors:
            raise ValidationError({"grade": [message for _assessment, message in errors]})

    def save(self, *args, **kwargs):
        if self.unit_id is None and self.cadre_id:
            self.unit_id = self.cadre.unit_id
        super().save(*args, **kwargs)
        from . import rules

        rules.record_consequences([self])


class ExcellentShareLimit(models.Model):
    """The 优秀 share of a unit's graded staff (DOMAIN.md §2 line 91, [practice]: kept as data)."""

    from_year = models.PositiveSmallIntegerField(_("起始年度"), unique=True)
    share = models.PositiveSmallIntegerField(_("一般比例（%）"), validators=[MinValueValidator(1), MaxValueValidator(100)])
    special_share = models.PositiveSmallIntegerField(_("特殊情况最高比例（%）"), validators=[MinValueValidator(1), MaxValueValidator(100)])
    basis = models.CharField(_("依据"), max_length=200)

    class Meta:
        verbose_name = _("优秀等次比例")
        verbose_name_plural = _("优秀等次比例")
        ordering = ["-from_year"]

    def __str__(self):
        return _("%(year)s年起：%(share)s%%，特殊情况%(special)s%%") % {
            "year": self.from_year,
            "share": self.share,
            "special": self.special_share,
        }

    def clean(self):
        if self.share and self.special_share and self.special_share < self.share:
            raise ValidationError({"special_share": _("特殊情况比例不能低于一般比例")})

    @classmethod
    def in_force(cls, year):
        return cls.objects.filter(from_year__lte=year).order_by("-from_year").first()


class ExcellentShareAllowance(models.Model):
    """A unit-year that an administrator marks as a special case: its 优秀 share rises (DOMAIN.md §2 line 91)."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    share = models.PositiveSmallIntegerField(_("优秀比例（%）"), default=25, validators=[MinValueValidator(1), MaxValueValidator(100)])
    reason = models.CharField(_("理由"), max_length=200)

    class Meta:
        verbose_name = _("优秀比例特殊情况")
        verbose_name_plural = _("优秀比例特殊情况")
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="one_share_allowance_per_unit_year")]

    def __str__(self):
        return f"{self.unit} {self.year} {self.share}%"

    def clean(self):
        limit = ExcellentShareLimit.in_force(self.year) if self.year else None
        if limit and self.share and self.share > limit.special_share:
            raise ValidationError({"share": _("特殊情况下优秀比例最高为%(share)s%%") % {"share": limit.special_share}})


class LevelReduction(models.Model):
    """不称职 → lowered by one post or rank level (公务员法 art. 50; seed 004 art. 6; DOMAIN.md §2 line 94).

    Recorded as a fact when the grade is recorded; the organisation department carries it out and
    records its decision here. ``Cadre.rank_level`` is not changed by the system.
    """

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="level_reductions")
    assessment = models.OneToOneField(
        AnnualAssessment, verbose_name=_("年度考核结果"), on_delete=models.CASCADE, related_name="level_reduction"
    )
    year = models.PositiveSmallIntegerField(_("考核年度"))
    carried_out_on = models.DateField(_("降低职务职级日期"), null=True, blank=True)
    decision_number = models.CharField(_("决定文号"), max_length=50, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("降低一个职务或者职级层次")
        verbose_name_plural = _("降低一个职务或者职级层次")
        ordering = ["-year"]

    def __str__(self):
        return _("%(year)s年度考核不称职，应降低一个职务或者职级层次") % {"year": self.year}


class SanctionKind(models.TextChoices):
    WARNING = "warning", _("警告")
    DEMERIT = "demerit", _("记过")
    MAJOR_DEMERIT = "major_demerit", _("记大过")
    DEMOTION = "demotion", _("降级")
    DISMISSAL_FROM_POST = "dismissal_from_post", _("撤职")
    ADMONISHMENT = "admonishment", _("诫勉")
    ORG_ADJUSTMENT = "org_adjustment", _("组织处理（调整职务）")
    ORG_RESIGNATION = "org_resignation", _("组织处理（责令辞职）")
    ORG_REMOVAL = "org_removal", _("组织处理（免职）")
    ORG_DEMOTION = "org_demotion", _("组织处理（降职）")


class ExcellentBar(models.TextChoices):
    """Which 优秀 grades a measure rules out (DOMAIN.md §2 line 98, [practice]: kept as data)."""

    NONE = "none", _("不影响")
    DECISION_YEAR = "decision_year", _("决定当年不得评为优秀")
    EFFECT_PERIOD = "effect_period", _("影响期所涉年度不得评为优秀")


class EffectPeriodQuerySet(models.QuerySet):
    def in_force(self, kind, day):
        """The row for ``kind`` in force on ``day`` (the latest one that took effect on or before it)."""
        return self.filter(kind=kind, effective_from__lte=day).order_by("-effective_from").first()


class EffectPeriod(models.Model):
    """Sanction effect periods (影响期, DOMAIN.md §3), dated and editable by an administrator.

    A sanction reads the row in force on its decision date. Pre-filled by migration 0006 with
    DOMAIN.md §3's table.
    """

    objects = EffectPeriodQuerySet.as_manager()

    kind = models.CharField(_("处分或处理种类"), max_length=30, choices=SanctionKind.choices)
    months = models.PositiveSmallIntegerField(_("影响期（月）"), validators=[MinValueValidator(1)])
    minimum_months = models.PositiveSmallIntegerField(
        _("最短影响期（月）"), null=True, blank=True, help_text=_("按决定另定影响期时不得短于此期限")
    )
    effective_from = models.DateField(_("施行日期"), help_text=_("决定日期在此日及以后的处分适用本条"))
    excellent_bar = models.CharField(_("对年度考核优秀等次的影响"), max_length=20, choices=ExcellentBar.choices, default=ExcellentBar.NONE)
    basis = models.CharField(_("依据"), max_length=200)

    class Meta:
        verbose_name = _("影响期规定")
        verbose_name_plural = _("影响期规定")
        ordering = ["kind", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["kind", "effective_from"], name="one_effect_period_per_kind_and_date")]

    def __str__(self):
        return _("%(kind)s%(months)s个月（%(date)s起）") % {
            "kind": self.get_kind_display(),
            "months": self.months,
            "date": self.effective_from,
        }

    def clean(self):
        if self.minimum_months and self.months and self.months < self.minimum_months:
            raise ValidationError({"minimum_months": _("最短影响期不能长于影响期")})


class NoEffectPeriod(ValidationError):
    """No row of the effect-period table covers a sanction's kind and decision date."""


class FaultToleranceExcuse(models.TextChoices):
    """容错 under the "three distinctions" (seed 000 #10, DOMAIN.md §1.4)."""

    NONE = "none", _("无")
    LIGHTER = "lighter", _("从轻追究")
    REDUCED = "reduced", _("减轻追究")
    EXEMPT = "exempt", _("免予追究")


class Sanction(models.Model):
    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="sanctions")
    kind = models.CharField(_("处分或处理种类"), max_length=30, choices=SanctionKind.choices)
    decision_date = models.DateField(_("决定日期"))
    effect_end = models.DateField(_("影响期截止日期"), blank=True, help_text=_("留空则按《规则手册》第3节自动计算"))
    effect_end_override_reason = models.CharField(_("调整影响期的理由"), max_length=200, blank=True)
    excuse = models.CharField(_("容错免责认定"), max_length=20, choices=FaultToleranceExcuse.choices, default=FaultToleranceExcuse.NONE)
    excuse_decision = models.CharField(_("容错认定文件"), max_length=100, blank=True)
    description = models.CharField(_("事由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("处分与组织处理")
        verbose_name_plural = _("处分与组织处理")
        ordering = ["-decision_date"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.decision_date}"

    def effect_period(self):
        """The row of the effect-period table in force on the decision date (DOMAIN.md §3)."""
        row = EffectPeriod.objects.in_force(self.kind, self.decision_date)
        if row is None:
            raise NoEffectPeriod(
                _("“影响期规定”中没有适用于%(date)s决定的%(kind)s的规定，请管理员补充")
                % {"date": self.decision_date, "kind": SanctionKind(self.kind).label}
            )
        return row

    def computed_effect_end(self):
        """DOMAIN.md §3: the effect period starts on the decision date and ends the day before its
        anniversary (issue 12 "Dates": a 警告 decided 2026-03-15 is in effect through 2026-09-14)."""
        return period_end(self.decision_date, self.effect_period().months)

    def clean(self):
        # DOMAIN.md §1.4 (seed 000 #10): "Record the excuse decision with the sanction/accountability
        # record" — an excuse that names no decision would silently lift a disqualifier.
        if self.excuse and self.excuse != FaultToleranceExcuse.NONE and not (self.excuse_decision or "").strip():
            raise ValidationError({"excuse_decision": _("认定容错免责的，须填写容错认定文件")})
        if not self.decision_date or not self.kind:
            return
        try:
            period = self.effect_period()
        except NoEffectPeriod as exc:
            raise ValidationError({"kind": exc.messages}) from None
        computed = period_end(self.decision_date, period.months)
        if self.effect_end and self.effect_end != computed and not self.effect_end_override_reason:
            raise ValidationError({"effect_end_override_reason": _("影响期与规定期限不同，请填写调整理由")})
        minimum = period.minimum_months
        if self.effect_end and minimum and self.effect_end < period_end(self.decision_date, minimum):
            raise ValidationError(
                {"effect_end": _("%(kind)s的影响期不少于%(months)s个月") % {"kind": self.get_kind_display(), "months": minimum}}
            )

    def save(self, *args, **kwargs):
        if not self.effect_end:
            self.effect_end = self.computed_effect_end()
        super().save(*args, **kwargs)

    def in_effect_on(self, day):
        """In effect from the decision date through ``effect_end`` inclusive (DOMAIN.md §3)."""
        return self.decision_date <= day <= self.effect_end

    @property
    def counts_as_disqualifier(self):
        """Fully excused faults (免予追究) do not disqualify; reduced liability still does (DOMAIN.md §1.4)."""
        return self.excuse != FaultToleranceExcuse.EXEMPT


def recompute_effect_ends(kind=None):
    """Store the computed end date on every sanction (of ``kind``) that has no override reason,
    after the effect-period table changed (DOMAIN.md §3). Returns how many changed."""
    changed = 0
    sanctions = Sanction.objects.filter(effect_end_override_reason="")
    if kind:
        sanctions = sanctions.filter(kind=kind)
    for sanction in sanctions.only("pk", "kind", "decision_date", "effect_end"):
        try:
            end = sanction.computed_effect_end()
        except NoEffectPeriod:
            continue
        if end != sanction.effect_end:
            Sanction.objects.filter(pk=sanction.pk).update(effect_end=end)
            changed += 1
    return changed


class Investigation(models.Model):
    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="investigations")
    opened_on = models.DateField(_("立案日期"))
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    authority = models.CharField(_("立案机关"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("立案审查调查")
        verbose_name_plural = _("立案审查调查")
        ordering = ["-opened_on"]

    def __str__(self):
        open_text = _("未结案")
        return f"{self.opened_on} – {self.closed_on or open_text}"

    @property
    def is_open(self):
        return self.closed_on is None


class AwardKind(models.TextChoices):
    """DOMAIN.md §1.1 (公务员法 art. 53)."""

    COMMENDATION = "commendation", _("嘉奖")
    MERIT_3 = "merit_3", _("记三等功")
    MERIT_2 = "merit_2", _("记二等功")
    MERIT_1 = "merit_1", _("记一等功")
    TITLE = "title", _("授予称号")


AWARD_ORDER = [AwardKind.COMMENDATION, AwardKind.MERIT_3, AwardKind.MERIT_2, AwardKind.MERIT_1, AwardKind.TITLE]

# The levels an approving authority sits at (DOMAIN.md §1.2), lowest first; "central" = 中央国家机关.
APPROVING_LEVELS = [
    ("township", _("乡镇级")),
    ("county", _("县级")),
    ("city", _("市级")),
    ("province", _("省级")),
    ("central", _("中央")),
]
APPROVING_LEVEL_ORDER = [code for code, _label in APPROVING_LEVELS]


class CollectiveKind(models.TextChoices):
    """公务员集体 (DOMAIN.md §1.1 "a unit, or a task team" [law, art. 51]; 公务员奖励规定 art. 2)."""

    UNIT = "unit", _("按编制序列设置的机构")
    TEAM = "team", _("为完成专项任务组成的工作集体")


class Collective(models.Model):
    """A collective that can be rewarded (DOMAIN.md §1.1): a unit of the establishment itself, or a
    task team formed by a unit, with its members. One record per unit and per team name, so one
    deed, one reward (§1.4) is judged across the collective's cases."""

    kind = models.CharField(_("集体类型"), max_length=10, choices=CollectiveKind.choices)
    # The unit itself (kind unit), or the unit that formed the team (kind team).
    unit = models.ForeignKey(Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="collectives")
    name = models.CharField(_("集体名称"), max_length=100)
    members = models.ManyToManyField(Cadre, verbose_name=_("集体成员"), blank=True, related_name="collectives")

    class Meta:
        verbose_name = _("公务员集体")
        verbose_name_plural = _("公务员集体")
        ordering = ["unit__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=models.Q(kind="unit"), name="one_unit_collective_per_unit"),
            models.UniqueConstraint(fields=["unit", "name"], condition=models.Q(kind="team"), name="one_team_per_unit_and_name"),
        ]

    def __str__(self):
        return self.name


class Award(models.Model):
    """An award on a cadre's record, or on a collective's (DOMAIN.md §1.1): exactly one of the two."""

    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="awards", null=True, blank=True)
    collective = models.ForeignKey(
        Collective, verbose_name=_("获奖集体"), on_delete=models.PROTECT, related_name="awards", null=True, blank=True
    )
    kind = models.CharField(_("奖励种类"), max_length=20, choices=AwardKind.choices)
    awarded_on = models.DateField(_("奖励日期"))
    decision_number = models.CharField(_("奖励决定文号"), max_length=50, blank=True)
    approving_unit = models.ForeignKey(Unit, verbose_name=_("审批机关"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    deed_reference = models.CharField(_("事迹编号"), max_length=100, blank=True, db_index=True)
    approving_level = models.CharField(
        _("审批机关层级"),
        max_length=20,
        choices=APPROVING_LEVELS,
        blank=True,
        help_text=_("同一事迹只能由更高层级再给予更高等次的奖励（《规则手册》§1.4）"),
    )
    nominating_unit = models.ForeignKey(Unit, verbose_name=_("推荐单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bonus = models.DecimalField(_("奖金"), max_digits=10, decimal_places=2, null=True, blank=True)
    posthumous = models.BooleanField(_("追授"), default=False)
    certificate_number = models.CharField(_("证书编号"), max_length=50, blank=True)
    # 记三等功 and above: a medal (奖章) for a person, a plaque (奖牌) for a collective (DOMAIN.md §1.1).
    medal = models.BooleanField(_("颁发奖章（集体为奖牌）"), default=False)
    revoked = models.BooleanField(_("已撤销"), default=False)
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    # DOMAIN.md §1.4: a revocation "stops the benefits": from this day the award gives no 待遇.
    benefits_stopped_on = models.DateField(_("停止享受待遇日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("奖励")
        verbose_name_plural = _("奖励")
        ordering = ["-awarded_on"]
        constraints = [
            # One deed, one reward per cadre and approving level (DOMAIN.md §1.4): a higher level may
            # raise an award for the same deed, never the same level twice. Held by the database.
            models.UniqueConstraint(
                fields=["cadre", "deed_reference", "approving_level"],
                condition=models.Q(revoked=False) & ~models.Q(deed_reference=""),
                name="one_award_per_cadre_deed_and_level",
            ),
            models.UniqueConstraint(
                fields=["collective", "deed_reference", "approving_level"],
                condition=models.Q(revoked=False) & ~models.Q(deed_reference=""),
                name="one_award_per_collective_deed_and_level",
            ),
            models.CheckConstraint(
                condition=models.Q(cadre__isnull=False, collective__isnull=True) | models.Q(cadre__isnull=True, collective__isnull=False),
                name="award_to_a_cadre_or_a_collective",
            ),
        ]
        indexes = [
            # The statistics count a scope's awards by unit, year and kind from this index alone
            # (stats.queries._award_counts: an index-only scan, 69 → 17 ms for a city at 1,000,000 cases).
            models.Index(
                fields=["nominating_unit", "awarded_on"], include=["kind"], condition=models.Q(revoked=False), name="award_stats_idx"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.awarded_on}"

    def delete(self, *args, **kwargs):
        # Append-only (issue 13): an issued number stays backed by its award; a revocation is
        # recorded on the row (awards.issuing.revoke_award), a correction is a new record.
        raise PermissionError("awards are append-only: revoke instead of deleting")

    @property
    def recipient(self):
        """Whom the award was given to: the cadre or the collective."""
        return self.cadre if self.cadre_id else self.collective

    @property
    def caption(self):
        """How pages name an award: “记三等功 鲁组〔2026〕3号 2026年3月1日”."""
        from django.utils.formats import date_format

        return " ".join(p for p in (self.get_kind_display(), self.decision_number, date_format(self.awarded_on, "DATE_FORMAT")) if p)


class Promotion(models.Model):
    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="promotions")
    promoted_on = models.DateField(_("任职日期"))
    from_level = models.CharField(_("原职级"), max_length=30, choices=RankLevel.choices)
    to_level = models.CharField(_("新职级"), max_length=30, choices=RankLevel.choices)
    post = models.CharField(_("职务"), max_length=100)
    exceptional = models.BooleanField(_("破格提拔"), default=False)
    probation_end = models.DateField(_("试用期满"), null=True, blank=True)
    previous_post = models.CharField(_("原职务"), max_length=100, blank=True)
    probation_result = models.CharField(
        _("试用期满考核"),
        max_length=20,
        blank=True,
        choices=[("confirmed", _("胜任，正式任职")), ("reverted", _("不胜任，免去试任职务，恢复原职级"))],
    )
    decision_number = models.CharField(_("任职文号"), max_length=50, blank=True)
    # Which ordinary qualifications an exceptional promotion broke (DOMAIN.md §4.2): the next one
    # may not break tenure years again (不得在任职年限上连续破格).
    broken_items = models.JSONField(_("突破的任职资格条件"), default=list, blank=True)

    class Meta:
        verbose_name = _("职务晋升")
        verbose_name_plural = _("职务晋升")
        ordering = ["-promoted_on"]

    def __str__(self):
        return f"{self.promoted_on} {self.post}"


class Secondment(models.Model):
    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="secondments")
    host_unit = models.ForeignKey(Unit, verbose_name=_("挂职单位"), on_delete=models.PROTECT, related_name="+")
    position = models.CharField(_("挂职岗位"), max_length=100)
    start = models.DateField(_("开始日期"))
    planned_end = models.DateField(_("计划结束日期"))
    ended_on = models.DateField(_("实际结束日期"), null=True, blank=True)
    assessment_grade = models.CharField(_("期满考核"), max_length=20, choices=AssessmentGrade.choices, blank=True)

    class Meta:
        verbose_name = _("挂职锻炼")
        verbose_name_plural = _("挂职锻炼")
        ordering = ["-start"]

    def __str__(self):
        return f"{self.host_unit} {self.position}"


class PostHistory(models.Model):
    """任职经历: one post held in one unit from a date (to a date; open = the current post).

    DOMAIN.md §10 "Township service": the years in township units (seed 000 #20) are summed from
    these rows; the current post is the row without an end date.
    """

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="post_history")
    # Not ``unit``: the import's scope check reads ``unit_id`` as the cadre's own unit, and a
    # past post may well be in a unit the importing person does not hold a role on.
    post_unit = models.ForeignKey(Unit, verbose_name=_("任职单位"), on_delete=models.PROTECT, related_name="+")
    post = models.CharField(_("职务（岗位）"), max_length=100)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"), null=True, blank=True, help_text=_("现任岗位留空"))

    class Meta:
        verbose_name = _("任职经历")
        verbose_name_plural = _("任职经历")
        ordering = ["cadre", "-start"]
        indexes = [models.Index(fields=["cadre", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")), name="post_history_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.start} {self.post_unit} {self.post}"

    def clean(self):
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("截止日期不能早于起始日期")})


class HealthCheckResult(models.TextChoices):
    NORMAL = "normal", _("未见异常")
    FOLLOW_UP = "follow_up", _("需复查或随访")
    ABNORMAL = "abnormal", _("异常")


class HealthCheckStandard(models.TextChoices):
    """DOMAIN.md §10 "Health checks": every cadre yearly; front-line, hardship and high-risk posts
    with a higher standard (seed 004 art. 11; seed 000 #19)."""

    ORDINARY = "ordinary", _("常规体检")
    HIGHER = "higher", _("提高标准体检")


class HealthCheck(models.Model):
    """An annual health check (DOMAIN.md §10 "Health checks"; seed 000 #19; seed 004 art. 11)."""

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="health_checks")
    date = models.DateField(_("体检日期"))
    standard = models.CharField(_("体检标准"), max_length=20, choices=HealthCheckStandard.choices, default=HealthCheckStandard.ORDINARY)
    result = models.CharField(_("体检结论"), max_length=20, choices=HealthCheckResult.choices, default=HealthCheckResult.NORMAL)
    institution = models.CharField(_("体检机构"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("健康体检")
        verbose_name_plural = _("健康体检")
        ordering = ["-date"]
        indexes = [models.Index(fields=["cadre", "date"])]
        constraints = [models.UniqueConstraint(fields=["cadre", "date"], name="one_health_check_per_cadre_and_day")]

    def __str__(self):
        return f"{self.date} {self.get_standard_display()}"


class Training(models.Model):
    """A training course attended (DOMAIN.md §10 "Training": city/county leadership members at least
    one professional-skills course a year, seed 000 #13)."""

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="trainings")
    course = models.CharField(_("培训班次（课程）"), max_length=150)
    organiser = models.CharField(_("主办单位"), max_length=100, blank=True)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0)])
    professional = models.BooleanField(_("专业能力专题培训"), default=False, help_text=_("强化专业能力的专题培训（《规则手册》第10节）"))

    class Meta:
        verbose_name = _("教育培训")
        verbose_name_plural = _("教育培训")
        ordering = ["-start"]
        indexes = [models.Index(fields=["cadre", "end"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="training_ends_after_start"),
            models.UniqueConstraint(fields=["cadre", "course", "start"], name="one_training_per_cadre_course_and_start"),
        ]

    def __str__(self):
        return f"{self.start} {self.course}"

    def clean(self):
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("结束日期不能早于开始日期")})
