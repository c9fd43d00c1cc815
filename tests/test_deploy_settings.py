"""Deployment hygiene in settings (issue 13, item 6): `check --deploy` is clean in production,
MERITFLOW_HTTPS=0 switches HTTPS off for plain HTTP, sessions end after an idle timeout,
weak passwords are refused, PostgreSQL statements have a timeout."""

import datetime
import json
import os
import re
import secrets
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent


def production_env(tmp_path, **extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MERITFLOW_", "SECURE_", "DB_"))
        and k not in ("DEBUG", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        MERITFLOW_ENV="production",
        MERITFLOW_VAR_DIR=str(tmp_path),
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="meritflow.example.gov.cn",
    )
    env.update(extra)
    return env


def run(args, env):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


SETTINGS_DUMP = """
import json
import webapp.settings as s
names = ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
         "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_AGE",
         "MERITFLOW_TRUSTED_PROXIES", "MERITFLOW_SCRIPT_TIME_LIMIT", "MERITFLOW_SCRIPT_SIZE_LIMIT",
         "AXES_FAILURE_LIMIT", "CACHES"]
out = {name: getattr(s, name, None) for name in names}
out["AXES_COOLOFF_MINUTES"] = s.AXES_COOLOFF_TIME.total_seconds() / 60
out["NUM_PROXIES"] = s.REST_FRAMEWORK["NUM_PROXIES"]
out["DB_OPTIONS"] = s.DATABASES["default"].get("OPTIONS", {})
out["DB_HEALTH_CHECKS"] = s.DATABASES["default"].get("CONN_HEALTH_CHECKS")
print(json.dumps(out))
"""


def settings_in(env):
    result = run(["-c", SETTINGS_DUMP], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- check --deploy, HTTPS


def test_check_deploy_prints_no_warnings_in_production(tmp_path):
    result = run(["manage.py", "check", "--deploy"], production_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and not re.search(r"\b\w+\.W\d{3}\b", output), output
    assert "System check identified no issues" in output


def test_production_defaults_are_https_with_hsts(tmp_path):
    values = settings_in(production_env(tmp_path))
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and values["SECURE_HSTS_PRELOAD"] is False
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # only when configured
    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


def test_meritflow_https_off_switches_redirect_hsts_and_secure_cookies_off(tmp_path):
    on = settings_in(production_env(tmp_path, MERITFLOW_HTTPS="1"))
    assert on["SECURE_SSL_REDIRECT"] is True and on["SECURE_HSTS_SECONDS"] > 0 and on["SESSION_COOKIE_SECURE"] is True
    values = settings_in(production_env(tmp_path, MERITFLOW_HTTPS="0"))
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False and values["CSRF_COOKIE_SECURE"] is False
    # The older variable for plain HTTP means the same.
    legacy = settings_in(production_env(tmp_path, SECURE_COOKIES="0"))
    assert legacy["SECURE_SSL_REDIRECT"] is False and legacy["SECURE_HSTS_SECONDS"] == 0


def test_proxy_ssl_header_and_lockout_settings_come_from_the_environment(tmp_path):
    values = settings_in(
        production_env(
            tmp_path,
            MERITFLOW_PROXY_SSL_HEADER="X-Forwarded-Proto",
            MERITFLOW_TRUSTED_PROXIES="1",
            MERITFLOW_LOGIN_FAILURE_LIMIT="8",
            MERITFLOW_LOGIN_COOLOFF_MINUTES="30",
            MERITFLOW_SESSION_IDLE_MINUTES="45",
        )
    )
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["MERITFLOW_TRUSTED_PROXIES"] == 1 and values["NUM_PROXIES"] == 1
    assert values["AXES_FAILURE_LIMIT"] == 8 and values["AXES_COOLOFF_MINUTES"] == 30
    assert values["SESSION_COOKIE_AGE"] == 45 * 60
    custom = settings_in(production_env(tmp_path, MERITFLOW_PROXY_SSL_HEADER="X-Scheme=HTTPS"))
    assert custom["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_SCHEME", "HTTPS"]
    defaults = settings_in(production_env(tmp_path))
    assert defaults["MERITFLOW_TRUSTED_PROXIES"] == 0 and defaults["NUM_PROXIES"] == 0
    assert defaults["SESSION_COOKIE_AGE"] == 2 * 3600
    assert defaults["MERITFLOW_SCRIPT_TIME_LIMIT"] == 1.0 and defaults["MERITFLOW_SCRIPT_SIZE_LIMIT"] == 10_000_000


def test_postgresql_statements_time_out_and_are_not_jit_compiled(tmp_path):
    url = "postgres://meritflow:secret@db.example:5432/meritflow"
    options = settings_in(production_env(tmp_path, DATABASE_URL=url))["DB_OPTIONS"]["options"]
    assert options == "-c statement_timeout=30000 -c jit=off -c plan_cache_mode=force_generic_plan"
    assert settings_in(production_env(tmp_path, DATABASE_URL=url, DB_STATEMENT_TIMEOUT="5"))["DB_OPTIONS"]["options"] == (
        "-c statement_timeout=5000 -c jit=off -c plan_cache_mode=force_generic_plan"
    )
    assert settings_in(production_env(tmp_path, DATABASE_URL=url))["DB_HEALTH_CHECKS"] is True
    # Behind PgBouncer in transaction mode no startup option may be sent (README "Connection pooling").
    pooled = settings_in(
        production_env(tmp_path, DATABASE_URL=url, DB_STATEMENT_TIMEOUT="0", DB_JIT="server", DB_PREPARED_STATEMENTS="role")
    )
    assert "options" not in pooled["DB_OPTIONS"]
    assert "options" not in settings_in(production_env(tmp_path))["DB_OPTIONS"]  # SQLite: no such option


def test_postgresql_statements_are_prepared_with_generic_plans_unless_switched_off(tmp_path):
    url = "postgres://meritflow:secret@db.example:5432/meritflow"
    default = settings_in(production_env(tmp_path, DATABASE_URL=url))["DB_OPTIONS"]
    assert default["server_side_binding"] is True and default["prepare_threshold"] == 5
    assert "plan_cache_mode=force_generic_plan" in default["options"]
    role = settings_in(production_env(tmp_path, DATABASE_URL=url, DB_PREPARED_STATEMENTS="role"))["DB_OPTIONS"]
    assert role["server_side_binding"] is True and "plan_cache_mode" not in role["options"]
    off = settings_in(production_env(tmp_path, DATABASE_URL=url, DB_PREPARED_STATEMENTS="off"))["DB_OPTIONS"]
    assert "server_side_binding" not in off and "prepare_threshold" not in off and "plan_cache_mode" not in off["options"]
    wrong = run(["-c", SETTINGS_DUMP], production_env(tmp_path, DATABASE_URL=url, DB_PREPARED_STATEMENTS="yes"))
    assert wrong.returncode != 0 and "DB_PREPARED_STATEMENTS='yes': generic, role or off" in wrong.stderr
    assert "server_side_binding" not in settings_in(production_env(tmp_path))["DB_OPTIONS"]  # SQLite


def test_the_engines_state_trace_is_not_logged_unless_asked_for(tmp_path):
    dump = "import json, webapp.settings as s; print(json.dumps(s.LOGGING))"
    default = json.loads(run(["-c", dump], production_env(tmp_path)).stdout.strip().splitlines()[-1])
    assert default["loggers"]["spiff"]["level"] == "WARNING" and default["root"]["level"] == "INFO"
    asked = json.loads(run(["-c", dump], production_env(tmp_path, SPIFF_LOG_LEVEL="INFO")).stdout.strip().splitlines()[-1])
    assert asked["loggers"]["spiff"]["level"] == "INFO"


# --------------------------------------------------------------------------- passwords


@pytest.mark.django_db
def test_weak_passwords_are_refused_and_a_long_uncommon_one_is_accepted():
    user = get_user_model()(username="zhangwei_qtjbr", first_name="伟", last_name="张")
    for password, code in [
        ("qtjbr2026", "password_too_short"),  # under 10 characters
        ("short", "password_too_short"),
        ("zhangwei_qtjbr", "password_too_similar"),  # the user name
        ("password1234", "password_too_common"),
    ]:
        with pytest.raises(ValidationError) as refused:
            validate_password(password, user)
        assert code in {error.code for error in refused.value.error_list}, password
    validate_password("Lantern-Quay-2031", user)


# --------------------------------------------------------------------------- session idle timeout


@contextmanager
def clock(start):
    """Moves django.utils.timezone.now (what sessions and the middleware read)."""
    state = {"now": start}
    with mock.patch("django.utils.timezone.now", lambda: state["now"]):
        yield lambda **delta: state.update(now=start + datetime.timedelta(**delta))


def signed_in(client):
    return client.get("/i18n/setlang/").wsgi_request.user.is_authenticated


def expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


@pytest.mark.django_db
def test_a_session_ends_after_two_idle_hours(client, django_user_model):
    user = django_user_model.objects.create_user("idle", password="Lantern-Quay-2031")
    with clock(timezone.now()) as at:
        client.force_login(user)
        at(minutes=119)
        assert signed_in(client)
        at(minutes=119 + 121)  # two hours after the last request
        assert not signed_in(client)


@pytest.mark.django_db
def test_requests_keep_a_session_alive_and_renew_it_at_most_every_five_minutes(client, django_user_model):
    user = django_user_model.objects.create_user("busy", password="Lantern-Quay-2031")
    start = timezone.now()
    with clock(start) as at:
        client.force_login(user)
        at(minutes=60)
        assert signed_in(client)
        renewed = expiry(client)
        assert renewed == start + datetime.timedelta(minutes=60 + 120)
        at(minutes=63)
        assert signed_in(client) and expiry(client) == renewed  # no write within five minutes
        at(minutes=66)
        assert signed_in(client) and expiry(client) == start + datetime.timedelta(minutes=66 + 120)
        at(minutes=66 + 119)
        assert signed_in(client)  # still, thanks to the last request
        at(minutes=66 + 119 + 121)
        assert not signed_in(client)
