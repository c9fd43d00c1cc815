"""职数 page (DOMAIN.md §10 "Post quotas"): for the units the user holds a role on, per unit and
level, the quota in force, the cadres holding it, the open proposals, vacancies and excess;
with an Excel export of the same lines."""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from permissions import policy
from permissions.models import Unit
from workflows import clock

from . import counting

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def units_of(user):
    """The units the user holds a role on (and those below a grant that covers subordinates)."""
    if user.is_superuser:
        return Unit.objects.all()
    q = policy.granted_units_q(user, "pk")
    if q is None:
        raise PermissionDenied(_("您没有任何单位的角色，不能查看领导职数"))
    return Unit.objects.filter(q)


def quota_lines(request):
    """The day and the quota lines of the units the user holds a role on (the page, its export and the API)."""
    today = clock.today()
    return today, counting.lines(units_of(request.user).order_by("path"), on=today)


@login_required
def dashboard(request):
    today, lines = quota_lines(request)
    totals = {
        "quota": sum(line.quota or 0 for line in lines),
        "filled": sum(line.filled for line in lines if line.quota is not None),
        "pending": sum(line.pending for line in lines if line.quota is not None),
        "vacancies": sum(line.vacancies or 0 for line in lines),
        "excess": sum(line.excess or 0 for line in lines),
        "available": sum(line.available or 0 for line in lines),
        "full": sum(1 for line in lines if line.full),
        "unset": sum(1 for line in lines if line.quota is None),
    }
    return render(request, "quotas/dashboard.html", {"lines": lines, "totals": totals, "today": today})


HEADERS = [
    ("unit", gettext_lazy("单位")),
    ("level", gettext_lazy("职级层次")),
    ("quota", gettext_lazy("核定职数")),
    ("filled", gettext_lazy("实有")),
    ("pending", gettext_lazy("在办提拔动议")),
    ("vacancies", gettext_lazy("空缺")),
    ("excess", gettext_lazy("超职数")),
    ("available", gettext_lazy("尚可动议")),
    ("basis", gettext_lazy("职数依据")),
    ("valid_from", gettext_lazy("生效日期")),
]


@login_required
def export(request):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    today, lines = quota_lines(request)
    book = Workbook()
    sheet = book.active
    sheet.title = _("领导职数")
    sheet.append([_("领导职数情况（%(date)s）") % {"date": today.isoformat()}])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([str(label) for _key, label in HEADERS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    unset = _("未核定")
    for line in lines:
        sheet.append(
            [
                line.unit.name,
                str(line.level_label),
                line.quota if line.quota is not None else unset,
                line.filled,
                line.pending,
                line.vacancies if line.quota is not None else "",
                line.excess if line.quota is not None else "",
                line.available if line.quota is not None else "",
                line.row.basis if line.row else "",
                line.row.valid_from if line.row else None,
            ]
        )
    for column, width in zip("ABCDEFGHIJ", (30, 12, 10, 8, 12, 8, 8, 10, 30, 12)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, _("领导职数_%(date)s.xlsx") % {"date": today.isoformat()})
    return response
