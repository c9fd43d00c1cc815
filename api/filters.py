"""Query filters of the lists (the workbench's filters: search, process, unit, step, dates)."""

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from permissions.roles import Role
from records.models import Cadre, RankLevel
from workflows import clock
from workflows.models import HumanTask, InstanceStatus, ProcessInstance, case_search_q

from .formschema import INT64_MAX


class IdFilter(django_filters.NumberFilter):
    """An object id: an integer within 64 bits (django-filter's NumberFilter takes any decimal)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(*args, **kwargs)


class StableOrderingFilter(django_filters.OrderingFilter):
    """The chosen order, always ending in the primary key so that pages never overlap."""

    def __init__(self, *args, default=(), **kwargs):
        self.default = list(default)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        ordering = [self.get_ordering_value(param) for param in (value or []) if param]
        ordering = ordering or list(self.default)
        if not ordering:
            return qs
        last = ordering[-1]
        ordering.append("-id" if last.startswith("-") else "id")
        return qs.order_by(*[_nulls_last(qs.model, o) for o in ordering])


def _nulls_last(model, name):
    """Empty values last, for the columns that can be empty: on a NOT NULL column the plain order,
    which an index on it can serve (PostgreSQL does not read a NULLS LAST order from a plain index
    backwards: the newest cases first read the whole table at 1,000,000 cases)."""
    field = model._meta.get_field(name.lstrip("-"))
    if not field.null:
        return name
    return F(name[1:]).desc(nulls_last=True) if name.startswith("-") else F(name).asc(nulls_last=True)


class ProcessFilter(django_filters.FilterSet):
    process_type = django_filters.CharFilter(field_name="definition__process_id", max_length=100, label=_("流程标识"))
    status = django_filters.ChoiceFilter(choices=InstanceStatus.choices, label=_("状态"))
    unit = IdFilter(field_name="nominating_unit_id", label=_("发起单位编号"))
    cadre = IdFilter(field_name="subject_cadre_id", label=_("当事干部编号"))
    started_by_me = django_filters.BooleanFilter(method="filter_started_by_me", label=_("只看我发起的"))
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("干部姓名或业务编号"))
    date_from = django_filters.DateFilter(field_name="created_at__date", lookup_expr="gte", label=_("发起日期起"))
    date_to = django_filters.DateFilter(field_name="created_at__date", lookup_expr="lte", label=_("发起日期止"))
    ordering = StableOrderingFilter(fields=["created_at", "updated_at", "business_key"], default=["-created_at"], label=_("排序"))

    class Meta:
        model = ProcessInstance
        fields = []

    def filter_started_by_me(self, queryset, name, value):
        if value is None:
            return queryset
        mine = Q(started_by=self.request.user)
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_q(self, queryset, name, value):
        return queryset.filter(case_search_q(value))


class TaskFilter(django_filters.FilterSet):
    process_type = django_filters.CharFilter(field_name="instance__definition__process_id", max_length=100, label=_("流程标识"))
    step = django_filters.CharFilter(field_name="bpmn_id", max_length=100, label=_("环节标识"))
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("办理角色"))
    unit = IdFilter(field_name="unit_id", label=_("办理单位编号"))
    claimed = django_filters.ChoiceFilter(
        method="filter_claimed", label=_("认领状态"), choices=[("mine", _("我已认领")), ("unclaimed", _("未认领"))]
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已超期"))
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("干部姓名或业务编号"))
    date_from = django_filters.DateFilter(field_name="created_at__date", lookup_expr="gte", label=_("到达日期起"))
    date_to = django_filters.DateFilter(field_name="created_at__date", lookup_expr="lte", label=_("到达日期止"))
    ordering = StableOrderingFilter(fields=["created_at", "due_at"], default=["created_at"], label=_("排序"))

    class Meta:
        model = HumanTask
        fields = []

    def filter_claimed(self, queryset, name, value):
        if value == "mine":
            return queryset.filter(claimed_by=self.request.user)
        if value == "unclaimed":
            return queryset.filter(claimed_by__isnull=True)
        return queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(due_at__lt=clock.now())
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_q(self, queryset, name, value):
        return queryset.filter(case_search_q(value, prefix="instance__"))


class CadreFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=50, label=_("姓名、职务或身份证号"))
    unit = IdFilter(field_name="unit_id", label=_("单位编号"))
    rank_level = django_filters.ChoiceFilter(choices=RankLevel.choices, label=_("职级层次"))

    class Meta:
        model = Cadre
        fields = []

    def filter_q(self, queryset, name, value):
        text = (value or "").strip()
        if not text:
            return queryset
        return queryset.filter(Q(name__icontains=text) | Q(current_post__icontains=text) | Q(id_number=text))
