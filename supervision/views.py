"""预警提醒 (issue 16 item 1): the alerts of DOMAIN.md §10 for the units a person holds a role on,
counted per unit and kind, filtered by kind and unit, and exported to Excel."""

import io

import openpyxl
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from permissions import policy
from permissions.models import Unit
from records.models import Cadre
from workflows import clock

from . import alerts as alert_rules

PAGE_SIZE = 50


class AlertFilterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("预警类型"), required=False)
    unit = forms.ChoiceField(label=gettext_lazy("单位"), required=False)

    def __init__(self, data=None, *, units=()):
        super().__init__(data)
        self.fields["kind"].choices = [("", _("全部"))] + [(k.code, k.label) for k in alert_rules.KINDS]
        self.fields["unit"].choices = [("", _("全部"))] + [(str(u.pk), u.name) for u in units]


def today():
    """Today by the engine's clock (a demo's fast-forward moves the alerts with it)."""
    return timezone.localtime(clock.now()).date()


def scope(request):
    """(visible cadres, units they are in, filter form, chosen unit, chosen kind)."""
    user = request.user
    if not (user.is_superuser or user.grants.exists()):
        raise PermissionDenied(_("您没有任何单位的角色，不能查看预警提醒"))
    if user.is_superuser:
        cadres = Cadre.objects.all()
    else:
        # The visible units read once (the handled units join every case of the person's units:
        # ~90 ms at 1,000,000 cases), then the page's queries name them (bench/results/supervision.txt).
        cadres = Cadre.objects.filter(alert_rules.IdsIn(F("unit_id"), sorted(policy.visible_units(user))))
    units = Unit.objects.filter(pk__in=cadres.order_by().values("unit_id")).order_by("path")
    form = AlertFilterForm(request.GET or None, units=units)
    unit = kind = None
    if form.is_bound and form.is_valid():
        kind = form.cleaned_data["kind"] or None
        if form.cleaned_data["unit"]:
            unit = units.filter(pk=form.cleaned_data["unit"]).first()
            if unit is not None:
                cadres = cadres.filter(unit__path__startswith=unit.path)
    return cadres, units, form, unit, kind


@login_required
def alerts_page(request):
    cadres, _units, form, unit, kind = scope(request)
    day = today()
    rows = alert_rules.alerts(cadres, day)
    table, count_units = alert_rules.counts(rows)
    totals = {k.code: sum(1 for r in rows if r.kind.code == k.code) for k in alert_rules.KINDS}
    shown = [r for r in rows if kind is None or r.kind.code == kind]
    count_rows = [
        {
            "unit": u,
            "cells": [(k, table.get((u.pk, k.code), 0)) for k in alert_rules.KINDS],
            "total": sum(table.get((u.pk, k.code), 0) for k in alert_rules.KINDS),
        }
        for u in count_units
    ]
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/alerts.html",
        {
            "form": form,
            "today": day,
            "kinds": alert_rules.KINDS,
            "kind": alert_rules.KIND_BY_CODE.get(kind),
            "unit": unit,
            "count_rows": count_rows,
            "totals": [(k, totals[k.code]) for k in alert_rules.KINDS],
            "total": len(rows),
            "page": page,
            "shown": len(shown),
            "query": query.urlencode(),
        },
    )


EXPORT_HEADERS = (
    gettext_lazy("单位"),
    gettext_lazy("姓名"),
    gettext_lazy("现任职务"),
    gettext_lazy("预警类型"),
    gettext_lazy("情况"),
    gettext_lazy("到期日期"),
    gettext_lazy("应办事项"),
    gettext_lazy("依据"),
)


def export_rows(rows):
    """The rows of the export, as plain values (also what the tests compare with the page)."""
    return [
        [r.unit.name, r.cadre.name, r.cadre.current_post, str(r.kind.label), r.detail, r.due, str(r.kind.action), r.kind.source]
        for r in rows
    ]


@login_required
def alerts_export(request):
    cadres, _units, _form, _unit, kind = scope(request)
    day = today()
    rows = alert_rules.alerts(cadres, day, kinds=[kind] if kind else None)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("预警提醒")
    sheet.append([str(h) for h in EXPORT_HEADERS])
    for values in export_rows(rows):
        sheet.append(values)
    for index, width in enumerate((22, 10, 24, 28, 36, 12, 22, 36), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(row=1, column=index).font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2, min_col=6, max_col=6):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    counts_sheet = workbook.create_sheet(_("按单位统计"))
    table, units = alert_rules.counts(rows)
    kinds = [k for k in alert_rules.KINDS if kind is None or k.code == kind]
    counts_sheet.append([_("单位")] + [str(k.short) for k in kinds] + [_("合计")])
    for unit in units:
        cells = [table.get((unit.pk, k.code), 0) for k in kinds]
        counts_sheet.append([unit.name, *cells, sum(cells)])
    counts_sheet.column_dimensions["A"].width = 22
    footer = _("截至%(date)s") % {"date": day.isoformat()}
    sheet.append([])
    sheet.append([footer])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, _("预警提醒%(date)s.xlsx") % {"date": day.strftime("%Y%m%d")})
    return response
