"""预警提醒 for health checks (issue 16 item 1; DOMAIN.md §10 "Health checks: every cadre yearly
(seed 000 #19); front-line, hardship and high-risk posts at least yearly …"): the yearly check of
every other cadre is its own alert kind, beside the front line's, each with a cadre just inside and
just outside its 12 months; the dashboard and the demo data.

Dates are frozen through the alert functions' ``today`` parameter, not the system clock.
"""

import datetime

import pytest

from records.models import Cadre, HealthCheck, add_months
from supervision import alerts
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def tree():
    return factories.small_tree()


def rows(kind):
    return {c.name: c.alert_date for c in alerts.QUERIES[kind](Cadre.objects.all(), TODAY)}


def test_every_other_cadre_needs_a_check_within_twelve_months(tree):
    """DOMAIN.md §10 "Health checks: every cadre yearly" (seed 000 #19): a check on the same day a
    year ago still counts today; a day earlier does not; no check at all is overdue; a check
    entered with a later date does not answer today's alert."""
    township = tree["township"]
    on_time = factories.cadre("一年整", township)
    late = factories.cadre("超一天", township)
    factories.cadre("从未体检", township)
    later = factories.cadre("日期在后", township)
    HealthCheck.objects.create(cadre=on_time, date=add_months(TODAY, -12))
    HealthCheck.objects.create(cadre=late, date=add_months(TODAY, -12) - DAY)
    HealthCheck.objects.create(cadre=later, date=TODAY + DAY)
    assert alerts.YEARLY_HEALTH_CHECK_MONTHS == 12
    assert rows(alerts.HEALTH_CHECK_YEARLY) == {"超一天": add_months(TODAY, -12) - DAY, "从未体检": None, "日期在后": None}


def test_a_front_line_cadre_is_counted_once_under_the_front_line_kind(tree):
    """The front line's yearly check (seed 004 art. 11) is the stricter duty and keeps its own kind;
    the yearly kind is about every other post, so nobody is counted twice."""
    township = tree["township"]
    factories.cadre("一线未体检", township, hardship_post=True)
    factories.cadre("普通未体检", township)
    assert set(rows(alerts.HEALTH_CHECK)) == {"一线未体检"}
    assert set(rows(alerts.HEALTH_CHECK_YEARLY)) == {"普通未体检"}
    kinds = [a.kind.code for a in alerts.alerts(Cadre.objects.all(), TODAY, kinds=[alerts.HEALTH_CHECK, alerts.HEALTH_CHECK_YEARLY])]
    assert sorted(kinds) == [alerts.HEALTH_CHECK, alerts.HEALTH_CHECK_YEARLY]


def test_the_alert_row_says_when_the_last_check_was_and_when_the_next_is_due(tree):
    township = tree["township"]
    cadre = factories.cadre("超一天", township)
    last = add_months(TODAY, -12) - DAY
    HealthCheck.objects.create(cadre=cadre, date=last)
    factories.cadre("从未体检", township)
    found = {a.cadre.name: a for a in alerts.alerts(Cadre.objects.all(), TODAY, kinds=[alerts.HEALTH_CHECK_YEARLY])}
    assert found["超一天"].detail == f"最近一次体检：{last.isoformat()}" and found["超一天"].due == add_months(last, 12)
    assert found["从未体检"].detail == "无体检记录" and found["从未体检"].due is None
    assert str(found["超一天"].kind.label) == "12个月内未进行年度体检"


def test_the_dashboard_counts_the_kind_and_links_to_recording_the_check(client, tree, monkeypatch):
    """The dashboard's column for the kind, and for whoever keeps the records the form that
    records the missing check."""
    from django.contrib.auth.models import Permission

    from permissions.roles import Role
    from supervision import views

    monkeypatch.setattr(views, "today", lambda: TODAY)
    cadre = factories.cadre("普通未体检", tree["township"])
    supervisor = factories.user("ls_supervisor", (Role.REVIEWER, tree["county"], True))
    client.force_login(supervisor)
    page = client.get("/supervision/alerts/")
    counts = {(r["unit"].name, k.code): n for r in page.context["count_rows"] for k, n in r["cells"] if n}
    assert counts == {("琴台街道", alerts.HEALTH_CHECK_YEARLY): 1}
    html = page.content.decode()
    assert "年度未体检" in html
    add_url = f"/admin/records/healthcheck/add/?cadre={cadre.pk}"
    assert add_url not in html
    supervisor.user_permissions.add(Permission.objects.get(codename="add_healthcheck"))
    assert add_url in client.get("/supervision/alerts/").content.decode()


def test_the_demo_shows_a_few_yearly_alerts_not_one_per_cadre():
    """The demo's cadres had this year's check, except one bureau that missed its round: the
    dashboard shows a handful of yearly alerts, not hundreds."""
    from django.core.management import call_command

    from demo.data import REFERENCE_DATE

    call_command("load_demo", verbosity=0)
    found = alerts.alerts(Cadre.objects.all(), REFERENCE_DATE, kinds=[alerts.HEALTH_CHECK_YEARLY])
    assert 0 < len(found) <= 5
    assert {a.unit.code for a in found} == {"HA-PDS-LS-NYJ"}
    ordinary = Cadre.objects.filter(hardship_post=False)
    assert HealthCheck.objects.filter(cadre__in=ordinary).values("cadre").distinct().count() == ordinary.count()
