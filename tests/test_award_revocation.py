"""撤销奖励 (公务员法 art. 56; DOMAIN.md §1.4): applied for by the original nominating unit,
decided by the approving authority, published as a numbered decision, recorded on the cadre."""

import datetime

import pytest

from records.models import Award
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, refresh, task_of, unit
from workflows import clock, services
from workflows.errors import ActionNotAllowed, FormInvalid
from workflows.models import InstanceStatus

pytestmark = pytest.mark.django_db


def test_revocation_runs_to_a_published_decision():
    revocation_runs_to_a_published_decision()


@pytest.mark.postgres
def test_revocation_runs_to_a_published_decision_on_postgresql():
    """The award is locked without the rows it joins: PostgreSQL refuses FOR UPDATE on an outer join."""
    revocation_runs_to_a_published_decision()


def revocation_runs_to_a_published_decision():
    load_world()
    subject = cadre(QT_CLEAN[0])
    award = Award.objects.create(
        cadre=subject,
        kind="merit_3",
        awarded_on=datetime.date(2026, 3, 1),
        decision_number="鲁组〔2026〕3号",
        approving_unit=unit("HA-PDS-LS"),
    )
    other = Award.objects.create(
        cadre=cadre(QT_CLEAN[1]), kind="commendation", awarded_on=datetime.date(2026, 3, 1), approving_unit=unit("HA-PDS-LS")
    )
    with clock.frozen_at(at("2026-10-12 09:00")):
        case = services.start_process(person("ls_qt_jbr"), "award_revocation", unit=unit("HA-PDS-LS-QT"), subject_cadre=subject)
        apply = task_of(case, "Task_apply")
        with pytest.raises(FormInvalid):  # someone else's award is not offered
            services.complete_task(person("ls_qt_jbr"), apply.pk, data={"award_id": other.pk, "ground": "fraud", "facts": "x"})
        services.complete_task(
            person("ls_qt_jbr"), apply.pk, data={"award_id": award.pk, "ground": "fraud", "facts": "经查，其申报材料中的救援人数系虚报。"}
        )
        review = task_of(case, "Task_review")
        assert review.unit == unit("HA-PDS-LS-ZZB")
        services.complete_task(person("ls_sh"), review.pk, action="approve", opinion="情况属实，建议撤销")
        approve = task_of(case, "Task_approve")
        with pytest.raises(ActionNotAllowed):
            services.complete_task(person("bf_sp"), approve.pk, action="approve", opinion="同意")
        services.complete_task(person("ls_sp"), approve.pk, action="approve", opinion="同意撤销")
    case = refresh(case)
    assert case.status == InstanceStatus.COMPLETED and case.outcome == "End_revoked"
    award.refresh_from_db()
    assert award.revoked and award.revoked_on == datetime.date(2026, 10, 12)
    assert award.benefits_stopped_on == datetime.date(2026, 10, 12)  # DOMAIN.md §1.4 "stops the benefits"
    decision = case.documents.get(kind="revocation_decision")
    assert decision.number == "鲁组〔2026〕1号"
