"""The alert register (``supervision.register``, issue 16 acceptance: the dashboard and the
statistics at 1,000,000 cases): it holds what the live alert queries find, a change to a cadre's
facts is never hidden by an outdated row, and the worker keeps it current."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from permissions.models import UnitLevel
from records import importing
from records.models import (
    AnnualAssessment,
    AssessmentGrade,
    Cadre,
    HealthCheck,
    PostHistory,
    RankLevel,
    Sanction,
    SanctionKind,
    Sex,
    add_years,
)
from supervision import alerts, register
from supervision.models import AlertRegister, StaleCadre, StandingAlert
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def world():
    """A cadre for each alert kind, and one without any."""
    tree = factories.small_tree()
    township, county = tree["township"], tree["county"]
    factories.cadre("十一年", township, post_since=add_years(TODAY, -11))
    factories.cadre("六年", township, post_since=add_years(TODAY, -6), hardship_post=True)
    factories.cadre("试用期", township, probation_end=TODAY + 10 * DAY)
    factories.cadre("将退休", county, sex=Sex.MALE, birth_date=datetime.date(1966, 9, 1))
    factories.cadre("县领导", county, rank_level=RankLevel.COUNTY_DEPUTY)
    veteran = factories.cadre("乡镇老将", township, birth_date=datetime.date(1975, 1, 1))
    PostHistory.objects.create(cadre=veteran, post_unit=township, post="副镇长", start=add_years(TODAY, -21))
    AnnualAssessment.objects.create(cadre=veteran, year=TODAY.year - 1, grade=AssessmentGrade.EXCELLENT)
    sanctioned = factories.cadre("处分将满", township)
    Sanction.objects.create(
        cadre=sanctioned, kind=SanctionKind.WARNING, decision_date=add_years(TODAY, -1), effect_end=TODAY + 5 * DAY, description="警告"
    )
    fine = factories.cadre("无预警", township, post_since=add_years(TODAY, -1))
    for cadre in Cadre.objects.all():
        if cadre.name != "六年":  # the front line's missing check is an alert of its own
            HealthCheck.objects.create(cadre=cadre, date=TODAY - 30 * DAY)
    return {**tree, "veteran": veteran, "fine": fine}


def keys(rows):
    return sorted((a.kind.code, a.cadre.name, a.date, a.detail, a.due) for a in rows)


def test_the_register_holds_what_the_live_queries_find(world):
    live = alerts.alerts(Cadre.objects.all(), TODAY)
    assert {a.kind.code for a in live} == {k.code for k in alerts.KINDS} - {alerts.HEALTH_CHECK_YEARLY}
    assert register.rebuild(TODAY) == len(live)
    assert register.usable(TODAY)
    with CaptureQueriesContext(connection) as read:
        stored = alerts.alerts(Cadre.objects.all(), TODAY)
    assert keys(stored) == keys(live)
    # The register, the stale marks and the rows: three statements, not one per kind.
    assert len(read.captured_queries) == 3, [q["sql"] for q in read.captured_queries]
    township = next(a for a in stored if a.kind.code == alerts.TOWNSHIP)
    assert township.cadre.name == "乡镇老将" and "近年度优秀1次" in township.detail


def test_the_counts_by_unit_are_the_same_from_the_register(world):
    county = Q(unit__path__startswith=world["county"].path)
    live = sorted((r["stat_path"], r["kind"], r["n"]) for r in alerts.counts_by_unit(county, TODAY))
    assert {kind for _path, kind, _n in live} >= {alerts.ROTATION_MUST, alerts.TOWNSHIP, alerts.RETIREMENT_DUE}
    register.rebuild(TODAY)
    with CaptureQueriesContext(connection) as read:
        stored = sorted((r["stat_path"], r["kind"], r["n"]) for r in alerts.counts_by_unit(county, TODAY))
    assert stored == live and len(read.captured_queries) == 3
    HealthCheck.objects.create(cadre=Cadre.objects.get(name="六年"), date=TODAY)  # marked stale: counted live
    assert (world["township"].path, alerts.HEALTH_CHECK, 1) not in {
        (r["stat_path"], r["kind"], r["n"]) for r in alerts.counts_by_unit(county, TODAY)
    }


def test_a_recorded_fact_is_never_hidden_by_an_outdated_row(world, django_capture_on_commit_callbacks):
    """The front-line cadre gets their check: the page shows it at once (the cadre is marked
    stale in the same transaction and computed live), and the register catches up after commit."""
    register.rebuild(TODAY)
    front_line = Cadre.objects.get(name="六年")
    assert StandingAlert.objects.filter(cadre=front_line, kind=alerts.HEALTH_CHECK).exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        HealthCheck.objects.create(cadre=front_line, date=TODAY - DAY)
    assert list(StaleCadre.objects.values_list("cadre_id", flat=True)) == [front_line.pk]
    assert (alerts.HEALTH_CHECK, "六年") not in {(a.kind.code, a.cadre.name) for a in alerts.alerts(Cadre.objects.all(), TODAY)}
    assert StandingAlert.objects.filter(cadre=front_line, kind=alerts.HEALTH_CHECK).exists()  # not caught up yet
    for callback in callbacks:
        callback()
    assert not StandingAlert.objects.filter(cadre=front_line, kind=alerts.HEALTH_CHECK).exists()
    assert StandingAlert.objects.filter(cadre=front_line, kind=alerts.ROTATION_SHOULD).exists()
    assert not StaleCadre.objects.exists()
    assert keys(alerts.alerts(Cadre.objects.all(), TODAY)) == keys(live_alerts(TODAY))


def test_deleting_a_record_and_changing_the_cadre_mark_them(world):
    register.rebuild(TODAY)
    veteran = world["veteran"]
    PostHistory.objects.filter(cadre=veteran).delete()
    fine = world["fine"]
    fine.post_since = add_years(TODAY, -10)
    fine.save()
    assert set(StaleCadre.objects.values_list("cadre_id", flat=True)) == {veteran.pk, fine.pk}
    found = {(a.kind.code, a.cadre.name) for a in alerts.alerts(Cadre.objects.all(), TODAY)}
    assert (alerts.TOWNSHIP, "乡镇老将") not in found and (alerts.ROTATION_MUST, "无预警") in found
    assert register.catch_up() == 2
    assert keys(alerts.alerts(Cadre.objects.all(), TODAY)) == keys(live_alerts(TODAY))


def live_alerts(day):
    AlertRegister.objects.update(day=None)
    try:
        return alerts.alerts(Cadre.objects.all(), day)
    finally:
        AlertRegister.objects.update(day=day)


def test_a_bulk_import_marks_the_cadres_it_wrote(world):
    """An Excel import writes with bulk_create (no model signal): it says whose records changed."""
    register.rebuild(TODAY)
    front_line = Cadre.objects.get(name="六年")
    front_line.id_number = "410423198001010011"
    front_line.id_number = front_line.id_number[:17] + importing.id_check_digit(front_line.id_number[:17])
    Cadre.objects.filter(pk=front_line.pk).update(id_number=front_line.id_number)  # no signal: the set-up
    book = openpyxl.Workbook()
    book.active.title = "健康体检"
    book.active.append(["身份证号", "姓名", "体检日期", "体检标准", "体检结论", "体检机构"])
    book.active.append([front_line.id_number, "六年", (TODAY - DAY).isoformat(), "提高标准体检", "未见异常", "市人民医院"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    report = importing.import_health_checks(buffer)
    assert report.ok, [str(e) for e in report.errors]
    assert list(StaleCadre.objects.values_list("cadre_id", flat=True)) == [front_line.pk]
    assert (alerts.HEALTH_CHECK, "六年") not in {(a.kind.code, a.cadre.name) for a in alerts.alerts(Cadre.objects.all(), TODAY)}


def test_a_unit_changing_level_marks_its_cadres_and_those_who_served_there(world):
    register.rebuild(TODAY)
    township = world["township"]
    township.level = UnitLevel.COUNTY
    township.save()
    marked = set(StaleCadre.objects.values_list("cadre_id", flat=True))
    assert world["veteran"].pk in marked and marked == set(Cadre.objects.filter(unit=township).values_list("pk", flat=True))
    assert (alerts.TOWNSHIP, "乡镇老将") not in {(a.kind.code, a.cadre.name) for a in alerts.alerts(Cadre.objects.all(), TODAY)}


def test_another_day_or_a_changed_rule_is_computed_live(world):
    """The register holds one day under one set of rules: tomorrow (before the worker has rebuilt
    it) or after a rule parameter changed, the alerts are computed live."""
    import rulebook
    from rulebook.models import RuleParameter

    register.rebuild(TODAY)
    factories.cadre("明天满五年", world["township"], post_since=add_years(TODAY + DAY, -5))
    register.catch_up()
    assert not register.usable(TODAY + DAY)
    tomorrow = {(a.kind.code, a.cadre.name) for a in alerts.alerts(Cadre.objects.all(), TODAY + DAY)}
    assert (alerts.ROTATION_SHOULD, "明天满五年") in tomorrow
    assert register.usable(TODAY)
    RuleParameter.objects.create(
        key=alerts.TOWNSHIP_EXCELLENT.key, value={"years": 5, "grades": 2}, effective_from=datetime.date(2020, 1, 1)
    )
    rulebook.registry.clear_cache()
    assert not register.usable(TODAY)
    assert alerts.TOWNSHIP not in {a.kind.code for a in alerts.alerts(Cadre.objects.all(), TODAY)}


def test_the_worker_keeps_the_register_current(world):
    from django.utils import timezone

    from workflows.scheduling import run_upkeep

    now = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(9)))
    first = run_upkeep(now=now)["alert register"]
    assert first["rebuilt"] == StandingAlert.objects.count() > 0 and register.usable(TODAY)
    HealthCheck.objects.create(cadre=Cadre.objects.get(name="六年"), date=TODAY)
    assert run_upkeep(now=now)["alert register"] == {"rebuilt": None, "caught_up": 1}
    assert run_upkeep(now=now + datetime.timedelta(days=1))["alert register"]["rebuilt"] is not None
    assert AlertRegister.objects.get().day == TODAY + DAY


def test_a_worker_that_waited_on_the_lock_does_not_rebuild_again(world):
    """Several workers reach the turn of the day together: the first rebuilds, the others find it
    current once they get the register's lock."""
    assert register.rebuild(TODAY, unless_current=True) > 0
    computed = AlertRegister.objects.get().computed_at
    assert register.rebuild(TODAY, unless_current=True) is None
    assert AlertRegister.objects.get().computed_at == computed
    assert register.rebuild(TODAY) > 0  # by hand (the management command): always
