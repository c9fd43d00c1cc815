"""The context each document template expects, and small builders for them.

Free of workflow imports on purpose: any process (merit citation, promotion, secondment) fills
these from its own data. Objects are duck-typed (a unit has ``name`` and ``issuer_mark``; a cadre
has the fields of ``records.models.Cadre``). Body text comes from the caller; the fixed phrases
the builders add go through gettext.

``documents/official_document.html`` — any numbered 公文 (GB/T 9704-2012, DOMAIN.md §8.1)::

    issuer_mark   str   发文机关标志, printed red at the top ("" → no masthead, e.g. a 公示)
    title         str   标题
    recipients    str   主送机关, without the colon: the template adds one "："; a trailing "：" or ":"
                        given by a caller is stripped ("" → none)
    blocks        list  body: dicts {"style": "p" | "h1" | "h2", "text": str};
                        h1 = 一、 headings (黑体), h2 = （一） headings (楷体); 1. and （1） are "p"
    signature     str   发文机关署名
    date          date  成文日期, printed 2026年3月1日
    note          str   附注, printed in parentheses ("" → none)
    cc            list  抄送机关 (str)
    printer       str   印发机关 ("" → no 版记 line)
    print_date    date  印发日期
    signer        str   签发人, printed in the masthead of an upward document (请示, 报告) only;
                        the key is present only on those ("" → none)
    seal          bool  the issuer's seal is applied over the date (default True)
    doc           dict  added by issue_document(): number, version, code, verify_url, qr

``documents/award_decision.html`` (奖励决定) — the above, plus::

    awardees        list  dicts {"name", "unit_post", "award"} (several → a table after blocks)
    closing_blocks  list  blocks after the decision (the exhortation)

``documents/notice.html`` (公示) — the above, plus::

    candidates    list  dicts {"name", "unit_post", "award"}
    period_start, period_end   date   公示期
    working_days  int | None
    objections    list  str, how and where to send objections (one line each)

``documents/clarification_letter.html`` (澄清反馈函, seed 000 #12) — the official context.

``documents/award_form.html`` (公务员奖励审批表, DOMAIN.md §8.2)::

    title, person (dict of the cadre's fields, see award_form_context), award, deeds,
    assessments (str), rewards_and_sanctions (str),
    opinions: list of dicts {"role_label", "text", "person", "date"}, date, doc
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .templatetags.official import cn_date, cn_date_range, join_sentences, sentence

# Heading prefixes of GB/T 9704 §7.3.3: 一、 / （一） / 1. / （1）.
_H1 = re.compile(r"^[一二三四五六七八九十百]+、")
_H2 = re.compile(r"^[（(][一二三四五六七八九十百]+[）)]")


def blocks_from_text(text):
    """Body blocks from plain text, one paragraph per line; 一、 lines become h1, （一） lines h2."""
    blocks = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        style = "h1" if _H1.match(line) else "h2" if _H2.match(line) else "p"
        blocks.append({"style": style, "text": line})
    return blocks


def issuer_fields(unit):
    """Issuer mark (blank → the unit's name) and signature of a unit."""
    return {"issuer_mark": (getattr(unit, "issuer_mark", "") or unit.name), "signature": unit.name}


def official_document_context(
    *,
    title,
    blocks,
    date,
    issuer_mark="",
    signature="",
    recipients="",
    note="",
    cc=(),
    printer="",
    print_date=None,
    signer="",
    seal=True,
    **extra,
):
    """The context of ``official_document.html``; ``blocks`` may be a list or plain text.

    ``signer`` (签发人) is given for an upward document only (GB/T 9704-2012 §7.2.4: 上行文 print
    the name of the leader who signed it); the key is then present, otherwise absent."""
    if isinstance(blocks, str):
        blocks = blocks_from_text(blocks)
    context = {
        "title": title,
        "issuer_mark": issuer_mark,
        "signature": signature,
        "recipients": clean_recipients(recipients),
        "blocks": list(blocks),
        "date": date,
        "note": clean_note(note),
        "cc": [c for c in (clean_recipients(c) for c in cc) if c],
        "printer": printer,
        "print_date": print_date or date,
        "seal": bool(seal),
        **extra,
    }
    if signer:
        context["signer"] = signer
    return context


def clean_recipients(text):
    """主送机关 without a trailing colon: the template prints exactly one "：" after it (a caller that
    added its own gave "中共平顶山市委组织部：：")."""
    return re.sub(r"[：:\s]+$", "", str(text or "").strip())


def clean_note(text):
    """附注 without its own outer parentheses: the template prints it in one pair "（…）"."""
    text = str(text or "").strip()
    if text[:1] in "（(" and text[-1:] in "）)" and text[1:-1].count("（") == text[1:-1].count("）"):
        text = text[1:-1].strip()
    return text


def contact_note(name, phone):
    """附注 of an upward document (GB/T 9704-2012 §7.3.6: a 请示 gives its contact person and
    phone): "联系人：李雪悦，联系电话：0375-2345678" (printed in parentheses)."""
    parts = []
    if name:
        parts.append(_("联系人：%(name)s") % {"name": name})
    if phone:
        parts.append(_("联系电话：%(phone)s") % {"phone": phone})
    return "，".join(parts)


def money(amount):
    """An amount of yuan as an official text writes it: 3000, 1500.5 (no trailing ".00")."""
    if amount is None:
        return ""
    text = f"{amount:f}" if not isinstance(amount, (int, str)) else str(amount)
    return text.rstrip("0").rstrip(".") if "." in text else text


def award_decision_context(
    *,
    issuer,
    awardees,
    deeds="",
    date,
    summary="",
    recipients="",
    basis=None,
    closing=None,
    cc=(),
    printer="",
    print_date=None,
    note="",
):
    """奖励决定 (DOMAIN.md §1.3 step 5) for one or several awardees, in the official wording:

        王䶮同志，鲁山县琴台街道党工委书记。<事迹概述>。
        为表彰先进、激励担当作为，根据《中华人民共和国公务员法》和《公务员奖励规定》，经研究，
        决定给予王䶮同志记三等功，颁发奖励证书和奖章并给予一次性奖金3000元。

    ``awardees``: dicts {"name", "unit_post", "award"} (award = label such as 记三等功), optionally
    "verb" (授予, 追记, 追授) for a single awardee whose award reads "<verb><name>同志<award>";
    "collective" for a single collective, whose award reads "<verb><name><award>" (no 同志);
    "bonus" (the one-off bonus in yuan, DOMAIN.md §1.1; an individual's only: 公务员法 art. 53),
    "medal" (奖章, DOMAIN.md §1.1 "记三等功 and above also come with a medal") and, for a collective,
    "plaque" (奖牌 in place of the medal). Every award comes with a certificate (DOMAIN.md §1.1).
    ``summary``: the deed summary the reviewer wrote (DOMAIN.md §1.3 step 3); ``deeds`` is used
    when there is none (cases reviewed before the summary existed). ``basis``: the legal basis.
    """
    awardees = list(awardees)
    if not awardees:
        raise ValueError("award_decision_context needs at least one awardee")
    basis = basis or _("《中华人民共和国公务员法》和《公务员奖励规定》")
    first = awardees[0]
    awards = {a["award"] for a in awardees}
    deed_lines = [b["text"] for b in blocks_from_text(summary or deeds)]
    if len(awardees) == 1:
        values = {"basis": basis, "verb": first.get("verb") or _("给予"), **{k: v for k, v in first.items() if k != "verb"}}
        collective = bool(first.get("collective"))
        who = values["name"] if collective else _("%(name)s同志") % values
        unit_post = (first.get("unit_post") or "").strip()
        # The opening names the awardee with unit and post before the deeds (a collective: what it is).
        opening = _("%(who)s，%(unit_post)s") % {"who": who, "unit_post": unit_post} if unit_post and unit_post != values["name"] else who
        blocks = [{"style": "p", "text": join_sentences(opening, *deed_lines[:1])}] + [
            {"style": "p", "text": sentence(line)} for line in deed_lines[1:]
        ]
        title = _("关于%(verb)s%(who)s%(award)s的决定") % {**values, "who": who}
        decision = _("为表彰先进、激励担当作为，根据%(basis)s，经研究，决定%(verb)s%(who)s%(award)s") % {**values, "who": who}
        decision += _awarded_with(first, collective)
        blocks.append({"style": "p", "text": sentence(decision)})
        if collective:
            closing = closing or _(
                "希望受奖励的集体珍惜荣誉，发扬成绩，再接再厉。各级机关要以受奖励的集体为榜样，忠诚干净担当，为推动高质量发展作出新的更大贡献。"
            )
    else:
        values = {"name": first["name"], "count": len(awardees), "award": next(iter(awards))}
        title = (
            _("关于给予%(name)s等%(count)s名同志%(award)s的决定") if len(awards) == 1 else _("关于给予%(name)s等%(count)s名同志奖励的决定")
        ) % values
        decision = _("为表彰先进、激励担当作为，根据%(basis)s，经研究，决定给予以下同志奖励：") % {"basis": basis}
        blocks = [{"style": "p", "text": sentence(line)} for line in deed_lines] + [{"style": "p", "text": decision}]
    closing = closing or _(
        "希望受奖励的同志珍惜荣誉，发扬成绩，再接再厉。广大干部要以受奖励的同志为榜样，忠诚干净担当，为推动高质量发展作出新的更大贡献。"
    )
    fields = issuer_fields(issuer)
    return official_document_context(
        title=title,
        blocks=blocks,
        date=date,
        recipients=recipients,
        note=note,
        cc=cc,
        printer=printer or fields["signature"],
        print_date=print_date,
        awardees=awardees,
        closing_blocks=blocks_from_text(closing),
        **fields,
    )


def _awarded_with(awardee, collective):
    """What comes with the award (DOMAIN.md §1.1): the certificate always; the medal (a collective's
    plaque, 奖牌) for 记三等功 and above; the one-off bonus for an individual only (公务员法 art. 53)."""
    if collective:
        return _("，颁发奖励证书和奖牌") if awardee.get("plaque") else _("，颁发奖励证书")
    things = _("奖励证书和奖章") if awardee.get("medal") else _("奖励证书")
    bonus = money(awardee.get("bonus"))
    if bonus and bonus != "0":
        return _("，颁发%(things)s并给予一次性奖金%(amount)s元") % {"things": things, "amount": bonus}
    return _("，颁发%(things)s") % {"things": things}


def notice_context(
    *,
    issuer,
    title,
    candidates,
    period_start,
    period_end,
    objections,
    date,
    intro=None,
    working_days=None,
    signature=None,
    proposal_label=None,
    printer="",
    print_date=None,
):
    """公示 (DOMAIN.md §1.3 step 4, §6): one notice listing many candidates.

    ``candidates``: dicts {"name", "unit_post", "proposal"}; ``proposal_label`` heads that column
    (拟奖励等次, 拟任职务, 挂职岗位 …); ``objections``: lines telling where and how to object.
    """
    intro = intro or _("根据干部奖励工作有关规定，经研究，拟给予以下同志奖励，现予以公示。")
    # A 公示 is addressed to the public (no 主送) and posted, not distributed: its 版记 still names who
    # issued it and when (DOMAIN.md §8.1 "Closing block").
    return official_document_context(
        title=title,
        blocks=blocks_from_text(intro),
        date=date,
        signature=signature or issuer.name,
        printer=printer or signature or issuer.name,
        print_date=print_date,
        candidates=list(candidates),
        period_start=period_start,
        period_end=period_end,
        # 公示时间 as the body prints a period (DOMAIN.md §8.1 dates): 2026年3月2日至3月6日.
        period=cn_date_range(period_start, period_end),
        working_days=working_days,
        objections=list(objections),
        proposal_label=proposal_label or _("拟奖励等次"),
    )


def clarification_letter_context(
    *,
    issuer,
    recipient,
    cadre_name,
    received_on,
    summary,
    findings,
    date,
    conclusion=None,
    cc=(),
    printer="",
    print_date=None,
    collective=False,
):
    """澄清反馈函 (seed 000 #12, DOMAIN.md §6): written feedback to the cadre's unit after an
    objection was found untrue or unverifiable; for a collective (DOMAIN.md §1.1, ``collective``),
    to its nominating unit, naming the collective.

    ``summary``: what was reported; ``findings``: what the verification established.
    """
    values = {"date": cn_date(received_on), "name": cadre_name, "summary": summary}
    if collective:
        title = _("关于%(name)s有关问题反映的澄清反馈函") % values
        opening = _("%(date)s，我部收到反映%(name)s%(summary)s的问题。我部按照有关规定进行了核查。") % values
        conclusion = (
            conclusion or _("经核查，反映问题不属实，现予以澄清，并向你单位书面反馈。请将核查结论告知%(name)s，消除负面影响。") % values
        )
    else:
        title = _("关于%(name)s同志有关问题反映的澄清反馈函") % values
        opening = _("%(date)s，我部收到反映你单位%(name)s同志%(summary)s的问题。我部按照有关规定进行了核查。") % values
        conclusion = (
            conclusion
            or _(
                "经核查，反映问题不属实。根据《关于进一步激励广大干部新时代新担当新作为推动中原更加出彩的实施意见》"
                "有关规定，现予以澄清，并向你单位书面反馈。请将核查结论告知%(name)s同志本人，"
                "消除负面影响，支持其放下包袱、安心工作。"
            )
            % values
        )
    blocks = [
        {"style": "p", "text": opening},
        *blocks_from_text(findings),
        {"style": "p", "text": conclusion},
        {"style": "p", "text": _("特此函告。")},
    ]
    fields = issuer_fields(issuer)
    return official_document_context(
        title=title,
        blocks=blocks,
        date=date,
        recipients=recipient,
        cc=cc,
        printer=printer or fields["signature"],
        print_date=print_date,
        **fields,
    )


def _display(obj, field):
    getter = getattr(obj, f"get_{field}_display", None)
    return getter() if callable(getter) else getattr(obj, field, "")


def assessments_text(assessments):
    """近三年年度考核结果: ``2023年度优秀，2024年度称职`` from (year, label) pairs or records."""
    parts = []
    for item in assessments:
        year, label = item if isinstance(item, tuple) else (item.year, _display(item, "grade"))
        parts.append(_("%(year)s年度%(grade)s") % {"year": year, "grade": label})
    return "，".join(parts) or _("无")


def rewards_and_sanctions_text(awards=(), sanctions=()):
    """奖惩情况 from award and sanction records (or "无")."""
    lines = []
    for award in awards:
        lines.append(
            _("%(year)s年%(month)s月 %(kind)s")
            % {"year": award.awarded_on.year, "month": award.awarded_on.month, "kind": _display(award, "kind")}
        )
    for sanction in sanctions:
        lines.append(
            _("%(year)s年%(month)s月 %(kind)s")
            % {"year": sanction.decision_date.year, "month": sanction.decision_date.month, "kind": _display(sanction, "kind")}
        )
    return "；".join(lines) or _("无")


def award_form_context(
    cadre, award_kind_label, deeds, opinions, assessments=(), *, rewards_and_sanctions=None, awards=(), sanctions=(), date=None, title=None
):
    """公务员奖励审批表 (DOMAIN.md §8.2).

    ``cadre``: a cadre record (name, sex, birth_date, ethnicity, native_place, political_status,
    full_time_education, work_start_date, unit, current_post); ``opinions``: dicts
    {"role_label", "text", "person", "date"} in the form's order — 推荐单位意见, 纪检监察机关意见,
    审核（公示）情况, 审批机关意见; missing ones print as empty boxes.
    """
    unit = getattr(cadre, "unit", None)
    person = {
        "name": cadre.name,
        "sex": _display(cadre, "sex"),
        "birth_date": cadre.birth_date,
        "ethnicity": cadre.ethnicity,
        "native_place": cadre.native_place,
        "political_status": cadre.political_status,
        "education": cadre.full_time_education or getattr(cadre, "in_service_education", ""),
        "work_start_date": cadre.work_start_date,
        "unit_and_post": getattr(cadre, "unit_and_post", None) or f"{unit.name if unit else ''}{cadre.current_post}",
    }
    if rewards_and_sanctions is None:
        rewards_and_sanctions = rewards_and_sanctions_text(awards, sanctions)
    return {
        "title": title or _("公务员奖励审批表"),
        "person": person,
        "award": award_kind_label,
        "deeds": blocks_from_text(deeds),
        "assessments": assessments if isinstance(assessments, str) else assessments_text(assessments),
        "rewards_and_sanctions": rewards_and_sanctions,
        "opinions": form_opinions(opinions),
        "date": date,
    }


def collective_award_form_context(collective, award_kind_label, deeds, opinions, *, awards=(), date=None):
    """公务员集体奖励审批表 (DOMAIN.md §1.1, §8.2): the award form of a collective, which names the
    collective, what kind it is and its members instead of a person's particulars."""
    members = list(collective.members.all()) if collective.pk else []
    return {
        "title": _("公务员集体奖励审批表"),
        "collective": {
            "name": collective.name,
            "kind": _display(collective, "kind"),
            "unit": collective.unit.name,
            "size": len(members),
            "members": "、".join(f"{m.name}（{m.unit_and_post}）" for m in members),
        },
        "award": award_kind_label,
        "deeds": blocks_from_text(deeds),
        "rewards_and_sanctions": rewards_and_sanctions_text(awards),
        "opinions": form_opinions(opinions),
        "date": date,
    }


# The opinion rows of the award form, in order (DOMAIN.md §8.2).
AWARD_FORM_OPINION_ROLES = (
    gettext_lazy("推荐单位意见"),
    gettext_lazy("纪检监察机关意见"),
    gettext_lazy("审核（公示）情况"),
    gettext_lazy("审批机关意见"),
)


def form_opinions(opinions, roles=AWARD_FORM_OPINION_ROLES):
    """One row per standard role (empty when not given yet), then any other opinions given."""
    given = [dict(o) for o in opinions]
    rows = []
    for role in roles:
        match = next((o for o in given if str(o.get("role_label")) == str(role)), None)
        if match is not None:
            given.remove(match)
        rows.append(match or {"role_label": role, "text": "", "person": "", "date": None})
    return rows + given


# --- secondment rounds (挂职锻炼, DOMAIN.md §5) ----------------------------------------------------


def selection_notice_context(
    *, issuer, title, recipients, intro, secondees, start, end, term, date, closing=None, cc=(), printer="", print_date=None, note=""
):
    """``documents/selection_notice.html`` (选派通知): the official context, plus::

        secondees   list  dicts {"name", "unit_post", "host"} (host = 挂职单位及岗位), a table after the intro
        closing_blocks list  the paragraphs after the table (term, personnel relationship, reporting)

    ``start``/``end``: the term; ``term``: its length in words (e.g. 1年). The closing states that the
    personnel relationship stays with the home unit (公务员法 art. 72).
    """
    values = {"period": cn_date_range(start, end), "term": term}
    closing = closing or "\n".join(
        [
            _("挂职期限%(term)s，自%(period)s。") % values,
            _(
                "挂职期间，挂职干部的人事关系、工资福利待遇保留在原单位，不占挂职单位编制和领导职数（《中华人民共和国公务员法》第七十二条）。"
                "挂职单位负责日常管理和期满考核，考核结果反馈派出单位并记入本人档案。"
            ),
            _("请各派出单位做好工作交接，督促挂职干部按时持介绍信到挂职单位报到。"),
        ]
    )
    fields = issuer_fields(issuer)
    return official_document_context(
        title=title,
        blocks=blocks_from_text(intro),
        date=date,
        recipients=recipients,
        note=note,
        cc=cc,
        printer=printer or fields["signature"],
        print_date=print_date,
        secondees=list(secondees),
        closing_blocks=blocks_from_text(closing),
        **fields,
    )


def introduction_letter_context(
    *, issuer, recipient, cadre, position, start, end, date, reference="", valid_days=30, cc=(), printer="", print_date=None
):
    """``documents/introduction_letter.html`` (介绍信) for one seconded cadre, to the host unit.

    ``cadre``: a cadre record (name, sex, birth_date, political_status, unit_and_post);
    ``reference``: the selection notice's number the letter refers to; ``valid_days``: how long it is valid.
    """
    person = {
        "name": cadre.name,
        "sex": _display(cadre, "sex"),
        "born": f"{cadre.birth_date.year}年{cadre.birth_date.month}月",
        "political_status": cadre.political_status,
        "unit_post": getattr(cadre, "unit_and_post", "") or cadre.current_post,
    }
    values = {**person, "position": position, "period": cn_date_range(start, end), "reference": reference}
    text = (
        _(
            "兹介绍%(name)s同志（%(sex)s，%(born)s生，%(political_status)s，现任%(unit_post)s）前往你单位挂职锻炼，"
            "挂职岗位为%(position)s，挂职期限自%(period)s。"
        )
        % values
    )
    if reference:
        text = _("根据%(reference)s通知，") % values + text
    blocks = [
        {"style": "p", "text": text},
        {
            "style": "p",
            "text": _(
                "挂职期间其人事关系保留在原单位（《中华人民共和国公务员法》第七十二条），请予接洽，并做好日常管理和期满考核。"
                "本介绍信有效期%(days)s天。"
            )
            % {"days": valid_days},
        },
        {"style": "p", "text": _("此致")},
        {"style": "p", "text": _("敬礼")},
    ]
    fields = issuer_fields(issuer)
    return official_document_context(
        title=_("介绍信"),
        blocks=blocks,
        date=date,
        recipients=recipient,
        # No 版记 by default: a 介绍信 is a one-page letter handed to the secondee, and the 版记
        # lines push it onto a second page (tests/test_secondment_round.py); a caller may add one.
        cc=cc,
        printer=printer,
        print_date=print_date,
        person=person,
        **fields,
    )
