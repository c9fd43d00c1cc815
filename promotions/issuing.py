"""Documents of an exceptional promotion (DOMAIN.md §4.3, §8): 请示, 任职通知, 干部任免审批表."""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents import contexts
from documents.rendering import issue_document
from documents.templatetags.official import cn_date_range, join_sentences, sentence
from records.models import Promotion
from workflows import clock
from workflows.models import HistoryAction
from workflows.notify import notify
from workflows.signals import POST_CHANGE, cadre_event

from . import grounds
from .contexts import appointment_form_context

# The default grounds' codes and labels (the rows themselves live in PromotionGround, promotions.grounds).
GROUNDS = {code: gettext_lazy(label) for code, label, *_rest in grounds.DEFAULT_GROUNDS}


def ground_label(code):
    return grounds.ground_label(code)


def _proposal_text(proposal):
    return {
        "name": proposal.cadre.name,
        "post": proposal.target_post,
        "level": proposal.get_target_level_display(),
        "ground": ground_label(proposal.ground),
        "ground_text": grounds.ground_text(proposal.ground),
        "facts": proposal.facts,
        "broken": proposal.broken_with_reasons,
        "keeps": _("，继续兼任%(current)s") % {"current": proposal.cadre.current_post} if proposal.keeps_post else "",
        "mover": proposal.proposed_by_unit.name if proposal.proposed_by_unit_id else proposal.instance.nominating_unit.name,
    }


def exceptional_circumstances(proposal):
    """The specific exceptional circumstances and reasons (DOMAIN.md §4.3 step 6): the ground as
    stated, the facts, and each broken qualification with its own reason."""
    p = _proposal_text(proposal)
    return join_sentences(
        _("破格情形：%(ground_text)s") % p,
        _("主要事实：%(facts)s") % p,
        _("突破任职资格条件及理由：%(broken)s") % p if p["broken"] else "",
        _("提拔后继续兼任原任职务") if proposal.keeps_post else "",
    )


def request_consent(proposal):
    """请示 to the higher-level organisation department (DOMAIN.md §4.3 step 2).

    An upward document (上行文, GB/T 9704-2012 §7.2.4, §7.3.6): it names its 签发人 — the leader who
    moved the proposal the 请示 carries (the diagram sends it straight after the 动议 or the
    inspection, with no signing step of its own, so the 动议's actor is the one who answered for
    it) — and closes with 附注 "（联系人：…，联系电话：…）" given at the 动议, and the 版记."""
    instance, issuer, cadre = proposal.instance, proposal.review_unit, proposal.cadre
    p = _proposal_text(proposal)
    body = "\n".join(
        [
            _("%(name)s同志，现任%(current)s。经%(unit)s动议，拟破格提拔其任%(post)s（%(level)s）%(keeps)s。")
            % {**p, "current": cadre.current_post, "unit": p["mover"]},
            _("一、破格提拔理由"),
            join_sentences(p["ground_text"], p["facts"]),
            _("二、突破的任职资格条件及理由"),
            sentence(p["broken"] or _("无")),
            _("根据《党政领导干部选拔任用工作条例》有关规定，现就破格提拔事宜征求你部意见。"),
            _("妥否，请批示。"),
        ]
    )
    mover = _actor(instance, "Task_propose")
    signer = mover.get_full_name() if mover else ""
    contact = proposal.contact_name or signer
    today = clock.today()
    fields = contexts.issuer_fields(issuer)
    cc = [u.name for u in (proposal.deciding_unit,) if u is not None and u not in (issuer, proposal.consent_unit)]
    document = issue_document(
        "request_for_consent",
        issuer=issuer,
        template="documents/official_document.html",
        instance=instance,
        title=_("关于破格提拔%(name)s同志的请示") % p,
        context=contexts.official_document_context(
            title=_("关于破格提拔%(name)s同志的请示") % p,
            blocks=body,
            date=today,
            recipients=proposal.consent_unit.name,
            signer=signer,
            note=contexts.contact_note(contact, proposal.contact_phone),
            cc=cc,
            printer=fields["signature"],
            print_date=today,
            **fields,
        ),
    )
    return {"requested_on": today.isoformat(), "document_id": document.pk, "number": document.number}


def _actor(instance, step):
    """Who completed ``step`` last (the history attributes every action, DOMAIN.md §9)."""
    event = (
        instance.history.filter(action=HistoryAction.COMPLETE, task_bpmn_id=step, actor__isnull=False)
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    return event.actor if event else None


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
    """任职 (DOMAIN.md §4.3 step 7): record the promotion, issue the notice and the form.

    The probation (length from the rule in force, ``promotions.grounds``) applies only to
    non-elected posts at 厅局级 and below. Without one, ``probation_due`` is now and
    ``probation`` is False: the diagram's Timer_probation fires at once (it needs a gateway on
    ``appointment["probation"]`` to skip the review; until then the review records "no probation").
    A poverty county's party secretary keeps the original post (seed 000 #4)."""
    instance, cadre = proposal.instance, proposal.cadre
    today = clock.today()
    issuer, committee = proposal.review_unit, proposal.deciding_unit
    p = _proposal_text(proposal)
    months = grounds.probation_months(proposal.target_level, elected=proposal.elected_post, as_of=today)
    probation_end = grounds.months_after(today, months) - datetime.timedelta(days=1) if months else None
    if probation_end:
        term = _("一年") if months == 12 else _("%(n)s个月") % {"n": months}
        probation = _("，试用期%(term)s（%(period)s）") % {"term": term, "period": cn_date_range(today, probation_end)}
    else:
        probation = ""
    body = "\n".join(
        [
            _("经%(committee)s研究决定：") % {"committee": committee.name},
            _("%(name)s同志任%(post)s（%(level)s）%(keeps)s%(probation)s。") % {**p, "probation": probation},
            join_sentences(_("%(name)s同志系破格提拔") % p, exceptional_circumstances(proposal)),
        ]
    )
    fields = contexts.issuer_fields(issuer)
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
            # 版记 (DOMAIN.md §8.1): the deciding committee and the proposing body, when they are others.
            cc=[u.name for u in dict.fromkeys((committee, proposal.proposed_by_unit)) if u and u not in (issuer, instance.nominating_unit)],
            printer=fields["signature"],
            print_date=today,
            **fields,
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
            proposed_post=p["post"] + (_("（继续兼任%(current)s）") % {"current": cadre.current_post} if proposal.keeps_post else ""),
            proposed_removal="" if proposal.keeps_post else cadre.current_post,
            reason=exceptional_circumstances(proposal),
            reporting_unit=p["mover"],
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
    if not proposal.keeps_post:  # seed 000 #4: the level rises, the original post is kept
        cadre.current_post = p["post"]
    cadre.rank_level = proposal.target_level
    cadre.current_rank_since, cadre.probation_end = today, probation_end
    cadre.save(update_fields=["current_post", "rank_level", "current_rank_since", "probation_end"])
    cadre_event.send(sender=Promotion, cadre=cadre, reason=POST_CHANGE, instance=instance, unit=committee)  # a talk (DOMAIN.md §10)
    notify(
        [instance.started_by],
        _("%(key)s：%(name)s同志已任%(post)s（%(number)s）%(probation)s")
        % {"key": instance.business_key, "name": cadre.name, "post": p["post"], "number": notice.number, "probation": probation},
        instance,
    )
    if probation_end:
        due = datetime.datetime.combine(probation_end + datetime.timedelta(days=1), datetime.time(), tzinfo=_shanghai())
    else:
        due = clock.now()
    return {
        "promotion_id": promotion.pk,
        "number": notice.number,
        "probation": bool(probation_end),
        "probation_end": probation_end.isoformat() if probation_end else "",
        "probation_due": due.isoformat(),
        "document_ids": [notice.pk, form.pk],
    }


def close_probation(proposal, competent):
    """At the end of the probation: confirmed, or the post removed and the previous level restored."""
    promotion = Promotion.objects.select_for_update().get(pk=proposal.promotion_id)
    cadre = promotion.cadre
    if promotion.probation_end is None:
        # No probation (an elected post, or above 厅局级, DOMAIN.md §4.3 step 7): nothing to confirm or revert.
        promotion.probation_result = "confirmed"
        promotion.save(update_fields=["probation_result"])
        return {"promotion_id": promotion.pk, "result": promotion.probation_result}
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


def _shanghai():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")
