"""Who sees and may act on what, as the inbox and the lists show it (issue 12 "Tests that bite";
DOMAIN.md §9 separation of duties and recusal; PRODUCT.md "Per-unit roles").

The inbox is ``HumanTask.objects.inbox_for`` (``permissions.policy.inbox_filter``): one query
over the caller's grants. These tests put open tasks of every role on a case and check what
each person's inbox lists, besides the refusals of ``act_refusal``.
"""

import uuid

import pytest
from django.utils import timezone

from permissions import policy
from permissions.models import Grant, Unit
from permissions.roles import Role
from records.models import Cadre
from tests import factories as f
from workflows import services
from workflows.models import HumanTask, ProcessInstance

pytestmark = pytest.mark.django_db

JUDGING = [Role.REVIEWER, Role.APPROVER, Role.DISCIPLINE, Role.PUBLICITY_OFFICER]


@pytest.fixture
def tree():
    f.deploy_test_diagrams("engine/two_lanes_timer.bpmn")
    return f.small_tree()


def start(nominator, unit, subject=None, approving_unit=None):
    """A case of the two-lane test diagram, submitted: its 审批 task is open on ``approving_unit``."""
    case = services.start_process(
        nominator,
        "test_two_lanes",
        unit=unit,
        subject_cadre=subject,
        data={"approving_unit_id": (approving_unit or unit).pk, "approve_deadline": "2030-01-01T00:00:00+08:00"},
    )
    return case


def submit(nominator, case):
    services.complete_task(nominator, HumanTask.objects.get(instance=case, bpmn_id="Task_submit").pk)
    return HumanTask.objects.get(instance=case, bpmn_id="Task_approve")


def add_task(case, role, unit, **extra):
    """An open task of ``role`` on ``unit`` for the case (as the projection would write it)."""
    return HumanTask.objects.create(
        instance=case,
        definition=case.definition,
        task_uuid=uuid.uuid4(),
        bpmn_id=f"Task_{role}",
        name=Role(role).label,
        lane=role,
        role=role,
        unit=unit,
        unit_path=unit.path,
        created_at=timezone.now(),
        **extra,
    )


def inbox(user):
    return set(HumanTask.objects.inbox_for(user).values_list("pk", flat=True))


# --- several roles, several units -----------------------------------------------------------


def test_several_roles_on_one_unit_see_the_tasks_of_each(tree):
    """PRODUCT.md "Per-unit roles" / DOMAIN.md §9: a person holding several roles on a unit sees
    the open tasks of every one of them (the inbox ORs one clause per role)."""
    county = tree["county"]
    clerk = f.user("clerk", (Role.NOMINATOR, tree["township"]))
    case = start(clerk, tree["township"], approving_unit=county)
    approve = submit(clerk, case)  # (the projection after an engine step closes rows it did not open)
    tasks = {role: add_task(case, role, county) for role in (Role.REVIEWER, Role.DISCIPLINE, Role.PUBLICITY_OFFICER)}
    both = f.user("both", (Role.REVIEWER, county), (Role.APPROVER, county), (Role.PUBLICITY_OFFICER, county))
    assert inbox(both) == {approve.pk, tasks[Role.REVIEWER].pk, tasks[Role.PUBLICITY_OFFICER].pk}
    only_reviewer = f.user("only_reviewer", (Role.REVIEWER, county))
    assert inbox(only_reviewer) == {tasks[Role.REVIEWER].pk}


def test_several_roles_on_several_units_see_the_tasks_of_each(tree):
    """PRODUCT.md "Per-unit roles": roles on different units (one per county, and the nominating
    role on a township) add up in one inbox; a role held on one unit does not reach another."""
    clerk = f.user("clerk", (Role.NOMINATOR, tree["township"]))
    other_clerk = f.user("other_clerk", (Role.NOMINATOR, tree["other_township"]))
    here = submit(clerk, start(clerk, tree["township"], approving_unit=tree["county"]))
    there = submit(other_clerk, start(other_clerk, tree["other_township"], approving_unit=tree["other_county"]))
    waiting = start(other_clerk, tree["other_township"])  # its first step is open on the township
    first = HumanTask.objects.get(instance=waiting, bpmn_id="Task_submit")

    two_counties = f.user("two_counties", (Role.APPROVER, tree["county"]), (Role.APPROVER, tree["other_county"]))
    assert inbox(two_counties) == {here.pk, there.pk}
    mixed = f.user("mixed", (Role.APPROVER, tree["county"]), (Role.NOMINATOR, tree["other_township"]))
    assert inbox(mixed) == {here.pk, first.pk}
    # a direct grant on one unit and a subtree grant on another
    subtree = f.user("subtree", (Role.APPROVER, tree["county"]), (Role.NOMINATOR, tree["other_county"], True))
    assert inbox(subtree) == {here.pk, first.pk}
    assert inbox(f.user("nobody")) == set()
    # the same role held directly on one unit and with subordinates on another
    both_ways = f.user("both_ways", (Role.APPROVER, tree["county"]), (Role.APPROVER, tree["other_county"], True))
    assert inbox(both_ways) == {here.pk, there.pk}


def test_grant_covering_subordinates_reaches_below_but_not_beside(tree):
    """PRODUCT.md "Per-unit roles" (a grant may cover the unit's subordinates): a county grant
    with subordinates covers its townships, not the other county's; without, only the county."""
    clerk = f.user("clerk", (Role.NOMINATOR, tree["township"]))
    case = start(clerk, tree["township"])
    on_township = add_task(case, Role.REVIEWER, tree["township"])
    on_county = add_task(case, Role.REVIEWER, tree["county"])
    on_other = add_task(case, Role.REVIEWER, tree["other_township"])
    covering = f.user("covering", (Role.REVIEWER, tree["county"], True))
    direct = f.user("direct", (Role.REVIEWER, tree["county"]))
    whole_city = f.user("whole_city", (Role.REVIEWER, tree["city"], True))
    assert inbox(covering) == {on_township.pk, on_county.pk}
    assert inbox(direct) == {on_county.pk}
    assert inbox(whole_city) == {on_township.pk, on_county.pk, on_other.pk}

    assert policy.holds_role(covering, Role.REVIEWER, tree["township"])
    assert not policy.holds_role(covering, Role.REVIEWER, tree["other_township"])
    assert not policy.holds_role(direct, Role.REVIEWER, tree["township"])
    assert not policy.holds_role(covering, Role.APPROVER, tree["county"])


def test_units_with_role_include_the_granted_subtrees(tree):
    """PRODUCT.md "Per-unit roles": ``units_with_role`` (the start page's unit choice) lists the
    granted units and, for a grant covering subordinates, every unit below."""
    t = tree
    assert set(policy.units_with_role(f.user("plain", (Role.NOMINATOR, t["county"])), Role.NOMINATOR)) == {t["county"]}
    covering = f.user("covering", (Role.NOMINATOR, t["county"], True), (Role.NOMINATOR, t["other_township"]))
    assert set(policy.units_with_role(covering, Role.NOMINATOR)) == {t["county"], t["township"], t["other_township"]}
    two_subtrees = f.user("two", (Role.NOMINATOR, t["county"], True), (Role.NOMINATOR, t["other_county"], True))
    assert set(policy.units_with_role(two_subtrees, Role.NOMINATOR)) == set(Unit.objects.exclude(pk=t["city"].pk))
    assert set(policy.units_with_role(covering, Role.APPROVER)) == set()
    assert set(policy.units_with_role(f.user("none"), Role.NOMINATOR)) == set()


def test_an_inactive_user_holds_no_role(tree):
    """DOMAIN.md §9 "Every action is attributed to a named person": a deactivated account acts for nobody."""
    gone = f.user("gone", (Role.APPROVER, tree["county"]), is_active=False)
    assert not policy.holds_role(gone, Role.APPROVER, tree["county"])
    assert policy.holds_role(f.user("here", (Role.APPROVER, tree["county"])), Role.APPROVER, tree["county"])


def test_holders_of_a_role_on_a_unit(tree):
    """PRODUCT.md "Per-unit roles": who is notified of a task — direct holders and holders of an
    ancestor's grant covering subordinates, active ones only, each once."""
    direct = f.user("direct", (Role.APPROVER, tree["county"]))
    above = f.user("above", (Role.APPROVER, tree["city"], True), (Role.APPROVER, tree["county"]))
    f.user("above_only_city", (Role.APPROVER, tree["city"]))
    f.user("beside", (Role.APPROVER, tree["other_county"], True))
    f.user("inactive", (Role.APPROVER, tree["county"]), is_active=False)
    f.user("other_role", (Role.REVIEWER, tree["county"]))
    holders = policy.holders_of(Role.APPROVER, tree["county"])
    assert sorted(u.username for u in holders) == sorted([direct.username, above.username])


# --- separation of duties and recusal, as the inbox shows them ---------------------------------


@pytest.mark.parametrize("role", JUDGING)
def test_the_nominator_does_not_see_the_judging_tasks_of_their_case(tree, role):
    """DOMAIN.md §9 "The person who nominated may not also review or approve the same case"
    (JUDGING_ROLES: reviewer, approver, discipline, publicity officer): the judging task of their
    own case is not in their 待办 and acting on it is refused; a colleague's case is."""
    county = tree["county"]
    nominator = f.user("nominator", (Role.NOMINATOR, tree["township"]), (role, county))
    colleague = f.user("colleague", (Role.NOMINATOR, tree["township"]))
    own = start(nominator, tree["township"], approving_unit=county)
    other = start(colleague, tree["township"], approving_unit=county)
    own_task, other_task = add_task(own, role, county), add_task(other, role, county)
    judge = f.user("judge", (role, county))

    assert own_task.pk not in inbox(nominator) and other_task.pk in inbox(nominator)
    assert {own_task.pk, other_task.pk} <= inbox(judge)
    assert "推荐人" in policy.act_refusal(nominator, own_task)
    assert policy.act_refusal(nominator, other_task) is None
    assert policy.act_refusal(judge, own_task) is None


@pytest.mark.parametrize("role", JUDGING)
def test_whoever_acted_in_a_nominating_lane_does_not_see_the_judging_tasks(tree, role):
    """DOMAIN.md §9 (extended to the unit's collective decision, policy.NOMINATING_LANES): a unit
    leader who completed the case's 单位党组织 step does not see its judging tasks either."""
    county = tree["county"]
    clerk = f.user("clerk", (Role.NOMINATOR, tree["township"]))
    leader = f.user("leader", (Role.UNIT_LEADER, tree["township"]), (role, county))
    case = start(clerk, tree["township"], approving_unit=county)
    add_task(case, Role.UNIT_LEADER, tree["township"], closed_at=timezone.now(), completed_by=leader)
    judging = add_task(case, role, county)
    untouched = add_task(start(clerk, tree["township"], approving_unit=county), role, county)
    assert judging.pk not in inbox(leader) and untouched.pk in inbox(leader)
    assert f"您已办理本案的“{Role.UNIT_LEADER.label}”" in policy.act_refusal(leader, judging)
    assert policy.act_refusal(leader, untouched) is None


def test_the_nominator_does_not_see_the_unit_decision_of_their_case(tree):
    """DOMAIN.md §9: the nominating lanes in order (推荐 → 单位党组织): who nominated does not
    decide for the unit on the same case; the unit leader's own step stays open to the leader."""
    township = tree["township"]
    nominator = f.user("nominator", (Role.NOMINATOR, township), (Role.UNIT_LEADER, township))
    colleague = f.user("colleague", (Role.NOMINATOR, township))
    own = add_task(start(nominator, township), Role.UNIT_LEADER, township)
    other = add_task(start(colleague, township), Role.UNIT_LEADER, township)
    assert own.pk not in inbox(nominator) and other.pk in inbox(nominator)
    assert policy.lanes_barred_by(Role.UNIT_LEADER) == (Role.NOMINATOR,)
    assert policy.lanes_barred_by(Role.NOMINATOR) == ()
    assert policy.lanes_barred_by(Role.ADMIN) == ()
    assert HumanTask.objects.get(instance=own.instance, bpmn_id="Task_submit").pk in inbox(nominator)  # a nominator's own first step


@pytest.mark.parametrize("role", JUDGING)
def test_subject_and_relatives_do_not_see_the_case(tree, role):
    """DOMAIN.md §9 recusal: "Nobody acts on a task about themselves, their spouse or close
    relatives" — the case's tasks are not in the subject's or a relative's 待办, whichever side
    of the family record lists the relation; an unrelated holder sees them."""
    county = tree["county"]
    clerk = f.user("clerk", (Role.NOMINATOR, tree["township"]))
    subject_user = f.user("subject_user", (role, county))
    spouse_user = f.user("spouse_user", (role, county))
    child_user = f.user("child_user", (role, county))
    stranger = f.user("stranger", (role, county))
    subject = f.cadre("张喆", tree["township"], user=subject_user)
    f.relative(subject, f.cadre("李堃", county, user=spouse_user))  # listed on the subject's record
    f.relative(f.cadre("张赟", county, user=child_user), subject, relation="父亲")  # listed on the relative's record
    task = add_task(start(clerk, tree["township"], subject=f.cadre("王某", tree["township"]), approving_unit=county), role, county)
    about = add_task(start(clerk, tree["township"], subject=subject, approving_unit=county), role, county)

    for person in (subject_user, spouse_user, child_user):
        assert inbox(person) == {task.pk}
    assert inbox(stranger) == {about.pk, task.pk}
    assert "当事人，须回避" in policy.act_refusal(subject_user, about)
    assert "亲属" in policy.act_refusal(spouse_user, about) and "亲属" in policy.act_refusal(child_user, about)
    assert policy.act_refusal(stranger, about) is None
    assert policy.related_cadre_ids(stranger) == set()
    # The services check with the person's facts read in one statement: the same answers.
    outsider = f.user("outsider", (role, tree["township"]))
    inactive = f.user("inactive", (role, county))
    inactive.is_active = False
    inactive.save()
    for person in (subject_user, spouse_user, child_user, stranger, outsider, inactive):
        for case_task in (task, about):
            with_facts = policy.acting_for(person, case_task, facts=policy.person_facts(person))
            assert with_facts == policy.acting_for(person, case_task), (person.username, case_task.pk)
    assert "不具有" in policy.acting_for(outsider, about, facts=policy.person_facts(outsider))[1]
    assert "不具有" in policy.acting_for(inactive, about, facts=policy.person_facts(inactive))[1]


def test_related_cadre_ids_in_both_directions(tree):
    """DOMAIN.md §9 "close relatives … which the cadre record lists": the user's own record and
    every cadre linked to it, from either record; a relative without a record is not a cadre."""
    me = f.cadre("钱某", tree["township"], user=f.user("me"))
    wife, son, friend = f.cadre("孙某", tree["county"]), f.cadre("钱小某", tree["county"]), f.cadre("周某", tree["county"])
    f.relative(me, wife)
    f.relative(son, me, relation="父亲")
    f.relative(friend, f.cadre("吴某", tree["county"]))
    me.family.create(relation="母亲", name="李某")  # not a cadre: no id to add
    assert policy.related_cadre_ids(me.user) == {me.pk, wife.pk, son.pk}


def test_a_claimed_task_leaves_the_other_inboxes(tree):
    """PRODUCT.md (认领): a claimed task is listed only to the one who claimed it."""
    clerk = f.user("clerk", (Role.NOMINATOR, tree["township"]))
    approve = submit(clerk, start(clerk, tree["township"], approving_unit=tree["county"]))
    first = f.user("first", (Role.APPROVER, tree["county"]), first_name="王", last_name="审批")
    second = f.user("second", (Role.APPROVER, tree["county"]))
    services.claim(first, approve.pk)
    assert approve.pk in inbox(first) and approve.pk not in inbox(second)
    assert policy.act_refusal(second, HumanTask.objects.get(pk=approve.pk)) == "该任务已由王 审批认领"
    nameless = f.user("nameless", (Role.APPROVER, tree["county"]), first_name="")
    services.unclaim(first, approve.pk)
    services.claim(nameless, approve.pk)
    assert policy.act_refusal(second, HumanTask.objects.get(pk=approve.pk)) == "该任务已由nameless认领"


# --- the lists: cases and cadres ----------------------------------------------------------------


def test_cadre_lists_follow_the_grants(tree):
    """PRODUCT.md "Per-unit roles": the cadres a user sees are those of the units they hold a role
    on, and of the units below where the grant covers them."""
    t = tree
    people = {name: f.cadre(name, t[name]) for name in ("city", "county", "township", "other_township")}
    visible = lambda user: set(Cadre.objects.visible_to(user).values_list("name", flat=True))  # noqa: E731
    assert visible(f.user("county_only", (Role.REVIEWER, t["county"]))) == {"county"}
    assert visible(f.user("county_down", (Role.REVIEWER, t["county"], True))) == {"county", "township"}
    assert visible(f.user("two", (Role.REVIEWER, t["county"]), (Role.NOMINATOR, t["other_township"]))) == {"county", "other_township"}
    assert visible(f.user("city_down", (Role.ADMIN, t["city"], True))) == set(people)
    assert visible(f.user("direct_and_down", (Role.REVIEWER, t["city"]), (Role.REVIEWER, t["other_county"], True))) == {
        "city",
        "other_township",
    }
    assert visible(f.user("nothing")) == set()
    assert policy.granted_units_q(f.user("still_nothing"), "unit_id") is None


def test_case_list_follows_the_grants(tree):
    """PRODUCT.md "Per-unit roles": a case is listed to holders of a role on a unit it involved
    (directly or from above with subordinates) and to its starter, not to other units."""
    clerk = f.user("clerk", (Role.NOMINATOR, tree["township"]))
    case = start(clerk, tree["township"], approving_unit=tree["county"])
    listed = lambda user: ProcessInstance.objects.visible_to(user).filter(pk=case.pk).exists()  # noqa: E731
    assert listed(clerk)
    assert listed(f.user("from_above", (Role.REVIEWER, tree["county"], True)))
    assert not listed(f.user("county_only", (Role.REVIEWER, tree["county"])))  # not involved yet
    assert not listed(f.user("beside", (Role.REVIEWER, tree["other_county"], True)))
    Grant.objects.filter(user=clerk).delete()
    assert listed(clerk)  # the starter keeps seeing the case they started


def test_the_judging_roles_parameter_accepts_only_judging_roles():
    """DOMAIN.md §9 [default] (kept as a rule parameter): the roles barred to the nominator may be
    any of the judging roles, never an unknown role nor a nominating-unit role."""
    assert policy._roles(sorted(JUDGING)) is None
    assert policy._roles(["reviewer"]) is None
    for wrong in (["reviewer", "chairman"], ["nominator"], ["approver", "unit_leader"]):
        assert "不含推荐单位的角色" in policy._roles(wrong)
    assert "approver、discipline、publicity_officer、reviewer" in policy._roles(["nominator"])
    assert policy.judging_roles() == set(JUDGING)
