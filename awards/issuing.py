"""What the approving authority issues: the award decision and approval form, batch notices,
clarification letters (DOMAIN.md §1.3, §6, §8)."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents import contexts
from documents.rendering import issue_document
from documents.templatetags.official import cn_date, cn_date_range, join_sentences
from records.models import Award, AwardKind, Cadre, Collective, CollectiveKind
from workflows import clock, decisions
from workflows.models import HistoryAction
from workflows.notify import notify

from . import facts, wording
from .models import AwardBonus, CertificateSequence

# The award form's opinion rows (DOMAIN.md §8.2) and the steps whose opinions fill them.
FORM_OPINION_STEPS = [
    (contexts.AWARD_FORM_OPINION_ROLES[0], "Task_unit_decision"),
    (contexts.AWARD_FORM_OPINION_ROLES[1], "Task_integrity"),
    (contexts.AWARD_FORM_OPINION_ROLES[2], "Task_review"),
    (contexts.AWARD_FORM_OPINION_ROLES[3], "Task_approve"),
]


def form_opinions(instance, notice_text=""):
    """The latest opinion of each step, from the history: who, what, when."""
    latest = {}
    for event in instance.history.filter(action=HistoryAction.COMPLETE).select_related("actor").order_by("at", "id"):
        latest[event.task_bpmn_id] = event
    rows = []
    for role_label, step in FORM_OPINION_STEPS:
        event = latest.get(step)
        if event is None:
            continue
        text = event.opinion
        if step == "Task_review" and notice_text:
            # One full stop between the opinion and the notice ("同意公示。" never makes "。。").
            text = join_sentences(text, notice_text)
        rows.append(
            {
                "role_label": role_label,
                "text": text,
                "person": event.actor.get_full_name() if event.actor else "",
                "date": clock.localdate(event.at),
            }
        )
    return rows


def _awardee(subject, words, collective=False, *, bonus=None, medal=False):
    """The decision's awardee: what comes with the award (DOMAIN.md §1.1) — an individual's bonus and
    medal; a collective's plaque (奖牌, the bonus table's ``medal`` column) and no bonus."""
    if collective:
        return {
            "name": subject.name,
            "unit_post": _collective_description(subject),
            "verb": words.verb,
            "award": words.award,
            "collective": True,
            "plaque": medal,
        }
    return {
        "name": subject.name,
        "unit_post": subject.unit_and_post,
        "verb": words.verb,
        "award": words.award,
        "bonus": bonus,
        "medal": medal,
    }


def _collective_description(collective):
    """A unit is its name; a task team says who formed it and how many it counts."""
    if collective.kind == CollectiveKind.UNIT:
        return collective.unit.name
    return _("%(unit)s组建的专项工作集体，成员%(n)s人") % {"unit": collective.unit.name, "n": collective.members.count()}


def allocate_certificate_number(issuer, year):
    """The next certificate number of ``issuer`` in ``year`` (DOMAIN.md §1.1 [practice]), e.g.
    "鲁组奖证〔2026〕3号". Taken under a lock on the issuer's sequence row, in the transaction that
    records the award: never the same number twice; a rollback gives the number back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_certificate_number() must be called inside transaction.atomic()")
    CertificateSequence.objects.bulk_create([CertificateSequence(issuer=issuer, year=year, last_number=0)], ignore_conflicts=True)
    sequence = CertificateSequence.objects.select_for_update().get(issuer=issuer, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    prefix = (issuer.document_prefix or "").strip() or issuer.name
    # An official identifier, the same in every language (like the document numbers of DOMAIN.md §8.1).
    return f"{prefix}奖证〔{year}〕{sequence.last_number}号"


def certificate_context(award, words, issuer):
    """The certificate's page: who, what, by which decision, the medal or a collective's plaque
    (DOMAIN.md §1.1)."""
    recipient = award.recipient
    values = {"verb": words.verb, "award": words.award, "number": award.decision_number, "name": recipient.name}
    if award.collective_id:
        text = _("经研究，决定%(verb)s%(name)s%(award)s（%(number)s）。特发此证，以资鼓励。") % values
    else:
        text = _("经研究，决定%(verb)s你%(award)s（%(number)s）。特发此证，以资鼓励。") % values
    return {
        "title": _("荣誉证书（%(name)s）") % {"name": recipient.name},
        "name": recipient.name,
        "collective": bool(award.collective_id),
        "text": text,
        "certificate_number": award.certificate_number,
        "medal": award.medal,
        "date": award.awarded_on,
        **contexts.issuer_fields(issuer),
    }


def issue_award(nomination):
    """Record the award on the cadre or the collective, allocate the decision number, issue the
    PDFs, notify.

    Runs under the nomination's lock and re-checks, under a lock on the nominee, what must still
    hold at issue: no other award for the same deed (one deed, one reward, DOMAIN.md §1.4), no
    sanction in effect and no open investigation (§1.4). A refusal fails the step; the engine
    parks the case with the reason and nothing is issued.
    """
    instance = nomination.instance
    collective = nomination.is_collective
    if collective:
        subject = Collective.objects.select_for_update(of=("self",)).select_related("unit").get(pk=nomination.collective_id)
    else:
        subject = Cadre.objects.select_for_update(of=("self",)).select_related("unit").get(pk=nomination.cadre_id)
    _recheck(nomination, subject)
    approving, issuer = nomination.approving_unit, nomination.issuer_unit
    kind = nomination.award_kind
    words = wording.of_nomination(nomination)
    today = clock.today()
    standard = AwardBonus.standard_for(kind, today)
    # 公务员法 art. 53: the one-off bonus is for the individuals rewarded; a collective is commended.
    bonus = None if collective else bonus_due(subject, nomination.deed_reference, standard.amount if standard else None)
    medal = bool(standard and standard.medal)
    decision = issue_document(
        "award_decision",
        issuer=issuer,
        template="documents/award_decision.html",
        instance=instance,
        title=wording.decision_title(subject.name, words, collective),
        context=contexts.award_decision_context(
            issuer=issuer,
            awardees=[_awardee(subject, words, collective, bonus=bonus, medal=medal)],
            # The reviewer's summary (DOMAIN.md §1.3 step 3); the deeds for cases reviewed before it existed.
            summary=nomination.deed_summary,
            deeds=nomination.deeds,
            date=today,
            recipients=instance.nominating_unit.name,
            cc=[approving.name] if approving != issuer else (),
            printer=issuer.name,
            print_date=today,
        ),
    )
    award = Award.objects.create(
        cadre=None if collective else subject,
        collective=subject if collective else None,
        kind=kind,
        awarded_on=today,
        decision_number=decision.number,
        approving_unit=approving,
        approving_level=approving.level,
        nominating_unit=nomination.unit,
        deed_reference=nomination.deed_reference,
        bonus=bonus,
        # DOMAIN.md §1.1 [practice]: every award with a certificate, 记三等功 and above with a medal
        # (a collective's plaque; the bonus table's ``medal`` column), 追授 recorded as such.
        medal=medal,
        posthumous=nomination.posthumous and not collective,
        certificate_number=allocate_certificate_number(issuer, today.year),
    )
    nomination.award = award
    nomination.save(update_fields=["award"])
    certificate = issue_document(
        "award_certificate",
        issuer=issuer,
        template="documents/award_certificate.html",
        instance=instance,
        numbered=False,
        title=_("荣誉证书（%(name)s，%(number)s）") % {"name": subject.name, "number": award.certificate_number},
        context=certificate_context(award, words, issuer),
    )
    opinions = form_opinions(instance, _notice_text(instance, nomination))
    if collective:
        form_title = _("公务员集体奖励审批表（%(name)s）") % {"name": subject.name}
        form_context = contexts.collective_award_form_context(
            subject, words.phrase, nomination.deeds, opinions, awards=subject.awards.exclude(pk=award.pk), date=today
        )
    else:
        form_title = _("公务员奖励审批表（%(name)s）") % {"name": subject.name}
        form_context = contexts.award_form_context(
            subject,
            words.phrase,
            nomination.deeds,
            opinions,
            assessments=[(a.year, a.get_grade_display()) for a in subject.assessments.order_by("-year")[:3]][::-1],
            awards=subject.awards.exclude(pk=award.pk),
            sanctions=subject.sanctions.all(),
            date=today,
        )
    form = issue_document(
        "award_form",
        issuer=issuer,
        template="documents/award_form.html",
        instance=instance,
        numbered=False,
        title=form_title,
        context=form_context,
    )
    message = (
        _("%(key)s：%(name)s%(kind)s已批准，奖励决定文号%(number)s")
        if collective
        else _("%(key)s：%(name)s同志%(kind)s已批准，奖励决定文号%(number)s")
    )
    notify(
        [instance.started_by],
        message % {"key": instance.business_key, "name": subject.name, "kind": words.phrase, "number": decision.number},
        instance,
    )
    return {
        "award_id": award.pk,
        "decision_number": decision.number,
        "certificate_number": award.certificate_number,
        "document_ids": [decision.pk, form.pk, certificate.pk],
    }


def bonus_due(cadre, deed_reference, amount):
    """No repeated bonus for one deed (DOMAIN.md §1.4): a higher level raising an award for a deed
    pays only the difference to what the cadre already received for it."""
    if amount is None:
        return None
    if not deed_reference:
        return amount
    paid = sum((a.bonus or 0 for a in cadre.awards.filter(deed_reference=deed_reference, revoked=False)), Decimal(0))
    return max(amount - paid, Decimal(0))


def _recheck(nomination, subject):
    """The last guard, under the nominee's lock: what the diagram's recheck (DMN) found may have
    changed between the approval and this step (another case's award, a new sanction)."""
    if nomination.award_id is not None:
        raise ValueError(_("本案已记录奖励（%(number)s），不能再次发文") % {"number": nomination.award.decision_number})
    of = facts.collective_facts if nomination.is_collective else facts.eligibility_facts
    current = of(subject, nomination.award_kind, nomination.deed_reference, approving_level=nomination.approving_unit.level)
    # The same table as the diagram's checks, from the files deployed with the case's version.
    result = decisions.evaluate(nomination.instance.definition, "award_eligibility", {"facts": current})
    failures = [reason for rule, reason in zip(result["eligibility_rule"], result["eligibility_reason"]) if rule != "ok"]
    if failures:
        raise ValueError("；".join(failures))


def _notice_text(instance, nomination=None):
    """审核（公示）情况 on the award form: the notice and its objections, or the approver's recorded
    consent to skip it for a classified case (DOMAIN.md §1.3 item 4)."""
    if nomination is not None and nomination.notice_waived_at is not None:
        return _("涉密案件，经审批机关同意免予公示（%(date)s）") % {"date": cn_date(clock.localdate(nomination.notice_waived_at))}
    notice = instance.notices.order_by("-start_date").first()
    if notice is None:
        return ""
    objections = instance.objections.count()
    # Dates as the documents print them (DOMAIN.md §8.1): 2026年12月6日至12月11日.
    return _("%(period)s公示%(days)s个工作日，收到异议%(n)s件") % {
        "period": cn_date_range(notice.start_date, notice.end_date),
        "days": notice.working_days,
        "n": objections,
    }


# Kinds that come with a medal when the award itself does not say (DOMAIN.md §1.1: 记三等功 and above).
MEDAL_KINDS = (AwardKind.MERIT_3, AwardKind.MERIT_2, AwardKind.MERIT_1, AwardKind.TITLE)

REVOCATION_GROUNDS = {
    "fraud": gettext_lazy("弄虚作假，骗取奖励"),
    "concealed": gettext_lazy("申报奖励时隐瞒严重错误或者严重违反规定程序"),
    "later_violation": gettext_lazy("有严重违纪违法等行为，影响称号声誉"),
    "other": gettext_lazy("有法律、法规规定应当撤销奖励的其他情形"),
}


def revoke_award(request):
    """撤销奖励 (公务员法 art. 56, DOMAIN.md §1.4): published decision, benefits stopped, recorded."""
    instance = request.instance
    # of=self: the award row alone — PostgreSQL refuses FOR UPDATE on the outer join to a
    # collective award's missing cadre, and the joined rows need no lock.
    award = Award.objects.select_for_update(of=("self",)).select_related("cadre__unit", "approving_unit").get(pk=request.award_id)
    if award.revoked:
        raise ValueError(_("该奖励已撤销"))
    issuer = request.issuer_unit
    today = clock.today()
    ground = str(REVOCATION_GROUNDS.get(request.ground, ""))
    # The medal recorded at issue; an award recorded without one (imported) by its kind (DOMAIN.md §1.1).
    has_medal = award.medal or award.kind in MEDAL_KINDS
    # The original nominating body receives the decision, whoever started the revocation (§1.4).
    nominating = award.nominating_unit or instance.nominating_unit
    body = _(
        "%(name)s同志，%(unit_post)s，经%(number)s决定给予%(kind)s。经查，该同志%(ground)s。%(facts)s\n"
        "根据《中华人民共和国公务员法》第五十六条，经研究，决定撤销对%(name)s同志的%(kind)s，"
        "收回其奖励证书%(medal)s，停止其享受的相应待遇，并记入本人档案。"
    ) % {
        "name": award.cadre.name,
        "unit_post": award.cadre.unit_and_post,
        "number": award.decision_number or _("原"),
        "kind": award.get_kind_display(),
        "ground": ground,
        # The facts as one sentence after the ground: no "。。" when the applicant ended with a full stop.
        "facts": join_sentences(request.facts),
        "medal": _("和奖章") if has_medal else "",
    }
    decision = issue_document(
        "revocation_decision",
        issuer=issuer,
        template="documents/official_document.html",
        instance=instance,
        title=_("关于撤销%(name)s同志%(kind)s的决定") % {"name": award.cadre.name, "kind": award.get_kind_display()},
        context=contexts.official_document_context(
            title=_("关于撤销%(name)s同志%(kind)s的决定") % {"name": award.cadre.name, "kind": award.get_kind_display()},
            blocks=body,
            date=today,
            recipients=nominating.name,
            # 版记 (DOMAIN.md §8.1): the original approving authority, when another unit revokes.
            cc=[award.approving_unit.name] if award.approving_unit_id and award.approving_unit != issuer else (),
            printer=issuer.name,
            print_date=today,
            **contexts.issuer_fields(issuer),
        ),
    )
    award.revoked, award.revoked_on, award.benefits_stopped_on = True, today, today
    award.save(update_fields=["revoked", "revoked_on", "benefits_stopped_on"])
    # DOMAIN.md §1.4: the revocation recovers the certificate and the medal; recorded with the request.
    request.certificate_recovered, request.medal_recovered, request.insignia_recovered_on = True, has_medal, today
    request.save(update_fields=["certificate_recovered", "medal_recovered", "insignia_recovered_on"])
    notify(
        [instance.started_by],
        _("%(key)s：已撤销%(name)s同志的%(kind)s（%(number)s）")
        % {"key": instance.business_key, "name": award.cadre.name, "kind": award.get_kind_display(), "number": decision.number},
        instance,
    )
    return {"award_id": award.pk, "decision_number": decision.number, "document_id": decision.pk}
