"""Notice length per process as a dated administrator table, issue 12 (DOMAIN.md §1.3 item 4 "not less
than 5 working days [default 5, configurable per process type]"; §4.3 step 6; §6)."""

import datetime

import pytest

from notices import desk
from notices.forms import PublishForm
from notices.models import Notice, NoticeRule
from notices.rules import notice_rule
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, refresh, task_of, to_publish
from tests.promotion_helpers import consent, meeting, propose, recommend_inspect
from workflows import clock
from workflows.errors import InvalidAction

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")
PUBLISHING = at("2026-09-29 08:30")


@pytest.fixture
def world():
    load_world()


def at_publish(process="merit_citation"):
    with clock.frozen_at(MONDAY):
        if process == "merit_citation":
            return to_publish(cadre(QT_CLEAN[0]))
        case = recommend_inspect(propose(cadre(QT_CLEAN[0])))
        consent(case, "Task_consent_late")
        return meeting(refresh(case))


def edit(process_id, **values):
    """What the administrator does in the admin: change the row in force."""
    rule = NoticeRule.objects.get(process_id=process_id)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.full_clean()
    rule.save()


def publish_form(case, days, start="2026-09-29"):
    notice = Notice.objects.create(
        issuer=task_of(case, "Task_publish").unit,
        title="t",
        start_date=datetime.date.fromisoformat(start),
        end_date=datetime.date.fromisoformat(start),
        contact="x",
        process_id=case.definition.process_id,
        created_by=person("ls_gs"),
    )
    notice.cases.set([case])
    return PublishForm({"notice_id": notice.pk, "notice_start": start, "notice_days": days}, instance=case)


def test_the_table_is_prefilled_with_the_rule_books_values(world):
    """DOMAIN.md §1.3 item 4 [default 5]: every process with a notice has its row, citing its source."""
    rows = {r.process_id: r for r in NoticeRule.objects.all()}
    assert set(rows) >= {"merit_citation", "exceptional_promotion", "secondment_selection"}
    for row in rows.values():
        assert (row.minimum_working_days, row.maximum_working_days) == (5, 30) and "规则手册" in row.basis


def test_raising_the_minimum_refuses_a_shorter_notice(world):
    """DOMAIN.md §1.3 item 4 "configurable per process type": an administrator sets 7 for merit
    citations; the publish form and the notice desk refuse 5 and 6 and accept 7."""
    case = at_publish()
    with clock.frozen_at(PUBLISHING):
        assert publish_form(case, 5).is_valid()
        edit("merit_citation", minimum_working_days=7)
        form = publish_form(case, 6)
        assert not form.is_valid() and "7" in str(form.errors["notice_days"])
        assert publish_form(case, 7).is_valid()
        with pytest.raises(InvalidAction, match="不得少于7个工作日"):
            desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], working_days=5, contact="组织部")
        notice = desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="组织部")
    assert notice.working_days == 7  # the default length is the rule's minimum


def test_lowering_the_maximum_refuses_a_longer_notice(world):
    case = at_publish()
    with clock.frozen_at(PUBLISHING):
        assert publish_form(case, 12).is_valid()
        edit("merit_citation", maximum_working_days=10)
        form = publish_form(case, 12)
        assert not form.is_valid() and "不得超过10个工作日" in str(form.errors["notice_days"])
        with pytest.raises(InvalidAction, match="不得超过10个工作日"):
            desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], working_days=12, contact="组织部")
        assert desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], working_days=10, contact="组织部")


def test_each_process_has_its_own_rule(world):
    """DOMAIN.md §1.3 item 4 "per process type", §4.3 step 6: changing the promotion's 任前公示
    leaves the merit citation's notice as it was."""
    edit("exceptional_promotion", minimum_working_days=8)
    promotion, award = at_publish("exceptional_promotion"), at_publish()
    with clock.frozen_at(PUBLISHING):
        assert not publish_form(promotion, 7).is_valid()
        assert publish_form(promotion, 8).is_valid()
        assert publish_form(award, 5).is_valid()
        assert desk.minimum_notice_days("exceptional_promotion") == 8 and desk.minimum_notice_days("merit_citation") == 5


def test_a_dated_row_applies_from_its_effective_date(world):
    """A new rule with a later effective date changes the length from that day on; a notice starting
    before it keeps the rule in force on its start date."""
    NoticeRule.objects.create(
        process_id="merit_citation",
        minimum_working_days=10,
        maximum_working_days=30,
        effective_from=datetime.date(2026, 10, 1),
        basis="测试：本地规定自2026年10月1日起公示10个工作日",
    )
    assert notice_rule("merit_citation", datetime.date(2026, 9, 30)).minimum_working_days == 5
    assert notice_rule("merit_citation", datetime.date(2026, 10, 1)).minimum_working_days == 10
    case = at_publish()
    with clock.frozen_at(PUBLISHING):
        assert publish_form(case, 5, start="2026-09-29").is_valid()
        assert not publish_form(case, 5, start="2026-10-08").is_valid()
        assert publish_form(case, 10, start="2026-10-08").is_valid()


def test_a_rule_with_its_maximum_below_its_minimum_is_refused(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        edit("merit_citation", minimum_working_days=8, maximum_working_days=6)
    assert notice_rule("merit_citation").minimum_working_days == 5
