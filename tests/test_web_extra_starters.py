"""The start pages offer a process to those its process type lets start it besides the start
lane's role: the organisation department moving an exceptional promotion (DOMAIN.md §4.3 step 1)
and the approving authority starting a revocation (§1.4)."""

import pytest
from django.urls import reverse

from promotions.models import Proposal, ProposedBy
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, unit
from tests.promotion_helpers import proposal
from workflows import clock
from workflows.models import ProcessInstance

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")


@pytest.fixture
def world():
    load_world()


def test_the_organisation_department_sees_the_promotion_on_the_start_page(client, world):
    """DOMAIN.md §4.3 step 1: 动议 by the organisation department as well — offered where its
    grants reach, not elsewhere."""
    client.force_login(person("ls_sh"))  # reviewer of 鲁山县委组织部; holds no unit-leader role
    index = client.get(reverse("start")).content.decode()
    assert reverse("start_process", args=["exceptional_promotion"]) in index
    start = client.get(reverse("start_process", args=["exceptional_promotion"]))
    assert start.status_code == 200
    offered = {u.pk for u in start.context["choice"].fields["unit"].queryset}
    assert unit("HA-PDS-LS-QT").pk in offered  # a township of its county
    assert unit("HA-PDS-BF-TL").pk not in offered  # another county's township


def test_the_organisation_department_starts_a_promotion_through_the_page(client, world):
    client.force_login(person("ls_sh"))
    with clock.frozen_at(MONDAY):
        response = client.post(
            reverse("start_process", args=["exceptional_promotion"]),
            {"unit": unit("HA-PDS-LS-QT").pk, "cadre": cadre(QT_CLEAN[0]).pk, "action": "submit", **_form(proposal())},
        )
    case = ProcessInstance.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    record = Proposal.objects.get(instance=case)
    assert record.proposed_by_kind == ProposedBy.ORGANISATION_DEPT


def test_a_nominator_is_not_offered_the_promotion(client, world):
    """DOMAIN.md §4.3 step 1: neither the party committee nor the organisation department → not offered."""
    client.force_login(person("ls_qt_jbr"))
    assert reverse("start_process", args=["exceptional_promotion"]) not in client.get(reverse("start")).content.decode()
    assert client.get(reverse("start_process", args=["exceptional_promotion"])).status_code == 403


def test_the_approving_authority_is_offered_the_revocation(client, world):
    """DOMAIN.md §1.4 "applied for by the original nominating body or done by the approver"."""
    client.force_login(person("ls_sp"))  # approver of 鲁山县委
    assert reverse("start_process", args=["award_revocation"]) in client.get(reverse("start")).content.decode()
    start = client.get(reverse("start_process", args=["award_revocation"]))
    offered = {u.pk for u in start.context["choice"].fields["unit"].queryset}
    assert unit("HA-PDS-LS-QT").pk in offered and unit("HA-PDS-BF-TL").pk not in offered


def _form(data):
    """The proposal as the page posts it (lists as repeated fields, booleans as 'on')."""
    out = {}
    for key, value in data.items():
        if isinstance(value, bool):
            if value:
                out[key] = "on"
        else:
            out[key] = value
    return out


def test_a_proposal_the_department_moved_comes_back_to_its_inbox_when_refused(world):
    """DOMAIN.md §4.2 (refused with the reason, back to the proposal) and §9: the 动议 the
    organisation department moved is its own step — it reappears in the mover's 待办, while the
    later judging steps stay out of it."""
    from workflows import services
    from workflows.models import HumanTask

    subject = cadre(QT_CLEAN[0])
    subject.canvassing_flag = True
    subject.save()
    with clock.frozen_at(MONDAY):
        case = services.start_and_submit(
            person("ls_sh"), "exceptional_promotion", unit=unit("HA-PDS-LS-QT"), subject_cadre=subject, data=proposal(), opinion="动议"
        )
    returned = HumanTask.objects.get(instance=case, bpmn_id="Task_propose")
    assert HumanTask.objects.inbox_for(person("ls_sh")).filter(pk=returned.pk).exists()
