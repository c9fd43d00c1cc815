"""Documents of an exceptional promotion (DOMAIN.md §4.3, §8): 请示, 任职通知, 干部任免审批表."""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents import contexts
from documents.rendering import issue_document
from records.models import Promotion
from workflows import clock
from workflows.models import HistoryAction
from workflows.notify import notify

from .contexts import appointment_form_context

GROUNDS = {
    "outstanding_a": gettext_lazy("特别优秀：在关键时刻或者承担急难险重任务中经受住考验、表现突出、作出重大贡献"),
    "outstanding_b": gettext_lazy("特别优秀：在条件艰苦、环境复杂、基础差的地区或者单位工作实绩突出"),
    "outstanding_c": gettext_lazy("特别优秀：在其他岗位上尽职尽责，工作实绩特别显著"),
    "special_a": gettext_lazy("工作特殊需要：领导班子结构需要或者领导职位有特殊要求"),
    "special_b": gettext_lazy("工作特殊需要：专业性较强的岗位或者重要专项工作急需"),
    "special_c": gettext_lazy("工作特殊需要：艰苦边远地区、贫困地区急需引进"),
}


def ground_label(code):
    return str(GROUNDS.get(code, code))


def _proposal_text(proposal):
    return {
        "name": proposal.cadre.name,
        "post": proposal.target_post,
        "level": proposal.get_target_level_display(),
        "ground": ground_label(proposal.ground),
        "facts": proposal.facts,
        "broken": proposal.broken_qualifications,
    }


def request_consent(proposal):
    """请示 to the higher-level organisation department (DOMAIN.md §4.3 step 2)."""
    instance, issuer, cadre = proposal.instance, proposal.review_unit, proposal.cadre
    p = _proposal_text(proposal)
    body = _(
        "%(name)s同志，现任%(current)s。经%(unit)s动议，拟破格提拔其任%(post)s（%(level)s）。\n"
        "一、破格提拔理由\n%(ground)s。%(facts)s\n"
        "二、突破的任职资格条件\n%(broken)s\n"
        "根据《党政领导干部选拔任用工作条例》有关规定，现就破格提拔事宜征求你部意见。\n妥否，请批示。"
    ) % {**p, "current": cadre.current_post, "unit": instance.nominating_unit.name, "broken": p["broken"] or _("无")}
    document = issue_document(
        "request_for_consent",
        issuer=issuer,
        template="documents/official_document.html",
        instance=instance,
        title=_("关于破格提拔%(name)s同志的请示") % p,
        context=contexts.official_document_context(
            title=_("关于破格提拔%(name)s同志的请示") % p,
            blocks=body,
            date=clock.today(),
            recipients=proposal.consent_unit.name,
            **contexts.issuer_fields(issuer),
        ),
    )
    return {"requested_on": clock.today().isoformat(), "document_id": document.pk, "number": document.number}


def remind_consent(proposal):
    from permissions.policy import holders_of

    instance = proposal.instance
    people = holders_of("reviewer", proposal.consent_unit)
    notify(
        people,
        _("%(key)s：关于破格提拔%(name)s同志的请示已到答复期限，请尽快答复（逾期不视为同意）")
        % {"key": instance.business_key, "name": instance.subject_cadre.name},
        instance,
    )
    return {"reminded": len(people), "on": clock.today().isoformat()}


def _opinion(instance, step):
    event = instance.history.filter(action=HistoryAction.COMPLETE, task_bpmn_id=step).order_by("-at", "-id").first()
    return event.opinion if event else ""


def appoint(proposal):
    """任职 (DOMAIN.md §4.3 step 7): record the promotion with a 1-year probation, issue the notice and form."""
    instance, cadre = proposal.instance, proposal.cadre
    today = clock.today()
    issuer, committee = proposal.review_unit, proposal.deciding_unit
    p = _proposal_text(proposal)
    probation_end = _one_year_after(today) - datetime.timedelta(days=1)
    body = _(
        "经%(committee)s研究决定：\n%(name)s同志任%(post)s（%(level)s），试用期一年（%(start)s至%(end)s）。\n"
        "%(name)s同志系破格提拔：%(ground)s。"
    ) % {
        **p,
        "committee": committee.name,
        "start": f"{today.year}年{today.month}月{today.day}日",
        "end": f"{probation_end.year}年{probation_end.month}月{probation_end.day}日",
    }
    notice = issue_document(
        "appointment_notice",
        issuer=issuer,
        template="documents/official_document.html",
        instance=instance,
        title=_("关于%(name)s同志任职的通知") % p,
        context=contexts.official_document_context(
            title=_("关于%(name)s同志任职的通知") % p,
            blocks=body,
            date=today,
            recipients=instance.nominating_unit.name,
            **contexts.issuer_fields(issuer),
        ),
    )
    form = issue_document(
        "appointment_form",
        issuer=issuer,
        template="documents/cadre_appointment_form.html",
        instance=instance,
        numbered=False,
        title=_("干部任免审批表（%(name)s）") % p,
        context=appointment_form_context(
            cadre,
            as_of=today,
            proposed_post=p["post"],
            proposed_removal=cadre.current_post,
            reason=f"{p['ground']}。{p['facts']}",
            reporting_unit=instance.nominating_unit.name,
            approval_opinion=_opinion(instance, "Task_meeting") or _("同意"),
            approval_date=today,
            filled_by=instance.started_by.get_full_name(),
        ),
    )
    promotion = Promotion.objects.create(
        cadre=cadre,
        promoted_on=today,
        from_level=cadre.rank_level,
        to_level=proposal.target_level,
        post=p["post"],
        exceptional=True,
        probation_end=probation_end,
        previous_post=cadre.current_post,
        decision_number=notice.number or "",
        broken_items=list(proposal.broken_items or []),
    )
    proposal.promotion = promotion
    proposal.save(update_fields=["promotion"])
    cadre.current_post, cadre.rank_level = p["post"], proposal.target_level
    cadre.current_rank_since, cadre.probation_end = today, probation_end
    cadre.save(update_fields=["current_post", "rank_level", "current_rank_since", "probation_end"])
    notify(
        [instance.started_by],
        _("%(key)s：%(name)s同志已任%(post)s（%(number)s），试用期一年")
        % {"key": instance.business_key, "name": cadre.name, "post": p["post"], "number": notice.number},
        instance,
    )
    due = datetime.datetime.combine(probation_end + datetime.timedelta(days=1), datetime.time(), tzinfo=_shanghai())
    return {
        "promotion_id": promotion.pk,
        "number": notice.number,
        "probation_end": probation_end.isoformat(),
        "probation_due": due.isoformat(),
        "document_ids": [notice.pk, form.pk],
    }


def close_probation(proposal, competent):
    """At the end of the probation: confirmed, or the post removed and the previous level restored."""
    promotion = Promotion.objects.select_for_update().get(pk=proposal.promotion_id)
    cadre = promotion.cadre
    if competent:
        promotion.probation_result = "confirmed"
        cadre.probation_end = None
        cadre.save(update_fields=["probation_end"])
    else:
        promotion.probation_result = "reverted"
        cadre.current_post, cadre.rank_level = promotion.previous_post, promotion.from_level
        cadre.probation_end = None
        cadre.save(update_fields=["current_post", "rank_level", "probation_end"])
    promotion.save(update_fields=["probation_result"])
    return {"promotion_id": promotion.pk, "result": promotion.probation_result}


def _one_year_after(day):
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _shanghai():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")
