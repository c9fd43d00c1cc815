"""常用意见: the user's personal common opinions, and those of the units they maintain."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workspace import services as opinions
from workspace.models import OPINION_MAX_LENGTH, CommonOpinion, managed_units


@login_required
def opinions_page(request):
    user = request.user
    units = list(managed_units(user))
    errors = {}
    if request.method == "POST":
        if request.POST.get("delete"):
            pk = request.POST["delete"]
            if pk.isdigit() and opinions.delete(user, int(pk)):
                messages.success(request, _("已删除常用意见。"))
            else:
                messages.warning(request, _("该常用意见不存在或您无权删除。"))
            return redirect("opinions")
        unit_id = request.POST.get("unit") or ""
        unit = next((u for u in units if str(u.pk) == unit_id), None)
        if unit_id and unit is None:
            raise PermissionDenied(_("只有该单位的审核、审批人员可以维护单位常用意见"))
        try:
            opinions.add(user, request.POST.get("text", ""), unit=unit)
        except ValidationError as exc:
            errors[unit.pk if unit else None] = "；".join(exc.messages)
        else:
            messages.success(request, _("已添加常用意见。"))
            return redirect("opinions")
    scopes = [
        {"title": _("我的常用意见"), "unit_id": None, "opinions": list(CommonOpinion.objects.personal(user)), "error": errors.get(None)}
    ]
    for unit in units:
        scopes.append(
            {
                "title": _("%(unit)s的常用意见") % {"unit": unit.name},
                "unit_id": unit.pk,
                "opinions": list(CommonOpinion.objects.filter(unit=unit)),
                "error": errors.get(unit.pk),
            }
        )
    shared = [o for o in CommonOpinion.objects.for_user(user) if o.unit_id and o.unit not in units]
    return render(request, "webapp/opinions.html", {"scopes": scopes, "shared": shared, "max_length": OPINION_MAX_LENGTH})
