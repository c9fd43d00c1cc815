"""统计分析 (issue 16 item 7): the statistics page and its Excel export, for the units a person
holds a role on (``stats.queries``)."""

import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from permissions.models import UnitKind, UnitLevel

from . import queries

YEARS_OFFERED = 10


class StatsFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int, required=False)
    unit = forms.TypedChoiceField(label=gettext_lazy("单位"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, units=(), this_year=None, everything=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, _("%(year)s年") % {"year": y}) for y in range(this_year, this_year - YEARS_OFFERED, -1)]
        base = min((u.path.count("/") for u in units), default=0)
        self.fields["unit"].choices = [("", _("全部单位") if everything else _("本人所任角色的全部单位"))] + [
            (u.pk, "\u3000" * (u.path.count("/") - base) + u.name) for u in units
        ]


def filters(request):
    """(form, year, unit, focus, groups): the page's filters, read and checked."""
    user = request.user
    try:
        choices = queries.unit_choices(user)
        queries._scope_q(user, "pk")
    except queries.NoScope:
        raise PermissionDenied(_("您没有任何单位的角色，不能查看统计")) from None
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or this_year)
    except ValueError:
        year = this_year
    year = min(max(year, this_year - YEARS_OFFERED + 1), this_year)
    unit = None
    if request.GET.get("unit"):
        unit = queries.unit_in_scope(user, request.GET["unit"])
    if unit is not None and all(u.pk != unit.pk for u in choices):
        choices = sorted([*choices, unit], key=lambda u: u.path)  # reached by following a table's unit
    form = StatsFilterForm(
        {"year": year, "unit": unit.pk if unit else ""}, units=choices, this_year=this_year, everything=user.is_superuser
    )
    focus, groups = queries.groups_for(user, unit, choices)
    return form, year, unit, focus, groups


@login_required
@require_GET
def stats_page(request):
    form, year, unit, focus, groups = filters(request)
    sections = queries.statistics(request.user, unit, year, groups)
    charts = [table.chart() for section in sections for table in section.tables]
    query = request.GET.copy()
    query["year"], query["unit"] = year, unit.pk if unit else ""
    # Seed 004 art. 8(四): the county teams' township-principal share, for a city's or county's committee.
    area = focus if focus is not None else unit
    share_area = area if area is not None and area.kind == UnitKind.PARTY_COMMITTEE and area.level != UnitLevel.TOWNSHIP else None
    return render(
        request,
        "stats/stats.html",
        {
            "form": form,
            "year": year,
            "unit": unit,
            "focus": focus,
            "sections": sections,
            "charts": charts,
            "export_query": query.urlencode(),
            "share_area": share_area,
        },
    )


@login_required
@require_GET
def stats_export(request):
    """The page's tables as an Excel workbook, one sheet per table, with the same filters."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    _form, year, unit, focus, groups = filters(request)
    sections = queries.statistics(request.user, unit, year, groups)
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    scope = unit.name if unit else _("全部单位") if request.user.is_superuser else _("本人所任角色的全部单位")
    for number, table in enumerate((t for s in sections for t in s.tables), start=1):
        sheet = book.create_sheet(_sheet_title(number, table.title))
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=13)
        at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        sheet.append([_("范围：%(scope)s；年度：%(year)s；导出时间：%(at)s") % {"scope": scope, "year": year, "at": at}])
        sheet.append([])
        sheet.append([table.head, *table.columns])
        for cell in sheet[4]:
            cell.font = bold
        for row in table.rows:
            sheet.append([row.label, *row.values])
        if table.total is not None:
            sheet.append([_("合计"), *table.total])
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        if not table.rows:
            sheet.append([_("无数据")])
        if table.note:
            sheet.append([])
            sheet.append([table.note])
        sheet.column_dimensions["A"].width = 34
        for index in range(2, len(table.columns) + 2):
            sheet.column_dimensions[get_column_letter(index)].width = 14
        for index in table.percent_columns:
            for cells in sheet.iter_rows(min_row=5, min_col=index + 2, max_col=index + 2):
                for cell in cells:
                    if isinstance(cell.value, (int, float)):
                        cell.number_format = '0.0"%"'
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="stats-{year}.xlsx"'
    return response


def _sheet_title(number, title):
    """A sheet name Excel accepts: ≤ 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title))
    return f"{number} {cleaned}"[:31]
