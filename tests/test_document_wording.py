"""Every document kind complete and in official wording (issue 14 item 3).

- 奖励决定 (DOMAIN.md §1.3 step 5, §1.1): "<name>同志，<unit and post>。<the reviewer's deed summary>。"
  then the legal basis, the kind, the certificate, the medal (a collective's plaque) and an
  individual's one-off bonus (公务员法 art. 53: none for a collective).
- 请示 (DOMAIN.md §4.3 step 2; GB/T 9704-2012 upward documents): 签发人, 附注 with contact and phone,
  版记 (DOMAIN.md §8.1 "Closing block (版记): 抄送 line and 印发机关 + 印发日期 印发").
- No "：：" after the addressee, no "。。", and every date in Chinese (DOMAIN.md §8.1 "Date in Arabic
  numerals without zero padding (2026年3月1日)"); a period in one year writes the year once.
"""

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from awards.forms import ReviewForm
from awards.models import Nomination
from documents import contexts
from documents.models import DocumentKind, IssuedDocument
from documents.rendering import issue_document
from documents.templatetags.official import cn_date, cn_date_range, join_sentences
from notices import desk
from permissions.models import Unit, UnitKind, UnitLevel
from records.models import Award
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, refresh, start_and_nominate, task_of, unit, unit_decides
from tests.promotion_helpers import propose, recommend_inspect
from tests.walk_helpers import Walk, last_document_id
from workflows import clock, services

MONDAY = at("2026-09-28 09:00")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A period within one year that repeats the year: "2026年9月29日至2026年10月12日".
YEAR_TWICE = re.compile(r"(\d{4})年\d{1,2}月\d{1,2}日至\1年")
# What the nominator wrote (the clerk's defect: pasted into the decision, starting "该同志…").
NOMINATOR_DEEDS = "该同志在2026年汛期带领街道干部群众日夜值守堤坝，组织转移群众三百余人，全力保障群众生命财产安全，群众交口称赞。"
# What the reviewer wrote for the decision (DOMAIN.md §1.3 step 3).
SUMMARY = "在2026年汛期防汛抢险中冲锋在前，连续奋战七昼夜，组织转移受困群众三百余人，无一伤亡，作出较大贡献"
COLLECTIVE_SUMMARY = "该街道在2026年汛期防汛抢险中组织严密、反应迅速，安全转移群众三千余人，实现零伤亡，作出较大贡献"


@pytest.fixture
def world(db):
    load_world()


def flat(document):
    """The PDF's text in one line (a paragraph's wrapping removed)."""
    pdf = bytes(IssuedDocument.objects.defer(None).get(pk=document.pk).pdf)
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def through_county(case, summary, *, review_opinion="材料齐全，同意公示。"):
    """Integrity, review with the deed summary, a notice from Tuesday 29 September 2026, approval on
    12 October (the county approves 记三等功 of a township, DOMAIN.md §1.2)."""
    with clock.frozen_at(MONDAY):
        services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
        services.complete_task(
            person("ls_sh"), task_of(case, "Task_review").pk, action="approve", data={"deed_summary": summary}, opinion=review_opinion
        )
    with clock.frozen_at(at("2026-09-29 08:30")):
        desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="鲁山县委组织部干部监督室，电话：0375-5051234")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    with clock.frozen_at(at("2026-10-12 09:00")):
        services.complete_task(person("ls_sp"), task_of(case, "Task_approve").pk, action="approve", opinion="同意。")
    case = refresh(case)
    assert case.outcome == "End_awarded", case.error_message
    return case


# --- 奖励决定 ---------------------------------------------------------------------------------------


def test_the_review_step_requires_a_deed_summary_of_20_to_300_characters_when_approving():
    """DOMAIN.md §1.3 step 3: the reviewer summarises the deeds the decision states."""

    def errors(action, **data):
        return ReviewForm(data, action=action).errors

    assert "deed_summary" in errors("approve")
    assert "deed_summary" in errors("approve", deed_summary="表现突出")
    assert "deed_summary" in errors("approve", deed_summary="好" * 301)
    assert "deed_summary" in errors("classified", classified_reason="涉密")
    assert "deed_summary" not in errors("approve", deed_summary=SUMMARY)
    # Returning or refusing needs no summary.
    assert "deed_summary" not in errors("return", opinion="请补充材料")


def test_decision_for_an_individual_in_official_wording(world):
    """DOMAIN.md §1.3 step 5 and §1.1: name, unit and post, the reviewer's summary (not the
    nominator's deeds), the basis, the kind, the certificate and medal (记三等功 and above), the
    bonus (记三等功: 3,000)."""
    subject = cadre(QT_CLEAN[0])
    with clock.frozen_at(MONDAY):
        case = unit_decides(
            "ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", subject, award_kind="merit_3", deeds=NOMINATOR_DEEDS)
        )
    case = through_county(case, SUMMARY)
    assert Nomination.objects.get(instance=case).deed_summary == SUMMARY
    award = Award.objects.get(cadre=subject, kind="merit_3")
    assert award.bonus == 3000 and award.medal
    text = flat(case.documents.get(kind="award_decision"))
    assert f"{subject.name}同志，{subject.unit_and_post}。{SUMMARY}。" in text
    assert "根据《中华人民共和国公务员法》和《公务员奖励规定》" in text
    assert f"决定给予{subject.name}同志记三等功，颁发奖励证书和奖章并给予一次性奖金3000元。" in text
    assert NOMINATOR_DEEDS[3:20] not in text  # the nominator's text is not pasted in
    assert "印发" in text  # 版记


def test_decision_for_a_collective_has_no_comrade_no_bonus_and_a_plaque(world):
    """DOMAIN.md §1.1 (公务员法 art. 51, 53): a collective is commended, without 同志 and without a
    personal bonus; 记三等功 and above bring a plaque (奖牌)."""
    qt = unit("HA-PDS-LS-QT")
    with clock.frozen_at(MONDAY):
        case = services.start_process(person("ls_qt_jbr"), "merit_citation", unit=qt)
        services.complete_task(
            person("ls_qt_jbr"),
            task_of(case, "Task_nominate").pk,
            data={
                "award_kind": "merit_3",
                "deeds": NOMINATOR_DEEDS,
                "period_from": "2026-07-01",
                "period_to": "2026-08-31",
                "deed_reference": "2026防汛集体",
                "collective_kind": "unit",
                "collective_unit": qt.pk,
            },
        )
        case = unit_decides("ls_qt_ld", refresh(case))
    case = through_county(case, COLLECTIVE_SUMMARY)
    text = flat(case.documents.get(kind="award_decision"))
    assert f"{COLLECTIVE_SUMMARY}。" in text
    assert f"决定给予{qt.name}记集体三等功，颁发奖励证书和奖牌。" in text
    assert "同志" not in text and "奖金" not in text and "奖章" not in text


def test_award_decision_context_without_a_medal_or_a_summary():
    """A 嘉奖 has no medal (DOMAIN.md §1.1); a case reviewed before the summary existed uses the deeds."""
    issuer = type("U", (), {"name": "中共鲁山县委组织部", "issuer_mark": ""})()
    context = contexts.award_decision_context(
        issuer=issuer,
        awardees=[{"name": "王䶮", "unit_post": "鲁山县琴台街道党工委书记", "award": "嘉奖", "bonus": 1500, "medal": False}],
        deeds=NOMINATOR_DEEDS,
        date=datetime.date(2026, 10, 12),
        recipients="鲁山县琴台街道党工委：",
    )
    body = "".join(b["text"] for b in context["blocks"])
    assert body.startswith(f"王䶮同志，鲁山县琴台街道党工委书记。{NOMINATOR_DEEDS}")
    assert "决定给予王䶮同志嘉奖，颁发奖励证书并给予一次性奖金1500元。" in body
    assert context["recipients"] == "鲁山县琴台街道党工委" and context["seal"] is True and "signer" not in context


# --- 请示 ----------------------------------------------------------------------------------------------


def test_request_for_consent_has_signer_note_and_closing_block(world, monkeypatch):
    """DOMAIN.md §4.3 step 2: the 请示 to the higher department, an upward document: 签发人 (who moved
    it), 附注 "（联系人：…，联系电话：…）" from the 动议, and the 版记 (DOMAIN.md §8.1)."""
    from promotions import issuing

    seen = {}
    real = issuing.issue_document

    def spy(kind, **kwargs):
        seen[kind] = kwargs["context"]
        return real(kind, **kwargs)

    monkeypatch.setattr(issuing, "issue_document", spy)
    with clock.frozen_at(MONDAY):
        case = recommend_inspect(propose(cadre(QT_CLEAN[0]), contact_name="李雪悦", contact_phone="0375-5051234"))
    document = case.documents.get(kind="request_for_consent")
    context = seen["request_for_consent"]
    assert context["signer"] == person("ls_qt_ld").get_full_name() != ""
    assert context["note"] == "联系人：李雪悦，联系电话：0375-5051234"
    assert context["printer"] == document.issuer.name and context["print_date"] == datetime.date(2026, 9, 28)
    assert isinstance(context["cc"], list) and context["seal"] is True
    assert not context["recipients"].endswith(("：", ":"))
    text = flat(document)
    assert "（联系人：李雪悦，联系电话：0375-5051234）" in text
    assert f"{document.issuer.name}2026年9月28日印发" in text.replace(" ", "")
    assert "妥否，请批示。" in text


def test_request_for_consent_contact_defaults_to_the_mover(world, monkeypatch):
    from promotions import issuing

    seen = {}
    real = issuing.issue_document
    monkeypatch.setattr(issuing, "issue_document", lambda kind, **kw: seen.setdefault(kind, kw["context"]) and real(kind, **kw))
    with clock.frozen_at(MONDAY):
        recommend_inspect(propose(cadre(QT_CLEAN[0])))
    assert seen["request_for_consent"]["note"] == f"联系人：{person('ls_qt_ld').get_full_name()}"


# --- punctuation and dates in every document ----------------------------------------------------------------


@pytest.fixture
def issuer(db):
    return Unit.objects.create(
        code="PDS-ZZB-W",
        name="中共平顶山市委组织部",
        level=UnitLevel.CITY,
        kind=UnitKind.ORGANISATION_DEPT,
        document_prefix="平组",
        issuer_mark="中共平顶山市委组织部文件",
    )


def test_the_addressee_has_exactly_one_colon(issuer):
    """A caller that ends the addressee with a colon no longer prints "中共平顶山市委组织部：："."""
    for recipients in ("中共平顶山市委组织部：", "中共平顶山市委组织部:", "中共平顶山市委组织部"):
        context = contexts.official_document_context(
            title="关于破格提拔王䶮同志的请示",
            blocks="妥否，请批示。",
            date=datetime.date(2026, 12, 6),
            recipients=recipients,
            signer="李堃",
            note="（联系人：李雪悦，联系电话：0375-5051234）",
            **contexts.issuer_fields(issuer),
        )
        assert context["recipients"] == "中共平顶山市委组织部"
        assert context["note"] == "联系人：李雪悦，联系电话：0375-5051234"  # the template adds the parentheses
        text = flat(
            issue_document(DocumentKind.REQUEST_FOR_CONSENT, issuer=issuer, template="documents/official_document.html", context=context)
        )
        assert "中共平顶山市委组织部：" in text and "：：" not in text and "（（" not in text


def test_dates_and_sentences_helpers():
    """DOMAIN.md §8.1: 2026年12月6日; a period in one year writes its year once, the month always."""
    assert cn_date(datetime.date(2026, 12, 6)) == "2026年12月6日"
    assert cn_date_range(datetime.date(2026, 12, 6), datetime.date(2026, 12, 11)) == "2026年12月6日至12月11日"
    assert cn_date_range(datetime.date(2026, 9, 29), datetime.date(2026, 10, 12)) == "2026年9月29日至10月12日"
    assert cn_date_range(datetime.date(2026, 12, 28), datetime.date(2027, 1, 8)) == "2026年12月28日至2027年1月8日"
    assert (
        join_sentences("同意公示。", "2026年12月6日至12月11日公示5个工作日，收到异议0件")
        == "同意公示。2026年12月6日至12月11日公示5个工作日，收到异议0件。"
    )
    assert join_sentences("同意公示。。", "", "好") == "同意公示。好。"


def test_award_form_notice_row_in_chinese_dates_without_doubled_full_stop(world):
    """The clerk's 审批表: "2026-12-06至2026-12-11" and "同意公示。。" (DOMAIN.md §8.1, §8.2 审核（公示）情况)."""
    subject = cadre(QT_CLEAN[0])
    with clock.frozen_at(MONDAY):
        case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", subject, award_kind="merit_3"))
    case = through_county(case, SUMMARY, review_opinion="材料齐全，同意公示。")
    notice = case.notices.get()
    text = flat(case.documents.get(kind="award_form"))
    assert f"材料齐全，同意公示。{cn_date_range(notice.start_date, notice.end_date)}公示{notice.working_days}个工作日" in text
    assert "。。" not in text and not ISO_DATE.search(text) and not YEAR_TWICE.search(text)


def _walks():
    from tests.test_readable import WALKS

    return WALKS


def test_every_kind_has_no_doubled_punctuation_and_only_chinese_dates(world):
    """Every document every process issues (the walks of tests/test_readable.py take every step of
    every process): no "：：", no "。。", no ISO date (DOMAIN.md §8.1), a period in one year with
    its year once; the numbered 公文 have their addressee, signature, date and 版记."""
    kinds = set()
    for name, (walk_fn, viewer, *_rest) in _walks().items():
        since = last_document_id()
        walk_fn(Walk(person(viewer)))
        for document in IssuedDocument.objects.filter(pk__gt=since).order_by("pk"):
            kinds.add(document.kind)
            text = flat(document)
            where = f"{name}: {document.kind} {document.title}"
            assert "：：" not in text, where
            assert "。。" not in text, where
            assert not ISO_DATE.search(text), (where, ISO_DATE.search(text).group())
            # The notice's 公示时间 line is the template's own (the layout engineer's; context key
            # ``period`` carries the range in this form); every other period is the contexts'.
            body = re.sub(r"公示时间：[^（。]*", "", text)
            assert not YEAR_TWICE.search(body), (where, YEAR_TWICE.search(body).group())
            # Forms and the certificate have no 版记; a 介绍信 is a one-page letter without one.
            no_closing = (
                DocumentKind.AWARD_FORM,
                DocumentKind.APPOINTMENT_FORM,
                DocumentKind.AWARD_CERTIFICATE,
                DocumentKind.INTRODUCTION_LETTER,
            )
            if document.kind not in no_closing:
                assert "印发" in text, f"{where}: no 版记"
                assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text), f"{where}: no date"
    assert kinds == set(DocumentKind.values), set(DocumentKind.values) - kinds
