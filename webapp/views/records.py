"""干部档案: cadre list and detail for the units one holds a role on; Excel import for the
people who keep the records (nominator / reviewer / admin roles), limited to their units."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from permissions.models import Unit
from records import importing
from records.models import Cadre

from .. import queries
from ..forms import CadreFilterForm, ImportForm

PAGE_SIZE = 30


@login_required
def cadre_list(request):
    user = request.user
    if not (user.is_superuser or user.grants.exists()):
        raise PermissionDenied(_("您没有任何单位的角色，不能查看干部档案"))
    units = Unit.objects.filter(grants__user=user).distinct().order_by("path")
    form = CadreFilterForm(request.GET or None, units=units)
    qs = queries.visible_cadres(user).select_related("unit")
    if form.is_bound and form.is_valid():
        text = form.cleaned_data["q"].strip()
        if text:
            qs = qs.filter(Q(name__icontains=text) | Q(current_post__icontains=text) | Q(id_number__startswith=text))
        if form.cleaned_data["unit"]:
            unit = Unit.objects.filter(pk=form.cleaned_data["unit"]).first()
            if unit is not None:
                qs = qs.filter(unit__path__startswith=unit.path)
    page = Paginator(qs.order_by("unit__path", "name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "webapp/records.html",
        {
            "form": form,
            "page": page,
            "can_import": can_import(user),
        },
    )


@login_required
def cadre_detail(request, cadre_id):
    user = request.user
    cadre = queries.cadre_or_404(user, cadre_id)
    cases = (
        queries.visible_cases(user)
        .filter(subject_cadre=cadre)
        .select_related("definition")
        .prefetch_related("tasks__unit")
        .order_by("-created_at")
    )
    rows = [{"case": c, "where": queries.case_where(c, list(c.tasks.all()))} for c in cases]
    return render(
        request,
        "webapp/cadre.html",
        {
            "summary": queries.cadre_summary(cadre),
            "cadre": cadre,
            "cases": rows,
            "assessments": cadre.assessments.order_by("-year"),
            "promotions": cadre.promotions.all(),
            "secondments": cadre.secondments.select_related("host_unit"),
            "family": cadre.family.all(),
        },
    )


# --------------------------------------------------------------------------- import


def import_units(user):
    """Units whose cadre records the user may import (their nominator/reviewer/admin units)."""
    if user.is_superuser:
        return Unit.objects.all()
    return queries.units_with_any_role(user, queries.RECORDS_IMPORT_ROLES)


def can_import(user):
    return user.is_superuser or queries.has_any_role(user, queries.RECORDS_IMPORT_ROLES)


def _outside(user, report):
    """Cadres an import would create or change outside the user's units (checked in the same transaction)."""
    if user.is_superuser:
        return []
    allowed = set(import_units(user).values_list("pk", flat=True))
    touched = [obj for obj in [*report.created_objects, *report.updated_objects] if hasattr(obj, "unit_id")]
    touched += [
        obj.cadre
        for obj in [*report.created_objects, *report.updated_objects]
        if not hasattr(obj, "unit_id") and getattr(obj, "cadre_id", None)
    ]
    return sorted({c.name for c in touched if c.unit_id not in allowed})


def _previous_units(report_kind, source):
    """Units the cadres named in the file (by 身份证号) belong to now, before the import changes them."""
    report = importing.IMPORTERS[report_kind](source, dry_run=True)
    source.seek(0)
    ids = [row.id_number for row in report.updated_rows]
    return report, set(Cadre.objects.filter(id_number__in=ids).values_list("unit_id", flat=True))


@login_required
def import_page(request):
    user = request.user
    if not can_import(user):
        raise PermissionDenied(_("只有推荐单位经办人、组织人事部门审核人或系统管理员可以导入干部档案"))
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    refused = []
    if request.method == "POST" and form.is_valid():
        kind, upload, dry_run = form.cleaned_data["kind"], form.cleaned_data["file"], form.cleaned_data["dry_run"]
        importer = importing.IMPORTERS[kind]
        allowed = None if user.is_superuser else set(import_units(user).values_list("pk", flat=True))
        # An update may move a cadre out of another unit: the cadre's unit before the import counts too.
        preview, before = _previous_units(kind, upload)
        if allowed is not None and before - allowed:
            refused = sorted(
                Cadre.objects.filter(id_number__in=[r.id_number for r in preview.updated_rows])
                .exclude(unit_id__in=allowed)
                .values_list("name", flat=True)
            )
        if not refused and not preview.ok:
            report = preview  # the errors are the same: do not read the file a second time
        elif not refused:
            with transaction.atomic():
                report = importer(upload, dry_run=dry_run)
                refused = _outside(user, report) if report.ok else []
                if refused:
                    transaction.set_rollback(True)
        if refused:
            report = None
            form.add_error(None, _("文件中有不属于您所管单位的干部，未导入任何数据：%(names)s") % {"names": "、".join(refused[:20])})
        elif report.ok and not report.dry_run:
            messages.success(request, report.summary())
    return render(request, "webapp/import.html", {"form": form, "report": report, "units": import_units(user).order_by("path")[:50]})


@login_required
def import_template(request):
    if not can_import(request.user):
        raise PermissionDenied
    kind = request.GET.get("kind") if request.GET.get("kind") in importing.KIND_LABELS else importing.CADRES
    response = HttpResponse(
        importing.build_template(kind), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = _("干部信息导入模板.xlsx") if kind == importing.CADRES else _("%(kind)s导入模板.xlsx") % {"kind": importing.KIND_LABELS[kind]}
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
