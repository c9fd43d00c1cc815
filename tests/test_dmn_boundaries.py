"""Every decision table in ``bpmn/dmn``, evaluated itself, at and either side of each boundary
(issue 12 "Tests that bite"). Each table is read from its file and run by SpiffWorkflow's DMN
engine with the sandboxed script engine (``workflows.decisions``, as a business-rule task runs
it); the expected outcomes come from DOMAIN.md, never from the table.

Tables in COLLECT hit policy list every matching row in table order and end with a catch-all
"ok" row; FIRST tables give the first matching row.
"""

from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

from workflows import decisions

DMN_DIR = Path(__file__).resolve().parent.parent / "bpmn" / "dmn"
NS = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}


def evaluate(table, **data):
    """Run ``bpmn/dmn/<table>.dmn`` (decision id = file name) against ``data``."""
    text = (DMN_DIR / f"{table}.dmn").read_text(encoding="utf-8")
    files = {f"dmn/{table}.dmn": text}
    definition = SimpleNamespace(pk=f"file:{table}", content_hash=str(hash(text)), deployed_files=lambda: files, process_id=table)
    return decisions.evaluate(definition, table, data)


def input_expressions(table):
    tree = etree.parse(str(DMN_DIR / f"{table}.dmn"))
    return [e.text for e in tree.iterfind(".//dmn:inputExpression/dmn:text", NS)]


def one_year(table, facts_name):
    """DOMAIN.md §4.2/§5 "less than 1 year": in whatever unit the table reads the time since the
    last promotion — 365 days, or 12 calendar months (issue 12: "one year is a calendar year")."""
    for expression in input_expressions(table):
        if expression == f'{facts_name}["months_since_promotion"]':
            return "months_since_promotion", 12
        if expression == f'{facts_name}["days_since_promotion"]':
            return "days_since_promotion", 365
    raise AssertionError(f"{table}: no input reads the time since the last promotion")


# --- award_approval_authority (DOMAIN.md §1.2) -------------------------------------------------------


@pytest.mark.parametrize(
    "kind, committee, department",
    [
        ("commendation", "county", "city"),
        ("merit_3", "county", "city"),
        ("merit_2", "city", "province"),
        ("merit_1", "province", "central"),
        ("title", "province", "central"),
    ],
)
def test_award_approval_authority_every_row(kind, committee, department):
    """DOMAIN.md §1.2 table: 嘉奖/记三等功 — committee or government at county level or above, or a
    work department of a city-level or higher one; 记二等功 — city / provincial department;
    记一等功 — province / central state organ; 授予称号 — province / central state organs."""
    assert dict(evaluate("award_approval_authority", award_kind=kind)) == {
        "committee_min_level": committee,
        "department_min_level": department,
    }


@pytest.mark.parametrize("kind", ["", "merit_4", "Commendation"])
def test_award_approval_authority_unknown_kind_has_no_authority(kind):
    """DOMAIN.md §1.2: a kind the table does not list gets no authority ("none"), which the route
    service refuses with a clear message rather than guessing a level."""
    assert dict(evaluate("award_approval_authority", award_kind=kind)) == {"committee_min_level": "none", "department_min_level": "none"}


# --- award_eligibility (DOMAIN.md §1.4, §2, §3) -------------------------------------------------------

AWARD_LEVELS = {"township": 1, "county": 2, "city": 3, "province": 4, "central": 5}


def award_facts(**overrides):
    """A clean record: nothing running, 称职, no earlier award for the deed; a 嘉奖 approved by a city authority."""
    facts = {
        "sanction_running": False,
        "sanction_summary": "",
        "investigation_open": False,
        "latest_grade": "competent",
        "latest_grade_label": "称职",
        "latest_grade_year": 2025,
        "award_rank": 1,
        "approving_level_rank": AWARD_LEVELS["city"],
        "approving_level_label": "市级",
        "deed_prior_award_rank": 0,
        "deed_prior_award_label": "",
        "deed_prior_award_number": "",
        "deed_prior_level_rank": 0,
        "deed_prior_level_label": "",
    }
    facts.update(overrides)
    return facts


def award_rules(**overrides):
    result = evaluate("award_eligibility", facts=award_facts(**overrides))
    assert result["eligibility_rule"][-1] == "ok"  # the catch-all always matches, last
    return result["eligibility_rule"][:-1]


def test_award_eligibility_clean_record_passes():
    """DOMAIN.md §1.4: a cadre with no disqualifier is eligible (only the catch-all row matches)."""
    assert award_rules() == []


@pytest.mark.parametrize("running, failed", [(True, ["sanction_effect_period"]), (False, [])])
def test_award_eligibility_sanction(running, failed):
    """DOMAIN.md §1.4 "During a sanction's effect period no promotion … the same is applied to awards"; §3."""
    assert award_rules(sanction_running=running, sanction_summary="警告") == failed


@pytest.mark.parametrize("open_, failed", [(True, ["open_investigation"]), (False, [])])
def test_award_eligibility_investigation(open_, failed):
    """DOMAIN.md §1.4 "Under investigation (立案审查调查, not closed): no award"."""
    assert award_rules(investigation_open=open_) == failed


@pytest.mark.parametrize("grade, failed", [("basic", True), ("incompetent", True), ("competent", False), ("excellent", False), ("", False)])
def test_award_eligibility_grade(grade, failed):
    """DOMAIN.md §2 (seed 004 art. 6): 基本称职 or 不称职 bars the award; 称职, 优秀 and no grade yet do not."""
    assert award_rules(latest_grade=grade, latest_grade_label="x") == (["assessment_grade"] if failed else [])


@pytest.mark.parametrize(
    "prior_level, refused",
    [("county", False), ("city", True), ("province", True)],
)
def test_award_eligibility_deed_rewarded_at_the_same_or_a_higher_level(prior_level, refused):
    """DOMAIN.md §1.4 "A deed already rewarded by a higher level may not be rewarded again by a lower
    level": a city authority may not reward a deed a city or province authority already rewarded,
    even with a higher award; a county's earlier reward does not bar it on this rule."""
    rules = award_rules(
        award_rank=3,
        deed_prior_award_rank=1,
        deed_prior_level_rank=AWARD_LEVELS[prior_level],
        deed_prior_award_label="嘉奖",
        deed_prior_level_label="x",
    )
    assert ("deed_rewarded_at_level" in rules) is refused


@pytest.mark.parametrize("prior_rank, refused", [(1, False), (2, True), (3, True)])
def test_award_eligibility_higher_level_must_raise_the_award(prior_rank, refused):
    """DOMAIN.md §1.4 "no repeated bonus for one deed": a higher level (city after county) may
    reward the deed again only with a higher award — the same or a lower one is refused."""
    rules = award_rules(
        award_rank=2, deed_prior_award_rank=prior_rank, deed_prior_level_rank=AWARD_LEVELS["county"], deed_prior_award_label="x"
    )
    assert rules == (["deed_not_raised"] if refused else [])


def test_award_eligibility_same_level_gives_one_reason_only():
    """DOMAIN.md §1.4: at the same level the deed is simply not rewarded again (one reason); the
    "raise the award" rule is for a higher level only."""
    rules = award_rules(
        award_rank=1,
        deed_prior_award_rank=1,
        deed_prior_level_rank=AWARD_LEVELS["city"],
        deed_prior_award_label="x",
        deed_prior_level_label="x",
    )
    assert rules == ["deed_rewarded_at_level"]


def test_award_eligibility_lists_every_failure_in_order():
    """DOMAIN.md §1.4: the outcome lists every failed rule, not just the first."""
    rules = award_rules(
        sanction_running=True,
        investigation_open=True,
        latest_grade="basic",
        deed_prior_award_rank=1,
        deed_prior_level_rank=AWARD_LEVELS["province"],
        deed_prior_award_label="x",
        deed_prior_level_label="x",
    )
    assert rules == ["sanction_effect_period", "open_investigation", "assessment_grade", "deed_rewarded_at_level"]


# --- promotion_hard_limits (DOMAIN.md §4.2) ------------------------------------------------------------


def limit_facts(**overrides):
    """A clean candidate: promoted long ago (ordinarily), one grade up, 称职, nothing running."""
    facts = {
        "in_probation": False,
        "probation_end": "",
        "days_since_promotion": 3650,
        "months_since_promotion": 120,
        "last_promotion_on": "2016年9月1日",
        "last_promotion_exceptional": False,
        "last_promotion_broke_tenure": False,
        "proposal_breaks_tenure": True,
        "step_gap": 1,
        "target_level_label": "乡科级正职",
        "current_level_label": "乡科级副职",
        "previous_grade": "competent",
        "previous_grade_label": "称职",
        "previous_year": 2025,
        "effect_period_running": False,
        "effect_period_summary": "",
        "investigation_open": False,
        "canvassing": False,
        "naked_official": False,
        "special_post": False,
        "key_targets_missed": False,
        "key_targets_reason": "",
    }
    facts.update(overrides)
    return facts


def limits(**overrides):
    result = evaluate("promotion_hard_limits", record_facts=limit_facts(**overrides))
    assert result["limit_rule"][-1] == "ok"
    return result["limit_rule"][:-1]


def test_hard_limits_clean_candidate_passes():
    """DOMAIN.md §4.2: a candidate meeting every limit passes (only the catch-all matches)."""
    assert limits() == []


@pytest.mark.parametrize("on, failed", [(True, ["in_probation"]), (False, [])])
def test_hard_limits_probation(on, failed):
    """DOMAIN.md §4.2 "No exceptional promotion while in a probation period (任职试用期)"."""
    assert limits(in_probation=on, probation_end="2027年1月1日") == failed


@pytest.mark.parametrize("offset, refused", [(-1, True), (0, False), (1, False)])
def test_hard_limits_one_year_since_the_last_promotion(offset, refused):
    """DOMAIN.md §4.2 "or less than 1 year after the last promotion": just under a year is refused,
    a year exactly and more pass."""
    name, year = one_year("promotion_hard_limits", "record_facts")
    assert limits(**{name: year + offset}) == (["promoted_within_year"] if refused else [])


@pytest.mark.parametrize("missed, failed", [(True, ["key_targets_missed"]), (False, [])])
def test_hard_limits_key_targets_missed(missed, failed):
    """DOMAIN.md §2 (seed 004 art. 6): key targets missed without special reason → no promotion for one year."""
    assert limits(key_targets_missed=missed, key_targets_reason="2025年度重点目标任务未完成") == failed


def test_hard_limits_just_promoted_is_refused():
    """DOMAIN.md §4.2: promoted today (0 since the last promotion) is within the year."""
    name, _year = one_year("promotion_hard_limits", "record_facts")
    assert limits(**{name: 0}) == ["promoted_within_year"]


def test_hard_limits_consecutive_exceptional_on_tenure_years():
    """DOMAIN.md §4.2 "No consecutive exceptional promotions on tenure years (不得在任职年限上连续破格)"."""
    both = {"last_promotion_exceptional": True, "last_promotion_broke_tenure": True, "proposal_breaks_tenure": True}
    assert limits(**both) == ["consecutive_exceptional"]
    assert limits(last_promotion_exceptional=False, last_promotion_broke_tenure=False) == []


@pytest.mark.parametrize(
    "gap, failed",
    [(-1, ["not_a_promotion"]), (0, ["not_a_promotion"]), (1, []), (2, []), (3, ["skips_two_levels"]), (4, ["skips_two_levels"])],
)
def test_hard_limits_grade_steps(gap, failed):
    """DOMAIN.md §4.2 "No skipping two levels": one grade up is ordinary, two grades up skips one
    level (allowed with consent), three or more skip two levels and are refused; a proposal that
    is not higher than the current grade is not a promotion."""
    assert limits(step_gap=gap) == failed


@pytest.mark.parametrize(
    "grade, refused", [("basic", True), ("incompetent", True), ("competent", False), ("excellent", False), ("", False)]
)
def test_hard_limits_previous_grade(grade, refused):
    """DOMAIN.md §4.2: not a candidate if the previous year's assessment is 基本称职 or below."""
    assert limits(previous_grade=grade, previous_grade_label="x") == (["previous_grade"] if refused else [])


@pytest.mark.parametrize(
    "fact, rule",
    [("effect_period_running", "effect_period"), ("investigation_open", "open_investigation"), ("canvassing", "canvassing")],
)
def test_hard_limits_disqualifiers(fact, rule):
    """DOMAIN.md §4.2: any effect period not over; under investigation; canvassing (跑官拉票)."""
    assert limits(**{fact: True}) == [rule]
    assert limits(**{fact: False}) == []


@pytest.mark.parametrize("naked, special, refused", [(True, False, True), (True, True, False), (False, False, False), (False, True, False)])
def test_hard_limits_naked_official_except_special_posts(naked, special, refused):
    """DOMAIN.md §4.2: spouse (or, without spouse, all children) emigrated — 裸官 — "except special posts"."""
    assert limits(naked_official=naked, special_post=special) == (["naked_official"] if refused else [])


def test_hard_limits_list_every_failure_in_table_order():
    """DOMAIN.md §4.2 "the process must refuse, with the reason shown": every failed limit at once."""
    name, _year = one_year("promotion_hard_limits", "record_facts")
    rules = limits(
        in_probation=True,
        last_promotion_exceptional=True,
        last_promotion_broke_tenure=True,
        step_gap=3,
        previous_grade="basic",
        effect_period_running=True,
        investigation_open=True,
        canvassing=True,
        naked_official=True,
        **{name: 1},
    )
    assert rules == [
        "in_probation",
        "promoted_within_year",
        "consecutive_exceptional",
        "skips_two_levels",
        "previous_grade",
        "effect_period",
        "open_investigation",
        "canvassing",
        "naked_official",
    ]


# --- promotion_public_approval (DOMAIN.md §4.2 "low public approval", [default] 50%) ----------------


@pytest.mark.parametrize(
    "rate, low", [(0.0, True), (0.49, True), (0.4999, True), (0.5, False), (0.5001, False), (0.51, False), (1.0, False)]
)
def test_public_approval_threshold(rate, low):
    """DOMAIN.md §4.2 "low public approval (群众公认度不高, judged from the democratic recommendation)":
    the [default] threshold is a 50% recommendation rate — below it is low, 50% exactly is not."""
    result = evaluate("promotion_public_approval", recommendation_rate=rate)
    assert result["public_approval_low"] is low
    assert (result["public_approval_reason"] != "") is low


def test_public_approval_reason_names_the_rate():
    """DOMAIN.md §4.2 "the process must refuse, with the reason shown"."""
    assert "49.0%" in evaluate("promotion_public_approval", recommendation_rate=0.49)["public_approval_reason"]


# --- secondment_eligibility (DOMAIN.md §5 default exclusions and plan parameters) ----------------------


def secondment(**overrides):
    facts = {
        "investigation_open": False,
        "sanction_running": False,
        "sanction_summary": "",
        "in_probation": False,
        "probation_end_label": "",
        "days_since_promotion": 3650,
        "months_since_promotion": 120,
        "last_promotion_label": "",
        "latest_grade_rank": 3,
        "latest_grade_text": "2025年度考核为称职",
        "age": 35,
        "rank_index": 2,
        "rank_level": "township_deputy",
        "rank_label": "乡科级副职",
        "work_years": 10,
    }
    criteria = {
        "min_grade_rank": 3,
        "min_grade_label": "称职",
        "age_limits": {"township_deputy": 35, "county_deputy": 40},
        "rank_min_index": 2,
        "rank_max_index": 4,
        "rank_range_label": "乡科级副职至县处级副职",
        "min_work_years": 3,
    }
    for key, value in overrides.items():
        (criteria if key in criteria else facts)[key] = value
    result = evaluate("secondment_eligibility", facts=facts, criteria=criteria)
    assert result["eligibility_rule"][-1] == "ok"
    return result["eligibility_rule"][:-1]


def test_secondment_clean_candidate_passes():
    """DOMAIN.md §5: a candidate meeting every exclusion and plan parameter passes."""
    assert secondment() == []


@pytest.mark.parametrize(
    "fact, rule",
    [("investigation_open", "open_investigation"), ("sanction_running", "sanction_effect_period"), ("in_probation", "probation")],
)
def test_secondment_default_exclusions(fact, rule):
    """DOMAIN.md §5 default exclusions: under investigation; effect period not over; in probation."""
    assert secondment(**{fact: True}) == [rule]
    assert secondment(**{fact: False}) == []


@pytest.mark.parametrize("offset, refused", [(-1, True), (0, False), (1, False)])
def test_secondment_promoted_less_than_a_year_ago(offset, refused):
    """DOMAIN.md §5 default exclusions: "promoted less than 1 year ago"."""
    name, year = one_year("secondment_eligibility", "facts")
    assert secondment(**{name: year + offset}) == (["recently_promoted"] if refused else [])


@pytest.mark.parametrize("rank, refused", [(2, True), (3, False), (4, False)])
def test_secondment_last_grade_at_least_the_rounds_minimum(rank, refused):
    """DOMAIN.md §5 default exclusions: "last annual grade below 称职" (the round's minimum grade)."""
    assert secondment(latest_grade_rank=rank) == (["assessment_grade"] if refused else [])


@pytest.mark.parametrize("age, refused", [(34, False), (35, False), (36, True)])
def test_secondment_age_limit_is_inclusive(age, refused):
    """DOMAIN.md §5 [default, plan parameter]: "≤ 35 below 县处级" — 35 passes, 36 does not."""
    assert secondment(age=age) == (["age_limit"] if refused else [])


def test_secondment_level_without_an_age_limit_is_not_limited():
    """DOMAIN.md §5: the age limits are per rank level; a level the plan does not limit has none."""
    assert secondment(age=60, rank_level="bureau_deputy", rank_index=3) == []


@pytest.mark.parametrize("rank, refused", [(1, True), (2, False), (3, False), (4, False), (5, True)])
def test_secondment_rank_range_is_inclusive(rank, refused):
    """DOMAIN.md §5 [default, plan parameter]: the round's rank range, both ends included."""
    assert secondment(rank_index=rank, rank_level="other") == (["rank_range"] if refused else [])


@pytest.mark.parametrize("years, refused", [(2, True), (3, False), (4, False)])
def test_secondment_minimum_years_of_work(years, refused):
    """DOMAIN.md §5 [default, plan parameter]: minimum years of work — the minimum itself passes."""
    assert secondment(work_years=years) == (["work_years"] if refused else [])


def test_secondment_lists_every_failure_in_table_order():
    """DOMAIN.md §5: every failed rule is listed, in the table's order."""
    name, _year = one_year("secondment_eligibility", "facts")
    rules = secondment(
        investigation_open=True,
        sanction_running=True,
        in_probation=True,
        latest_grade_rank=1,
        age=50,
        rank_index=9,
        work_years=0,
        **{name: 0},
    )
    assert rules == [
        "open_investigation",
        "sanction_effect_period",
        "probation",
        "recently_promoted",
        "assessment_grade",
        "age_limit",
        "rank_range",
        "work_years",
    ]
