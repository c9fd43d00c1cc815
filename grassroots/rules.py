"""Who may be ranked for grassroots priority promotion, and the share of county leaders with
township-principal experience (DOMAIN.md §4.4: seed 004 art. 8(四), seed 000 #5).

- Seed 004 art. 8(四) [law for this city]: each year **10** 乡（镇、街道）党政正职 and 县（市、区）直部门
  主要负责人 are ranked — from the annual target, party-building and key-work assessments — for
  priority promotion; the members of county party and government teams with township-principal
  experience should reach **about 50%**.
- Who counts [default]: a township principal is a cadre of 乡科级正职 in a township-level unit; a
  county department head is a cadre of 乡科级正职 in a county-level department. A past post is a
  township principal post when it was held in a township-level unit and names a 书记, 乡长, 镇长
  or 主任 that is not a deputy's (副) — ``PRINCIPAL_POST``.
- Not rankable [default]: a cadre barred from promotion (``records.rules.promotion_bars``, DOMAIN.md
  §2) — the list is a list for promotion.
"""

from django.db.models import Case, Count, Exists, F, OuterRef, Q, When

from permissions.models import Unit, UnitKind, UnitLevel
from records.models import Cadre, PostHistory, RankLevel

LIST_SIZE = 10  # seed 004 art. 8(四): "综合评定10名"
SHARE_AIM = 50  # per cent, seed 004 art. 8(四): "逐步达到50%左右"
PRINCIPAL_WORDS = ("书记", "乡长", "镇长", "主任")
COUNTY_LEADER_RANKS = (RankLevel.COUNTY_PRINCIPAL, RankLevel.COUNTY_DEPUTY)


def candidates(area):
    """Cadres of ``area`` (a party committee's tree) who may be ranked: township principals and
    county department heads."""
    township = Q(unit__level=UnitLevel.TOWNSHIP)
    county_department = Q(unit__level=UnitLevel.COUNTY, unit__kind=UnitKind.DEPARTMENT)
    return (
        Cadre.objects.filter(unit__path__startswith=area.path, rank_level=RankLevel.TOWNSHIP_PRINCIPAL)
        .filter(township | county_department)
        .select_related("unit")
        .order_by("unit__path", "name")
    )


# A principal's title not preceded by 副: "党委书记", "党委副书记、镇长" (the township head is a
# principal, though also the deputy party secretary) and "街道办事处主任" count; "党委副书记" and
# "副镇长" do not. The same pattern in Python's re (SQLite) and PostgreSQL's regular expressions.
PRINCIPAL_POST = "(^|[^副])(" + "|".join(PRINCIPAL_WORDS) + ")"


def township_principal_experience():
    """Exists(...) on Cadre: a township principal post in the cadre's post history."""
    return Exists(PostHistory.objects.filter(post__regex=PRINCIPAL_POST, cadre=OuterRef("pk"), post_unit__level=UnitLevel.TOWNSHIP))


def leader_shares(area):
    """Per county of ``area``: its team members and how many have township-principal experience,
    and the total row (``county`` None) — one grouped query, however many counties the area has.

    A member's county is their unit when it is the county committee, else the unit's parent (the
    county government sits under its committee)."""
    county = Case(When(unit__kind=UnitKind.PARTY_COMMITTEE, then=F("unit_id")), default=F("unit__parent_id"))
    leaders = Cadre.objects.filter(
        unit__path__startswith=area.path,
        unit__level=UnitLevel.COUNTY,
        unit__kind__in=(UnitKind.PARTY_COMMITTEE, UnitKind.GOVERNMENT),
        rank_level__in=COUNTY_LEADER_RANKS,
    )
    counted = (
        leaders.annotate(county_id=county)
        .values("county_id")
        .annotate(leaders=Count("pk"), experienced=Count("pk", filter=township_principal_experience()))
        .order_by()
    )
    by_county = {row["county_id"]: row for row in counted}
    counties = Unit.objects.in_bulk(list(by_county)) if by_county else {}
    rows = sorted(
        (ShareRow(counties[pk], row["leaders"], row["experienced"]) for pk, row in by_county.items() if pk in counties),
        key=lambda row: row.county.path,
    )
    return rows, ShareRow(None, sum(r.leaders for r in rows), sum(r.experienced for r in rows))


class ShareRow:
    def __init__(self, county, leaders, experienced):
        self.county, self.leaders, self.experienced = county, leaders, experienced

    @property
    def share(self):
        return round(100 * self.experienced / self.leaders, 1) if self.leaders else None

    @property
    def short(self):
        """True when the share is below the aim (seed 004 art. 8(四): about 50%)."""
        return self.share is not None and self.share < SHARE_AIM
