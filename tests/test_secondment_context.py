"""Secondment rounds in context (issue 15 item 9): every unit's nomination and confirmation task and
its inbox row show the round (title, posts, places, deadline, criteria — DOMAIN.md §5 plan
parameters); the cadres of the nominating unit are marked eligible or not, with the reasons of
``secondment_eligibility.dmn``, before one is picked; the plan's posts are entered as a table;
the plan form starts at the user's organisation department and keeps what was typed."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from permissions.models import Unit
from secondments import context as round_ctx
from secondments.models import Position, Round
from secondments.plan import PlanForm
from tests.test_secondment_helpers import (
    DEADLINE,
    OPEN_AT,
    OWNER,
    at,
    call_task,
    candidate,
    load_world,
    nominate,
    open_round,
    person,
    plan_data,
    unit,
)
from workflows import clock
from workflows.models import HistoryAction, HumanTask, ProcessInstance

pytestmark = pytest.mark.django_db
QT, TL, JYJ = "HA-PDS-LS-QT", "HA-PDS-BF-TL", "HA-PDS-JYJ"


@pytest.fixture
def world():
    load_world()


def login(username):
    client = Client()
    client.force_login(person(username))
    return client


# --------------------------------------------------------------------------- round context


def test_the_round_context_of_a_nomination_task_comes_from_the_round_register(world):
    case = open_round()
    task = call_task(case, QT)
    with clock.frozen_at(at("2026-09-10 09:00")):
        ctx = round_ctx.round_context(task)
    assert ctx["title"] == "2026年度市直机关与乡镇干部双向挂职锻炼"
    assert ctx["places"] == 3 and ctx["post_places"] == 3
    assert [(p["host_unit"], p["title"], p["places"]) for p in ctx["posts"]] == [
        ("鲁山县张官营镇", "党委委员、副镇长（挂职）", 2),
        ("平顶山市应急管理局", "应急指挥科副科长（挂职）", 1),
    ]
    assert ctx["deadline"] == datetime.date.fromisoformat(DEADLINE)
    assert ctx["days_left"] == 5 and not ctx["deadline_passed"]
    lines = "\n".join(ctx["criteria"])
    assert "其他人员至县处级正职" in lines
    assert "其他人员至乡科级正职不超过35周岁" in lines and "县处级副职至县处级正职不超过40周岁" in lines
    assert "参加工作满3年" in lines and "称职及以上" in lines and "立案审查调查" in lines
    # The register, not the engine's task data: a changed post shows at once.
    Position.objects.filter(round__instance=case, code="P2").update(places=2)
    assert round_ctx.round_context(task)["post_places"] == 4


def test_the_confirmation_step_has_the_round_too_other_steps_and_processes_do_not(world):
    from tests.merit_helpers import QT_CLEAN, cadre, start_and_nominate

    case = open_round()
    nominate(case, QT, [candidate("赵青山", QT)])
    confirm_task = call_task(case, QT, "Task_unit_confirm")
    assert round_ctx.round_context(confirm_task)["title"].startswith("2026年度")
    award = start_and_nominate("ls_qt_jbr", QT, cadre(QT_CLEAN[0]))
    other = HumanTask.objects.filter(instance=award).first()
    assert round_ctx.round_context(other) is None
    assert round_ctx.round_contexts([]) == {}


def test_an_inbox_page_reads_the_rounds_in_a_constant_number_of_queries(world, django_assert_num_queries):
    cases = [open_round(round_title=f"第{i}批挂职锻炼") for i in range(3)]
    tasks = list(HumanTask.objects.filter(instance__in=cases).order_by("pk"))
    assert len(tasks) >= 10
    with django_assert_num_queries(2):
        one = round_ctx.round_contexts(tasks[:1])
    with django_assert_num_queries(2):
        ten = round_ctx.round_contexts(tasks[:10])
    assert len(one) == 1 and len(ten) == 10
    assert {c["title"] for c in ten.values()} == {"第0批挂职锻炼", "第1批挂职锻炼", "第2批挂职锻炼"}
    # The template tag of the inbox row reads the page once, whatever the number of rows.
    from secondments.templatetags.secondment_rounds import round_line

    with django_assert_num_queries(2):
        lines = [round_line(t, tasks[:10]) for t in tasks[:10]]
    assert all("data-round-line" in line for line in lines)
    assert round_line(HumanTask(pk=None, bpmn_id="Task_other", instance_id=0)) == "", "a row of another step shows nothing"


def test_the_compact_line_and_the_card_render_the_round(world):
    case = open_round()
    task = call_task(case, QT)
    with translation.override("zh-hans"), clock.frozen_at(at("2026-09-14 09:00")):
        ctx = round_ctx.round_context(task)
        line = render_to_string(round_ctx.TEMPLATE, {"round_ctx": ctx, "compact": True})
        card = render_to_string(round_ctx.TEMPLATE, {"round_ctx": ctx, "compact": False})
    assert "2026年度市直机关与乡镇干部双向挂职锻炼" in line and "选派3名" in line and "还剩1天" in line
    assert "鲁山县张官营镇 党委委员、副镇长（挂职）（2名）" in line
    assert "条件：其他人员至县处级正职，年龄上限35/40周岁，工作满3年，考核称职及以上" in line
    assert "<table" not in line and "<table" in card
    assert "应急指挥科副科长（挂职）" in card and "3名（各岗位共3名）" in card
    assert render_to_string(round_ctx.TEMPLATE, {"round_ctx": None}).strip() == ""


def test_the_task_page_gets_the_round_through_the_step_extras(world):
    case = open_round()
    task = call_task(case, QT)
    with clock.frozen_at(at("2026-09-10 09:00")):
        response = login("ls_qt_jbr").get(f"/cases/{case.pk}/tasks/{task.pk}/")
    assert response.status_code == 200
    assert response.context["extras"]["round_context"]["title"] == "2026年度市直机关与乡镇干部双向挂职锻炼"


# --------------------------------------------------------------------------- eligibility marks


def test_the_units_cadres_are_marked_eligible_or_not_before_one_is_picked(world):
    from tests.test_secondment_helpers import investigated

    case = open_round()
    good = candidate("赵青山", QT)
    old = candidate("钱老成", QT, born="1970-01-01")
    probed = investigated(candidate("孙在查", QT))
    task = call_task(case, QT)
    with translation.override("zh-hans"), clock.frozen_at(at("2026-09-10 09:00")):
        page = login("ls_qt_jbr").get(f"/cases/{case.pk}/tasks/{task.pk}/").content.decode()
    row = {}
    for cadre in (good, old, probed):
        start = page.index(f'data-candidate="{cadre.pk}"')
        row[cadre.name] = page[start : page.index("</tr>", start)]
    assert 'data-eligible="yes"' in row["赵青山"] and "符合条件" in row["赵青山"] and "disabled" not in row["赵青山"]
    assert 'data-eligible="no"' in row["钱老成"] and "不符合条件" in row["钱老成"] and "disabled" in row["钱老成"]
    assert "年龄56岁，超过本轮其他人员年龄上限（35岁）" in row["钱老成"]  # the decision table's own reason
    assert "正在接受立案审查调查" in row["孙在查"] and "disabled" in row["孙在查"]
    # Those who qualify come first, and the summary counts them.
    assert page.index(f'data-candidate="{good.pk}"') < page.index(f'data-candidate="{old.pk}"')
    assert "按本轮选派条件审查" in page


def test_the_form_still_refuses_an_ineligible_cadre_with_every_reason(world):
    from workflows import services
    from workflows.errors import FormInvalid

    case = open_round()
    old = candidate("钱老成", QT, born="1970-01-01")
    with clock.frozen_at(at("2026-09-07 10:00")), pytest.raises(FormInvalid) as refused:
        data = {"candidate_ids": [str(old.pk)], "recommendation": "工作实绩突出，群众公认度高。"}
        services.complete_task(person("ls_qt_jbr"), call_task(case, QT).pk, data=data)
    assert "不符合本轮选派条件" in str(refused.value.errors["candidate_ids"])


def test_a_cadre_nominated_by_another_unit_is_marked(world):
    from secondments.forms import NominationForm

    case = open_round()
    shared = candidate("李双岗", QT)
    nominate(case, QT, [shared])
    # The same cadre offered to another unit's nominator (e.g. moved since): marked, not pickable.
    task = call_task(case, TL)
    form = NominationForm(instance=case, task=task, user=person("bf_tl_jbr"), task_data={})
    marks = form.eligibility_marks(type(shared).objects.filter(pk=shared.pk))
    assert any("已由“鲁山县琴台街道”推荐" in reason for reason in marks[shared.pk][1])


# --------------------------------------------------------------------------- the plan form


def test_the_plan_form_starts_at_the_users_organisation_department(world):
    # pds_sh is a reviewer of the city party committee (HA-PDS, first by path) and of its
    # organisation department: only the department may open a round, so the page starts there.
    with clock.frozen_at(OPEN_AT):
        response = login(OWNER).get("/start/secondment_selection/")
    assert response.status_code == 200
    assert response.context["unit"] == unit("HA-PDS-ZZB")
    page = response.content.decode()
    assert f'<option value="{unit("HA-PDS-ZZB").pk}" selected>' in page
    assert f'<input type="hidden" name="unit" value="{unit("HA-PDS-ZZB").pk}">' in page
    # The default changes nothing for a chosen unit, nor for the processes without a plan.
    with clock.frozen_at(OPEN_AT):
        chosen = login(OWNER).get(f"/start/secondment_selection/?unit={unit('HA-PDS').pk}")
    assert chosen.context["unit"] == unit("HA-PDS")
    assert PlanForm.preferred_unit(Unit.objects.filter(code__in=["HA-PDS", "HA-PDS-ZZB"])) == unit("HA-PDS-ZZB")
    assert PlanForm.preferred_unit(Unit.objects.filter(code="HA-PDS")) is None


def _table_post(rows, **overrides):
    """The plan as the page posts it: the posts as table rows ``positions-<n>-…``, the paste box empty."""
    data = plan_data(**overrides)
    data.pop("positions")
    post = {"unit": str(unit("HA-PDS-ZZB").pk), "once": "t-1", "action": "submit", "positions": ""}
    for key, value in data.items():
        post[key] = value
    for n, (host, title, places, *requirements) in enumerate(rows):
        post.update({f"positions-{n}-host_unit": host, f"positions-{n}-title": title, f"positions-{n}-places": places})
        post[f"positions-{n}-requirements"] = requirements[0] if requirements else ""
    return post


def test_the_posts_table_starts_a_round_with_the_same_positions_as_before(world):
    rows = [
        ("HA-PDS-LS-ZGY", "党委委员、副镇长（挂职）", "2"),
        ("", "", "1"),  # a row added and left blank (its places keep the default)
        ("平顶山市应急管理局", "应急指挥科副科长（挂职）", "1", "熟悉应急管理工作"),
        ("", "", ""),
    ]
    with clock.frozen_at(OPEN_AT):
        response = login(OWNER).post("/start/secondment_selection/", _table_post(rows))
    assert response.status_code == 302, response.content.decode()[:3000]
    round_ = Round.objects.get()
    assert [(p.code, p.host_unit.code, p.title, p.places, p.requirements) for p in round_.positions.order_by("pk")] == [
        ("P1", "HA-PDS-LS-ZGY", "党委委员、副镇长（挂职）", 2, ""),
        ("P2", "HA-PDS-YJJ", "应急指挥科副科长（挂职）", 1, "熟悉应急管理工作"),
    ]
    # The start data keeps its format: no "requirements" key for a post without any.
    started = round_.instance.history.get(action=HistoryAction.START).changed_fields["positions"]
    assert "requirements" not in started[0] and started[1]["requirements"] == "熟悉应急管理工作"
    assert round_ctx.describe(round_)["posts"][1]["requirements"] == "熟悉应急管理工作"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_bad_posts_are_refused_row_by_row_with_translated_errors_and_change_nothing(world, language):
    rows = [
        ("HA-PDS-LS-ZGY", "党委委员、副镇长（挂职）", "2"),
        ("不存在的单位", "副镇长", "1"),
        ("HA-PDS-YJJ", "应急指挥科副科长", "99"),
        ("HA-PDS-YJJ", "", "1"),
    ]
    with translation.override(language), clock.frozen_at(OPEN_AT):
        client = login(OWNER)
        client.cookies["django_language"] = language
        response = client.post("/start/secondment_selection/", _table_post(rows), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert not Round.objects.exists() and not ProcessInstance.objects.exists()
    errors = [str(e) for e in response.context["form"].errors["positions"]]
    if language == "en":
        assert errors == [
            "Post 2: host unit “不存在的单位” not found",
            "Post 3: places must be between 1 and 50",
            "Post 4: please enter the post title (no more than 100 characters)",
        ]
    else:
        assert errors == ["第2个岗位：找不到挂职单位“不存在的单位”", "第3个岗位：名额应为1至50", "第4个岗位：请填写岗位名称（不超过100字）"]
    page = response.content.decode()
    # What was typed comes back in the rows, and the faulty rows are marked.
    assert 'value="不存在的单位"' in page and 'value="99"' in page and 'value="党委委员、副镇长（挂职）"' in page
    assert page.count('<tr data-post-row class="has-error">') == 3


def test_an_empty_posts_table_is_refused(world):
    with translation.override("zh-hans"), clock.frozen_at(OPEN_AT):
        response = login(OWNER).post("/start/secondment_selection/", _table_post([("", "", "")] * 3))
    assert response.status_code == 200 and not Round.objects.exists()
    assert [str(e) for e in response.context["form"].errors["positions"]] == ["请至少填写一个挂职岗位"]


def test_pasted_lines_follow_the_table_rows_and_the_api_list_still_works(world):
    form = PlanForm(
        {**_table_post([("HA-PDS-LS-ZGY", "副镇长", "")], places=2), "positions": "HA-PDS-YJJ｜应急指挥科副科长｜1"},
        organiser=unit("HA-PDS-ZZB"),
        user=person(OWNER),
    )
    with clock.frozen_at(OPEN_AT):
        assert form.is_valid(), form.errors
    assert [(p["host_unit_code"], p["title"], p["places"]) for p in form.cleaned_data["positions"]] == [
        ("HA-PDS-LS-ZGY", "副镇长", 1),
        ("HA-PDS-YJJ", "应急指挥科副科长", 1),
    ]
    listed = [{"host_unit": "HA-PDS-LS-ZGY", "title": "副镇长", "places": 3}]
    api = PlanForm(plan_data(positions=listed), organiser=unit("HA-PDS-ZZB"), user=person(OWNER))
    with clock.frozen_at(OPEN_AT):
        assert api.is_valid(), api.errors
    assert api.cleaned_data["positions"][0]["host_unit_code"] == "HA-PDS-LS-ZGY"


def test_the_include_lines_render_an_inbox_page_and_a_task_page(world, django_assert_num_queries):
    from django.template import Context, Template

    from tests.merit_helpers import QT_CLEAN, cadre, start_and_nominate

    cases = [open_round(round_title=f"第{i}批挂职锻炼") for i in range(3)]
    award = start_and_nominate("ls_qt_jbr", QT, cadre(QT_CLEAN[0]))
    rows = list(HumanTask.objects.filter(instance__in=[*cases, award]).select_related("instance").order_by("pk"))
    inbox = Template(
        "{% load secondment_rounds %}{% for task in rows %}<tr><td>{{ task.name }}{% round_line task rows %}</td></tr>{% endfor %}"
    )
    with translation.override("zh-hans"), django_assert_num_queries(2):
        html = inbox.render(Context({"rows": rows}))
    assert html.count("data-round-line") == len(rows) - 1  # not the merit citation's row
    assert "第2批挂职锻炼" in html
    card = Template("{% load secondment_rounds %}{% round_card task %}")
    with translation.override("zh-hans"):
        page = card.render(Context({"task": rows[0]}))
        extras = render_to_string(round_ctx.TEMPLATE, {"round_ctx": round_ctx.round_extra(None, rows[0], None)["round_context"]})
    assert "本轮选派计划：第0批挂职锻炼" in page and "资格条件" in page
    assert page.strip() == extras.strip()
