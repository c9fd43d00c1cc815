"""发起: choose a process, the unit and the cadre, fill the first step; 暂存 or submit."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from awards import candidates as award_candidates
from permissions import policy
from permissions.roles import Role
from records.models import Cadre
from workflows import process_types, services
from workflows.errors import ActionNotAllowed, FormInvalid, InvalidAction, TaskConflict
from workflows.models import ProcessDefinition, ProcessInstance

from .. import queries
from ..forms import CandidatesForm, StartChoiceForm
from .common import action_buttons, build_task_form, hidden_fields, submitted_fields, visible_fields

DRAFT = "__draft__"
SESSION_TOKENS = "meritflow_start_tokens"  # one-time token of a start form → the case it started
KEEP_TOKENS = 20
CADRE_RESULTS = 30


def _remember(request, token, case):
    if not token:
        return
    tokens = dict(list(request.session.get(SESSION_TOKENS, {}).items())[-(KEEP_TOKENS - 1) :])
    tokens[token] = case.pk
    request.session[SESSION_TOKENS] = tokens


@login_required
def start_index(request):
    definitions = queries.startable_definitions(request.user)
    for definition in definitions:
        process_type = process_types.get(definition.process_id)
        definition.start_links = process_type.start_links if process_type else ()
    return render(request, "webapp/start_index.html", {"definitions": definitions})


def _definition_or_404(user, process_id):
    definition = ProcessDefinition.latest(process_id)
    if definition is None:
        raise Http404(_("该流程尚未部署"))
    units = queries.start_units(user, definition)
    if not units.exists():
        raise PermissionDenied(_("您不具有发起此流程的角色（%(role)s）") % {"role": Role(definition.start_role).label})
    return definition, units


def _cadres(user, unit, text):
    """Cadres of the chosen unit and below, except the user and their listed relatives (recusal, DOMAIN.md §9)."""
    qs = Cadre.objects.filter(unit__path__startswith=unit.path).exclude(pk__in=policy.related_cadre_ids(user)).select_related("unit")
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(current_post__icontains=text) | Q(id_number__startswith=text))
    return qs.order_by("unit__path", "name")


def _default_unit(units, start_form):
    """The first unit, unless the start event's form prefers one of them (``preferred_unit``, e.g.
    a round's plan: the organisation department, the only unit that may open it)."""
    preferred = getattr(start_form[1], "preferred_unit", None) if start_form else None
    return (preferred(units) if preferred else None) or units.first()


@login_required
def start_process_page(request, process_id):
    user = request.user
    definition, units = _definition_or_404(user, process_id)
    source = request.POST if request.method == "POST" else request.GET
    start_form = queries.start_form_class(definition)
    choice = StartChoiceForm(source if "unit" in source else None, units=units)
    unit = choice.cleaned_data["unit"] if choice.is_bound and choice.is_valid() else _default_unit(units, start_form)
    choice.initial.setdefault("unit", unit.pk if unit else None)
    cadre = None
    if source.get("cadre"):
        cadre = _cadres(user, unit, "").filter(pk=source.get("cadre")).first()
        if cadre is None:
            raise Http404(_("没有找到该干部，或该干部不属于所选单位"))
    if start_form is not None:
        return _start_from_plan(request, definition, choice, unit, *start_form)
    first_step = queries.first_user_task(definition)
    process_type = process_types.get(process_id)
    without_label = process_type.start_without_cadre if process_type else ""
    # A case whose first form names its own subject (a collective, DOMAIN.md §1.1), where allowed.
    without_cadre = bool(without_label) and cadre is None and source.get("without_cadre") == "1"
    context = {
        "definition": definition,
        "choice": choice,
        "unit": unit,
        "cadre": cadre,
        "first_step": first_step,
        "without_label": without_label,
        "without_cadre": without_cadre,
    }
    if cadre is None and not without_cadre:
        results = _cadres(user, unit, source.get("q"))
        context.update(results=list(results[:CADRE_RESULTS]), more=results.count() > CADRE_RESULTS)
        return render(request, "webapp/start.html", context)

    draft_case = ProcessInstance(definition=definition, nominating_unit=unit, subject_cadre=cadre, started_by=user)
    errors = None
    form_data = None
    if request.method == "POST":
        token = request.POST.get("once", "")
        already = request.session.get(SESSION_TOKENS, {}).get(token)
        if already:
            # The same start form sent twice (a double click, a reload): one case, and say so.
            messages.warning(request, _("此表单已经提交过，案件已发起，请勿重复提交。"))
            return redirect("case", already)
        action = request.POST.get("action") or None
        probe = build_task_form(process_id, first_step, instance=draft_case, user=user, action=None)
        form_data = submitted_fields(probe, request.POST)
        opinion = request.POST.get("opinion", "")
        try:
            if action == DRAFT:
                case = services.start_process(
                    user,
                    process_id,
                    unit=unit,
                    subject_cadre=cadre,
                    data={k: v for k, v in form_data.items() if v not in ("", None, [], "null")},
                )
                task = case.tasks.order_by("id").first()
                _remember(request, token, case)
                messages.success(request, _("已暂存为 %(key)s，可在“待办”中继续填写后提交。") % {"key": case.business_key})
                return redirect("task", case.pk, task.pk) if task else redirect("case", case.pk)
            case = services.start_and_submit(
                user, process_id, unit=unit, subject_cadre=cadre, data=form_data, opinion=opinion, action=action
            )
        except FormInvalid as exc:
            errors = exc.errors
        except ActionNotAllowed as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except (InvalidAction, TaskConflict) as exc:
            errors = {"__all__": [str(exc.message)]}
        else:
            _remember(request, token, case)
            case.refresh_from_db()
            messages.success(
                request,
                _("已发起 %(key)s（%(name)s），当前：%(where)s")
                % {"key": case.business_key, "name": cadre.name if cadre else case.subject_label, "where": queries.case_where(case)},
            )
            return redirect("case", case.pk)
        form_data = {**form_data, "opinion": opinion}
    form = build_task_form(process_id, first_step, data=form_data, instance=draft_case, user=user, errors=errors)
    # The start page offers the step's primary action; returning or cancelling make no sense yet.
    buttons = [b for b in action_buttons(form) if b["primary"]]
    context.update(
        form=form,
        fields=visible_fields(form),
        hidden=hidden_fields(form),
        buttons=buttons,
        draft=DRAFT,
        summary=queries.cadre_summary(cadre) if cadre else None,
        once=request.POST.get("once") or uuid.uuid4().hex,
    )
    return render(request, "webapp/start.html", context)


def _start_from_plan(request, definition, choice, unit, start_id, form_class):
    """A process whose start event has a form (e.g. a secondment round's plan): no subject cadre;
    the validated form is the case's start data."""
    user = request.user
    process_id = definition.process_id
    draft_case = ProcessInstance(definition=definition, nominating_unit=unit, started_by=user)
    posting = request.method == "POST" and "once" in request.POST
    form = build_task_form(process_id, start_id, data=request.POST if posting else None, instance=draft_case, user=user)
    if posting:
        token = request.POST.get("once", "")
        already = request.session.get(SESSION_TOKENS, {}).get(token)
        if already:
            messages.warning(request, _("此表单已经提交过，案件已发起，请勿重复提交。"))
            return redirect("case", already)
        if form.is_valid():
            data = form.start_data() if hasattr(form, "start_data") else form.task_payload()
            try:
                case = services.start_process(user, process_id, unit=unit, data=data)
            except ActionNotAllowed as exc:
                raise PermissionDenied(str(exc.message)) from exc
            except (InvalidAction, TaskConflict) as exc:
                form.add_error(None, str(exc.message))
            else:
                _remember(request, token, case)
                case.refresh_from_db()
                messages.success(
                    request, _("已发起 %(key)s，当前：%(where)s") % {"key": case.business_key, "where": queries.case_where(case)}
                )
                return redirect("case", case.pk)
    buttons = [b for b in action_buttons(form) if b["primary"]]
    return render(
        request,
        "webapp/start.html",
        {
            "definition": definition,
            "choice": choice,
            "unit": unit,
            "cadre": None,
            "plan": True,
            "form": form,
            "fields": visible_fields(form),
            "hidden": hidden_fields(form),
            "buttons": buttons,
            "once": request.POST.get("once") or uuid.uuid4().hex,
        },
    )


@login_required
def candidates_page(request):
    """Annual-assessment award candidates (DOMAIN.md §1.5): list them, start nominations in one batch."""
    user = request.user
    definition, units = _definition_or_404(user, award_candidates.PROCESS)
    source = request.POST if request.method == "POST" else request.GET
    form = CandidatesForm(source if "unit" in source else None, units=units)
    found = None
    if form.is_bound and form.is_valid():
        unit, year = form.cleaned_data["unit"], form.cleaned_data["year"]
        found = award_candidates.annual_candidates(unit, year)
        if request.method == "POST":
            chosen = [int(pk) for pk in request.POST.getlist("cadre") if pk.isdigit()]
            if not chosen:
                messages.error(request, _("请至少选择一名候选人"))
            else:
                try:
                    started = award_candidates.start_batch(user, unit, year, chosen)
                except ActionNotAllowed as exc:
                    raise PermissionDenied(str(exc.message)) from exc
                except InvalidAction as exc:
                    messages.error(request, str(exc.message))
                else:
                    messages.success(request, _("已为%(n)s人发起推荐（已预填），请在“待办”中逐一核对后提交。") % {"n": len(started)})
                    return redirect("home")
    return render(request, "webapp/candidates.html", {"definition": definition, "form": form, "found": found})
