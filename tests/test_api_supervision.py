"""The read-only API of the issue 16 pages: 预警提醒 (/api/v1/alerts/, /alerts/counts/), 领导职数
(/api/v1/post-quotas/) and 统计分析 (/api/v1/statistics/).

Each endpoint gives the numbers its page shows for the demo world (the page's own context, and the
function behind it), within the same scope: a person of another county sees none of 鲁山县's, a
person without any role is refused (403) as on the page, and a bad filter is a 400 naming it.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from records.models import Cadre
from stats import views as stats_pages
from supervision import alerts as alert_rules
from supervision import views as alert_pages
from tests.merit_helpers import person, unit
from tests.test_api_helpers import anonymous, assert_error, client_for, ok, world  # noqa: F401  (world: the fixture)

pytestmark = pytest.mark.django_db

QT = "HA-PDS-LS-QT"  # 鲁山县琴台街道: the demo's post quotas
LS = "HA-PDS-LS"  # 鲁山县
ENDPOINTS = ("/api/v1/alerts/", "/api/v1/alerts/counts/", "/api/v1/post-quotas/", "/api/v1/statistics/")


def page_context(username, path, params=None):
    client = Client()
    client.force_login(person(username))
    response = client.get(path, params or {})
    assert response.status_code == 200, response.status_code
    return response.context


def every_row(client, path, params=None):
    """All the rows of a paginated list, page by page."""
    rows, offset = [], 0
    while True:
        body = ok(client.get(path, {**(params or {}), "limit": 100, "offset": offset}))
        rows += body["results"]
        offset += 100
        if body["next"] is None:
            assert len(rows) == body["count"]
            return rows


def alert_key(row):
    return (row["cadre"]["id"], row["unit"]["id"], row["kind"], row["detail"], row["due"])


def function_alerts(username, kinds=None, within=None):
    """What supervision.alerts finds over the cadres the person may see (as the page scopes them)."""
    cadres = Cadre.objects.visible_to(person(username))
    if within is not None:
        cadres = cadres.filter(unit__path__startswith=within.path)
    return alert_rules.alerts(cadres, alert_pages.today(), kinds=kinds)


def as_keys(alerts):
    return [(a.cadre.pk, a.unit.pk, a.kind.code, a.detail, a.due.isoformat() if a.due else None) for a in alerts]


# --------------------------------------------------------------------------- 预警提醒


@pytest.mark.parametrize("username", ["ls_sh", "ls_qt_jbr", "admin"])
def test_alerts_are_the_rows_of_the_page(world, username):
    rows = every_row(client_for(username), "/api/v1/alerts/")
    assert [alert_key(r) for r in rows] == as_keys(function_alerts(username))
    shown = page_context(username, "/supervision/alerts/", {"page": 1})
    assert shown["total"] == len(rows)
    assert as_keys(shown["page"].object_list) == [alert_key(r) for r in rows[: alert_pages.PAGE_SIZE]]
    for row, alert in zip(rows, function_alerts(username)):
        assert row["cadre"]["name"] == alert.cadre.name and row["unit"]["name"] == alert.unit.name
        assert row["kind_label"] == str(alert.kind.label) and row["action"] == str(alert.kind.action)


def test_the_demo_has_alerts_of_several_kinds_and_each_row_says_what_to_do(world):
    rows = every_row(client_for("admin"), "/api/v1/alerts/")
    kinds = {r["kind"] for r in rows}
    assert {alert_rules.ROTATION_SHOULD, alert_rules.TOWNSHIP, alert_rules.HEALTH_CHECK, alert_rules.TRAINING} <= kinds
    check = next(r for r in rows if r["kind"] == alert_rules.HEALTH_CHECK)
    assert check["unit"]["code"] == "HA-PDS-LS-ZGY"
    assert check["action"] == "安排体检" and check["kind_label"] == "一线、艰苦、高危岗位12个月内未体检"
    assert set(check) == {"cadre", "unit", "kind", "kind_label", "detail", "date", "due", "action", "source"}


def test_alert_counts_are_the_pages_table(world):
    for username in ("ls_qt_jbr", "admin"):
        counts = ok(client_for(username).get("/api/v1/alerts/counts/"))
        shown = page_context(username, "/supervision/alerts/")
        assert counts["date"] == shown["today"].isoformat()
        assert [c["code"] for c in counts["kinds"]] == [k.code for k in alert_rules.KINDS]
        expected = [(r["unit"].pk, {k.code: n for k, n in r["cells"]}, r["total"]) for r in shown["count_rows"]]
        assert [(u["unit"]["id"], u["counts"], u["total"]) for u in counts["units"]] == expected
        assert counts["totals"] == {k.code: n for k, n in shown["totals"]}
        assert counts["total"] == shown["total"]
    qt = ok(client_for("ls_qt_jbr").get("/api/v1/alerts/counts/"))
    assert [u["unit"]["code"] for u in qt["units"]] == [QT]
    assert qt["total"] == 4 and qt["totals"][alert_rules.ROTATION_SHOULD] == 3 and qt["totals"][alert_rules.TOWNSHIP] == 1


def test_alerts_filtered_by_kind_and_by_unit_and_below(world):
    admin = client_for("admin")
    township = every_row(admin, "/api/v1/alerts/", {"kind": alert_rules.TOWNSHIP})
    assert township and {r["kind"] for r in township} == {alert_rules.TOWNSHIP}
    assert [alert_key(r) for r in township] == as_keys(function_alerts("admin", kinds=[alert_rules.TOWNSHIP]))

    county = unit(LS)
    below = every_row(admin, "/api/v1/alerts/", {"unit": county.pk})
    assert [alert_key(r) for r in below] == as_keys(function_alerts("admin", within=county))
    assert {r["unit"]["code"] for r in below} > {LS, QT, "HA-PDS-LS-ZGY"}
    shown = page_context("admin", "/supervision/alerts/", {"unit": county.pk})
    assert shown["total"] == len(below)

    counts = ok(admin.get("/api/v1/alerts/counts/", {"unit": county.pk, "kind": alert_rules.HEALTH_CHECK}))
    assert [c["code"] for c in counts["kinds"]] == [alert_rules.HEALTH_CHECK]
    assert counts["totals"] == {alert_rules.HEALTH_CHECK: counts["total"]}
    assert counts["total"] == len(function_alerts("admin", kinds=[alert_rules.HEALTH_CHECK], within=county)) > 0
    # An empty value is no filter, as on the page.
    assert ok(admin.get("/api/v1/alerts/", {"kind": "", "unit": "", "limit": 1}))["count"] == len(function_alerts("admin"))


def test_alerts_are_paginated_like_every_list(world):
    client = client_for("admin")
    first = ok(client.get("/api/v1/alerts/", {"limit": 5}))
    second = ok(client.get("/api/v1/alerts/", {"limit": 5, "offset": 5}))
    assert first["count"] == second["count"] > 10 and len(first["results"]) == len(second["results"]) == 5
    assert "offset=5" in first["next"]
    assert alert_key(first["results"][-1]) != alert_key(second["results"][0])
    assert len(ok(client.get("/api/v1/alerts/"))["results"]) == 20


def test_another_countys_person_sees_none_of_its_alerts(world):
    bf = client_for("bf_sh")
    rows = every_row(bf, "/api/v1/alerts/")
    assert [alert_key(r) for r in rows] == as_keys(function_alerts("bf_sh"))
    assert not [r for r in rows if r["unit"]["code"].startswith(LS)]
    counts = ok(bf.get("/api/v1/alerts/counts/"))
    assert not [u for u in counts["units"] if u["unit"]["code"].startswith(LS)]
    # Naming one of 鲁山县's units is a field error, not its alerts (nor a hint of them).
    for path in ("/api/v1/alerts/", "/api/v1/alerts/counts/"):
        body = assert_error(bf.get(path, {"unit": unit(QT).pk}), 400, "validation_error")
        assert list(body["errors"]) == ["unit"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "rotation"}, "kind"),
        ({"unit": "abc"}, "unit"),
        ({"unit": "0"}, "unit"),
        ({"unit": "99999999"}, "unit"),
        ({"unit": "1.5"}, "unit"),
    ],
)
def test_a_bad_alert_filter_is_a_400_naming_the_field(world, params, field):
    for path in ("/api/v1/alerts/", "/api/v1/alerts/counts/"):
        body = assert_error(client_for("ls_sh").get(path, params), 400, "validation_error")
        assert list(body["errors"]) == [field], body


# --------------------------------------------------------------------------- 领导职数


def quota_key(line):
    return (line["unit"]["id"], line["level"])


def page_quota_lines(username):
    fields = ("quota", "filled", "pending", "vacancies", "excess", "available", "full")
    found = {}
    for line in page_context(username, "/quotas/")["lines"]:
        values = {name: getattr(line, name) for name in fields}
        values["basis"] = line.row.basis if line.row else None
        values["valid_from"] = line.row.valid_from.isoformat() if line.row else None
        found[(line.unit.pk, line.level)] = values
    return found


@pytest.mark.parametrize("username", ["ls_qt_jbr", "ls_sh", "admin"])
def test_post_quotas_are_the_lines_of_the_page(world, username):
    lines = every_row(client_for(username), "/api/v1/post-quotas/")
    expected = page_quota_lines(username)
    assert [quota_key(line) for line in lines] == list(expected)
    for line in lines:
        got = {name: line[name] for name in expected[quota_key(line)]}
        assert got == expected[quota_key(line)], line


def test_post_quotas_of_qintai_street(world):
    """The demo's quotas: 琴台街道 has 4 乡科级正职 posts (2 filled) and 3 乡科级副职 posts, all filled."""
    lines = {line["level"]: line for line in every_row(client_for("ls_qt_jbr"), "/api/v1/post-quotas/")}
    principal, deputy = lines["township_principal"], lines["township_deputy"]
    assert principal["unit"]["code"] == QT and principal["level_label"] == "乡科级正职"
    assert (principal["quota"], principal["filled"], principal["vacancies"], principal["available"], principal["full"]) == (
        4,
        2,
        2,
        2,
        False,
    )
    assert (deputy["quota"], deputy["filled"], deputy["vacancies"], deputy["excess"], deputy["full"]) == (3, 3, 0, 0, True)
    assert principal["basis"] and principal["valid_from"]


def test_post_quotas_are_within_the_callers_units(world):
    assert QT not in {line["unit"]["code"] for line in every_row(client_for("ls_sh"), "/api/v1/post-quotas/")}
    assert not [line for line in every_row(client_for("bf_sh"), "/api/v1/post-quotas/") if line["unit"]["code"].startswith(LS)]
    unset = [line for line in every_row(client_for("ls_sh"), "/api/v1/post-quotas/") if line["quota"] is None]
    assert unset and all(line["vacancies"] is None and line["basis"] is None and not line["full"] for line in unset)


# --------------------------------------------------------------------------- 统计分析


def page_sections(username, params=None):
    sections = page_context(username, "/stats/", params)["sections"]
    return [
        {
            "key": section.key,
            "title": section.title,
            "tables": [
                {
                    "key": t.key,
                    "title": t.title,
                    "head": t.head,
                    "columns": list(t.columns),
                    "rows": [{"label": r.label, "unit": r.unit_id, "values": list(r.values)} for r in t.rows],
                    "total": t.total,
                    "note": t.note,
                    "percent_columns": list(t.percent_columns),
                }
                for t in section.tables
            ],
        }
        for section in sections
    ]


@pytest.mark.parametrize(
    ("username", "params"),
    [
        ("ls_sh", {}),
        ("ls_qt_jbr", {}),
        ("admin", {}),
        ("admin", {"unit": LS}),
        ("admin", {"unit": LS, "year": "last"}),
        ("ls_qt_ld", {"unit": QT}),
    ],
)
def test_statistics_are_the_tables_of_the_page(world, username, params):
    query = {}
    if "unit" in params:
        query["unit"] = unit(params["unit"]).pk
    if params.get("year") == "last":
        query["year"] = timezone.localdate().year - 1
    body = ok(client_for(username).get("/api/v1/statistics/", query))
    assert body["year"] == query.get("year", timezone.localdate().year)
    assert (body["unit"] or {}).get("id") == query.get("unit")
    assert body["sections"] == page_sections(username, query)
    assert [s["key"] for s in body["sections"]] == ["awards", "assessment", "promotions", "secondments", "cases", "alerts"]


def test_the_statistics_alert_table_counts_the_alerts(world):
    """The statistics' alert table and the alerts' counts agree (one source: supervision.alerts)."""
    body = ok(client_for("ls_qt_jbr").get("/api/v1/statistics/"))
    table = next(t for s in body["sections"] if s["key"] == "alerts" for t in s["tables"])
    counts = ok(client_for("ls_qt_jbr").get("/api/v1/alerts/counts/"))
    assert table["total"] == [counts["totals"][k.code] for k in alert_rules.KINDS] + [counts["total"]]


def test_another_countys_person_has_none_of_its_statistics(world):
    bf = client_for("bf_sh")
    body = ok(bf.get("/api/v1/statistics/"))
    labels = {row["label"] for s in body["sections"] for t in s["tables"] for row in t["rows"]}
    assert not [label for label in labels if "鲁山" in label]
    assert body["sections"] == page_sections("bf_sh")
    assert list(assert_error(bf.get("/api/v1/statistics/", {"unit": unit(QT).pk}), 400, "validation_error")["errors"]) == ["unit"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "abc"}, "year"),
        ({"year": "1999"}, "year"),
        ({"year": str(timezone.localdate().year - stats_pages.YEARS_OFFERED)}, "year"),  # older than the page offers
        ({"year": str(timezone.localdate().year + 1)}, "year"),
        ({"unit": "abc"}, "unit"),
        ({"unit": "99999999"}, "unit"),
    ],
)
def test_a_bad_statistics_filter_is_a_400_naming_the_field(world, params, field):
    body = assert_error(client_for("ls_sh").get("/api/v1/statistics/", params), 400, "validation_error")
    assert list(body["errors"]) == [field], body


# --------------------------------------------------------------------------- who may ask


def test_without_any_role_each_endpoint_is_refused_as_the_page_is(world):
    get_user_model().objects.create_user("no_role_api", password="demo12345")
    client = client_for("no_role_api")
    for path in ENDPOINTS:
        body = assert_error(client.get(path), 403, "permission_denied")
        assert "角色" in body["message"], body
    page = Client()
    page.force_login(person("no_role_api"))
    assert [page.get(path).status_code for path in ("/supervision/alerts/", "/quotas/", "/stats/")] == [403, 403, 403]


def test_without_signing_in_each_endpoint_is_a_401(world):
    for path in ENDPOINTS:
        assert_error(anonymous().get(path), 401, "not_authenticated")


def test_the_schema_documents_the_endpoints_under_supervision(world):
    schema = ok(anonymous().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"))
    for path in ENDPOINTS:
        operation = schema["paths"][path]["get"]
        assert operation["tags"] == ["supervision"] and operation["summary"]
        assert {"200", "401", "403"} <= set(operation["responses"])
    assert "400" in schema["paths"]["/api/v1/alerts/"]["get"]["responses"]
    assert {p["name"] for p in schema["paths"]["/api/v1/statistics/"]["get"]["parameters"]} == {"year", "unit"}
