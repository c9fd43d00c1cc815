"""Routing up the unit tree from every kind of unit, and the unit tree itself (issue 12 "Tests
that bite"; DOMAIN.md §1.2 审批权限 and its routing consequence, §4.3 steps 1–2).

The tree mirrors the demo's: each party committee (党委) has beside it, as its children, a
government (政府), an organisation department (组织部门), an HR bureau (人社部门), a discipline body
(纪检监察) and an ordinary work department; townships hang under the county committee. The
DMN ``award_approval_authority`` gives (committee level, department level) per award kind:
嘉奖/记三等功 (county, city), 记二等功 (city, province), 记一等功/授予称号 (province, central).
"""

import pytest
from django.core.exceptions import ValidationError

from permissions.models import Grant, Unit, UnitKind, UnitLevel
from permissions.roles import Role
from permissions.routing import LEVEL_ORDER, NoApprovingAuthority, approving_unit, area_of, bodies, level_order
from promotions.routing import NoDecidingCommittee, route
from tests import factories as f

pytestmark = pytest.mark.django_db

K = UnitKind
COMMENDATION, MERIT_2, MERIT_1 = ("county", "city"), ("city", "province"), ("province", "central")


def area(code, name, level, parent=None, *, prefix="", with_bodies=True):
    committee = f.unit(code, f"{name}委", level, K.PARTY_COMMITTEE, parent)
    units = {"committee": committee}
    if with_bodies:
        units["gov"] = f.unit(f"{code}-GOV", f"{name}政府", level, K.GOVERNMENT, committee)
        units["org"] = f.unit(f"{code}-ZZB", f"{name}委组织部", level, K.ORGANISATION_DEPT, committee)
        units["hr"] = f.unit(f"{code}-RSJ", f"{name}人社局", level, K.HR_BUREAU, committee)
        units["jw"] = f.unit(f"{code}-JW", f"{name}纪委监委", level, K.DISCIPLINE, committee)
        units["dept"] = f.unit(f"{code}-JYJ", f"{name}教育局", level, K.DEPARTMENT, committee)
        units["org"].document_prefix = prefix
        units["org"].save()
    return units


@pytest.fixture
def t():
    province = area("P", "省", UnitLevel.PROVINCE, prefix="豫组")
    city = area("P-C", "市", UnitLevel.CITY, province["committee"], prefix="平组")
    county = area("P-C-X", "县", UnitLevel.COUNTY, city["committee"])  # its organisation department issues nothing
    township = f.unit("P-C-X-T", "镇", UnitLevel.TOWNSHIP, K.TOWNSHIP, county["committee"])
    return {"province": province, "city": city, "county": county, "township": township}


# --- DOMAIN.md §1.2: the approving unit from each kind of nominating unit ------------------------


@pytest.mark.parametrize(
    "where, kind, authority, expected",
    [
        # a government is a committee kind: it approves at its own level when that suffices
        ("county", "gov", COMMENDATION, ("county", "gov")),
        ("county", "gov", MERIT_2, ("city", "committee")),
        ("city", "gov", MERIT_2, ("city", "gov")),
        ("city", "gov", MERIT_1, ("province", "committee")),
        ("province", "gov", MERIT_1, ("province", "gov")),
        # an HR bureau or organisation department is a work department: city level or above for 嘉奖
        ("county", "hr", COMMENDATION, ("county", "committee")),
        ("city", "hr", COMMENDATION, ("city", "hr")),
        ("city", "hr", MERIT_2, ("city", "committee")),
        ("province", "hr", MERIT_2, ("province", "hr")),
        ("province", "hr", MERIT_1, ("province", "committee")),
        ("county", "org", COMMENDATION, ("county", "committee")),
        ("city", "org", COMMENDATION, ("city", "org")),
        ("city", "org", MERIT_2, ("city", "committee")),
        ("province", "org", MERIT_2, ("province", "org")),
        ("province", "org", MERIT_1, ("province", "committee")),
        # the committees themselves, and the ordinary department for comparison
        ("county", "committee", COMMENDATION, ("county", "committee")),
        ("city", "committee", MERIT_2, ("city", "committee")),
        ("city", "dept", COMMENDATION, ("city", "dept")),
        ("county", "dept", COMMENDATION, ("county", "committee")),
        # a discipline body is neither a committee nor a work department: its committee approves
        ("city", "jw", COMMENDATION, ("city", "committee")),
    ],
)
def test_approving_unit_from_every_kind_of_unit(t, where, kind, authority, expected):
    """DOMAIN.md §1.2: "the approving unit is the nearest unit on the path from the nominating unit
    to the root that satisfies the table" — a committee or government at the committee level or
    above, or a work department (组织部门, 人社部门 included) at the department level or above."""
    assert approving_unit(t[where][kind], *authority) == t[expected[0]][expected[1]]


def test_level_boundaries_of_the_authority(t):
    """DOMAIN.md §1.2: "at … level or above" — the level itself qualifies, the one below does not."""
    township, county, city = t["township"], t["county"], t["city"]
    assert approving_unit(township, "county", "city") == county["committee"]
    assert approving_unit(township, "township", "township") == county["committee"]  # a township is neither kind
    assert approving_unit(county["gov"], "county", "county") == county["gov"]
    assert approving_unit(county["hr"], "province", "county") == county["hr"]
    assert approving_unit(county["hr"], "province", "city") == t["province"]["committee"]
    assert approving_unit(city["gov"], "city", "central") == city["gov"]
    assert approving_unit(city["hr"], "central", "city") == city["hr"]
    assert [LEVEL_ORDER[x] for x in ("township", "county", "city", "province", "central")] == [1, 2, 3, 4, 5]
    # the ranks the eligibility table compares (awards.facts: township 1 … central 5, 0 for "no earlier award")
    assert level_order() == {"township": 1, "county": 2, "city": 3, "province": 4, "central": 5}


def test_no_authority_is_refused(t):
    """DOMAIN.md §1.2 (kept as a DMN table): an unknown kind ("none") or a tree with no unit high
    enough is refused with a message naming the nominating unit."""
    with pytest.raises(NoApprovingAuthority, match="审批权限表"):
        approving_unit(t["township"], "none", "none")
    with pytest.raises(NoApprovingAuthority, match="审批权限表"):
        approving_unit(t["township"], "county", "none")
    with pytest.raises(NoApprovingAuthority, match="镇"):
        approving_unit(t["township"], "central", "central")


# --- the bodies of the approving unit's area ----------------------------------------------------


def test_bodies_of_a_government_are_its_committees(t):
    """DOMAIN.md §1.3 steps 2–3: the area's discipline body gives the integrity opinion; its
    organisation department reviews and publishes; a government approves as a committee does."""
    city = t["city"]
    got = bodies(city["gov"])
    assert area_of(city["gov"]) == city["committee"]
    assert got == {
        "approving_unit_id": city["gov"].pk,
        "approving_unit_name": city["gov"].name,
        "approving_level": "city",
        "review_unit_id": city["org"].pk,
        "publicity_unit_id": city["org"].pk,
        "discipline_unit_id": city["jw"].pk,
        "issuer_unit_id": city["org"].pk,  # it has a document prefix (平组)
    }


@pytest.mark.parametrize("kind", ["hr", "org", "dept"])
def test_a_department_approving_reviews_and_publishes_itself(t, kind):
    """DOMAIN.md §1.2 "A city-level department may approve 嘉奖/记三等功 for its own staff": an
    HR bureau, organisation department or bureau approving reviews and publishes itself; the
    discipline body is the area's."""
    city = t["city"]
    got = bodies(city[kind])
    assert area_of(city[kind]) == city["committee"]
    assert (got["review_unit_id"], got["publicity_unit_id"], got["discipline_unit_id"]) == (city[kind].pk, city[kind].pk, city["jw"].pk)
    issuer = city["org"] if kind == "org" else city[kind]
    assert got["issuer_unit_id"] == issuer.pk


def test_issuer_without_a_document_prefix_is_the_approving_unit(t):
    """DOMAIN.md §8.1: the issuer mark and document number are the organisation department's when
    it issues documents (has a 代字); otherwise the approving unit's."""
    county = t["county"]
    got = bodies(county["committee"])
    assert got["review_unit_id"] == county["org"].pk and got["issuer_unit_id"] == county["committee"].pk
    assert area_of(county["committee"]) == county["committee"]
    assert area_of(t["township"]) == county["committee"]


def test_an_area_without_its_bodies_falls_back_on_itself(t):
    """DOMAIN.md §1.3: with no discipline body or organisation department in the tree, the committee
    (or the approving unit) itself holds those steps rather than nobody."""
    bare = area("B", "孤", UnitLevel.COUNTY, t["city"]["committee"], with_bodies=False)["committee"]
    got = bodies(bare)
    assert (got["review_unit_id"], got["discipline_unit_id"], got["issuer_unit_id"]) == (bare.pk, bare.pk, bare.pk)
    lone_dept = f.unit("L", "孤立局", UnitLevel.CITY, K.DEPARTMENT)
    assert area_of(lone_dept) == lone_dept
    assert bodies(lone_dept)["discipline_unit_id"] == lone_dept.pk


# --- DOMAIN.md §4.3: the deciding committee and the consenting department of a promotion ----------


@pytest.mark.parametrize("kind", ["gov", "hr", "org", "dept", "committee"])
def test_promotion_route_from_every_kind_of_county_unit(t, kind):
    """DOMAIN.md §4.3 steps 1–2: the area's party committee decides, its organisation department
    inspects, the organisation department one level up consents — from a government, HR bureau,
    organisation department, bureau or the committee itself alike."""
    county, city = t["county"], t["city"]
    got = route(county[kind])
    assert got["approving_unit_id"] == county["committee"].pk
    assert got["review_unit_id"] == county["org"].pk and got["discipline_unit_id"] == county["jw"].pk
    assert got["consent_unit_id"] == city["org"].pk and got["consent_unit_name"] == city["org"].name
    assert got["review_unit_name"] == county["org"].name


def test_promotion_route_from_a_township_and_from_the_top(t):
    """DOMAIN.md §4.3 step 2: a township's promotion is decided by its county and consented by the
    city; the top committee has no higher department to consent, so it is refused."""
    assert route(t["township"])["consent_unit_id"] == t["city"]["org"].pk
    assert route(t["city"]["hr"])["consent_unit_id"] == t["province"]["org"].pk
    with pytest.raises(NoDecidingCommittee, match="没有上级党委"):
        route(t["province"]["gov"])
    with pytest.raises(NoDecidingCommittee, match="所属的党委"):
        route(f.unit("L", "孤立局", UnitLevel.CITY, K.DEPARTMENT))


# --- the unit tree (permissions/models.py) ----------------------------------------------------------


def test_paths_ancestors_and_descendants(t):
    """PRODUCT.md "Per-unit roles" (a materialised path makes "this unit and below" one prefix match)."""
    county, city, province = t["county"]["committee"], t["city"]["committee"], t["province"]["committee"]
    township = t["township"]
    assert township.path == f"/{province.pk}/{city.pk}/{county.pk}/{township.pk}/"
    assert township.ancestors() == [township, county, city, province]
    assert township.ancestors(include_self=False) == [county, city, province]
    assert set(county.descendants()) == {county, township, *[u for k, u in t["county"].items() if k != "committee"]}
    assert county not in set(county.descendants(include_self=False)) and township in set(county.descendants(include_self=False))
    assert township.is_within(county) and township.is_within(township) and not county.is_within(township)
    assert not t["city"]["gov"].is_within(county)
    assert [u.level_rank for u in (township, county, city, province)] == [1, 2, 3, 4]


def test_moving_a_unit_moves_its_subtree(t):
    """A unit moved under another parent carries its subtree (paths rewritten), so grants covering
    subordinates follow the tree."""
    township, county, other = t["township"], t["county"]["committee"], t["city"]["gov"]
    county.parent = other
    county.save()
    township.refresh_from_db()
    assert county.path == f"{other.path}{county.pk}/"
    assert township.path == f"{county.path}{township.pk}/"
    assert Unit.objects.get(pk=t["county"]["hr"].pk).path == f"{county.path}{t['county']['hr'].pk}/"
    assert Unit.objects.get(pk=t["city"]["hr"].pk).path == f"{t['city']['committee'].path}{t['city']['hr'].pk}/"  # untouched
    county.save()  # saving without a move rewrites nothing
    assert Unit.objects.get(pk=township.pk).path == township.path


def test_a_unit_cannot_be_its_own_ancestor(t):
    """The unit tree has no cycles: a unit may not be placed under itself or its subtree."""
    county = t["county"]["committee"]
    county.parent = t["township"]
    with pytest.raises(ValidationError):
        county.clean()
    county.parent = county
    with pytest.raises(ValidationError):
        county.clean()
    county.parent = t["province"]["committee"]
    county.clean()


def test_grant_label_names_the_scope(t):
    """PRODUCT.md "Per-unit roles": a grant reads as person · role @ unit, with （含下级） when it covers subordinates."""
    person = f.user("someone", (Role.REVIEWER, t["city"]["org"], True), (Role.APPROVER, t["city"]["gov"]))
    covering = Grant.objects.get(user=person, role=Role.REVIEWER)
    plain = Grant.objects.get(user=person, role=Role.APPROVER)
    assert str(covering).endswith("（含下级）") and not str(plain).endswith("（含下级）")
    assert str(t["township"]) == "镇"
