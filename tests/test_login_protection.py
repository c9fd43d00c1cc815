"""Login protection (issue 13, item 2): the web login and the API token endpoint lock a user name
or a client address out after repeated failures (django-axes, webapp/security.py), even for the
right password; the client address is REMOTE_ADDR unless trusted proxies are configured, so a
rotated X-Forwarded-For escapes neither the lockout nor the API throttles."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import RequestFactory, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from api.throttling import TokenAddressThrottle
from tests.merit_helpers import load_world
from webapp.security import client_address

pytestmark = pytest.mark.django_db

PASSWORD = "Lantern-Quay-2031"
LOCKED = "登录失败次数过多，该账户或地址已被暂时锁定"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def people():
    model = get_user_model()
    return [model.objects.create_user(f"cadre{i}", password=PASSWORD) for i in range(8)]


def no_throttles():
    """The API's own throttles off, so that what refuses is the lockout."""
    return override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth_token": None, "auth_token_username": None}}
    )


def rates(**changes):
    return override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **changes},
        }
    )


def web_login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def signed_in(response):
    return response.wsgi_request.user.is_authenticated


def token(username, password, **extra):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra)


# --------------------------------------------------------------------------- the web login


def test_web_login_stays_locked_after_200_wrong_passwords_even_with_the_right_one(client, people):
    assert settings.AXES_FAILURE_LIMIT == 5
    answers = [web_login(client, "cadre0", f"guess{i}") for i in range(200)]
    # The failure that reaches the limit is still answered as a wrong password; then locked.
    assert all(r.status_code == 200 and "用户名或密码不正确" in r.content.decode() for r in answers[:5])
    assert all(r.status_code == 429 for r in answers[5:])
    right = web_login(client, "cadre0", PASSWORD)
    assert right.status_code == 429 and not signed_in(right)
    page = right.content.decode()
    assert LOCKED in page and "15 分钟后再试" in page
    assert 'name="username"' in page  # the login form again, not a bare error text


def test_web_lockout_is_per_user_name_from_any_address(client, people):
    for i in range(5):
        web_login(client, "cadre1", "wrong", REMOTE_ADDR=f"10.1.0.{i + 1}")
    refused = web_login(client, "cadre1", PASSWORD, REMOTE_ADDR="10.1.0.99")
    assert refused.status_code == 429 and not signed_in(refused)
    other = web_login(client, "cadre2", PASSWORD, REMOTE_ADDR="10.1.0.99")
    assert other.status_code == 302 and signed_in(other)


def test_an_office_address_is_not_locked_by_a_few_colleagues_typos(client, people):
    """Officials share their office's address (one gateway): a mistyped password each, from five
    colleagues, locks nobody else out — an address has its own, higher limit."""
    assert settings.MERITFLOW_LOGIN_ADDRESS_FAILURE_LIMIT == 30
    for i in range(5):
        web_login(client, f"cadre{i}", "wrong", REMOTE_ADDR="10.3.0.1")
    colleague = web_login(client, "cadre7", PASSWORD, REMOTE_ADDR="10.3.0.1")
    assert colleague.status_code == 302 and signed_in(colleague)


def spray(client, count, **extra):
    """``count`` wrong passwords spread over user names, none of them reaching its own limit."""
    for i in range(count):
        web_login(client, f"cadre{i % 7}", "wrong", **extra)


def test_web_lockout_is_per_address_for_any_user_name(client, people):
    spray(client, 29, REMOTE_ADDR="10.2.0.1")
    assert signed_in(web_login(client, "cadre7", PASSWORD, REMOTE_ADDR="10.2.0.1"))
    client.logout()
    spray(client, 1, REMOTE_ADDR="10.2.0.1")  # the address's 30th failure
    refused = web_login(client, "cadre7", PASSWORD, REMOTE_ADDR="10.2.0.1")
    assert refused.status_code == 429 and LOCKED in refused.content.decode() and not signed_in(refused)
    elsewhere = web_login(client, "cadre7", PASSWORD, REMOTE_ADDR="10.2.0.2")
    assert elsewhere.status_code == 302 and signed_in(elsewhere)


def test_rotating_x_forwarded_for_does_not_escape_the_web_lockout(client, people):
    for i in range(30):
        web_login(client, f"cadre{i % 7}", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}")
    refused = web_login(client, "cadre7", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert refused.status_code == 429 and not signed_in(refused)


def test_the_admin_login_is_locked_too(client, admin_user):
    for _ in range(5):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    refused = client.post("/admin/login/", {"username": "admin", "password": "password"})
    assert refused.status_code == 429 and LOCKED in refused.content.decode()


# --------------------------------------------------------------------------- the API token endpoint


def test_token_endpoint_stays_locked_after_200_wrong_passwords_even_with_the_right_one(people):
    with no_throttles():
        answers = [token("cadre0", f"guess{i}") for i in range(200)]
        assert [r.status_code for r in answers[:5]] == [401] * 5
        assert {r.json()["code"] for r in answers[5:]} == {"locked_out"}
        right = token("cadre0", PASSWORD)
    assert right.status_code == 429
    assert right.json()["code"] == "locked_out" and LOCKED in right.json()["message"] and "token" not in right.json()
    assert int(right["Retry-After"]) == 15 * 60


def test_token_lockout_is_shared_with_the_web_login(client, people):
    for _ in range(5):
        web_login(client, "cadre3", "wrong", REMOTE_ADDR="10.3.0.1")
    with no_throttles():
        refused = token("cadre3", PASSWORD, REMOTE_ADDR="10.3.0.2")
    assert refused.status_code == 429 and refused.json()["code"] == "locked_out"


def test_rotating_x_forwarded_for_does_not_escape_the_token_lockout(people):
    with no_throttles():
        for i in range(30):  # the address's limit, spread over user names
            token(f"cadre{i % 7}", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}")
        refused = token("cadre7", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert refused.status_code == 429 and refused.json()["code"] == "locked_out"


def test_rotating_x_forwarded_for_does_not_escape_the_api_throttle(people):
    with rates(auth_token="3/min", auth_token_username=None):
        for i in range(3):
            assert token(f"cadre{i}", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}").status_code == 401
        throttled = token("cadre7", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert throttled.status_code == 429 and throttled.json()["code"] == "throttled"


# --------------------------------------------------------------------------- trusted proxies


def test_client_address_ignores_x_forwarded_for_unless_proxies_are_trusted():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9")
    assert settings.MERITFLOW_TRUSTED_PROXIES == 0
    assert client_address(request) == "10.0.0.1"
    assert TokenAddressThrottle().get_ident(request) == "10.0.0.1"
    with override_settings(MERITFLOW_TRUSTED_PROXIES=1):
        # One proxy: the address it appended (the last entry); what the client wrote is ignored.
        assert client_address(request) == "203.0.113.9"
        assert TokenAddressThrottle().get_ident(request) == "203.0.113.9"
        garbage = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
        assert client_address(garbage) == "10.0.0.1" and TokenAddressThrottle().get_ident(garbage) == "10.0.0.1"
    with override_settings(MERITFLOW_TRUSTED_PROXIES=2):
        assert client_address(request) == "1.1.1.1"


@override_settings(MERITFLOW_TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_the_lockout_and_the_throttle_take_the_real_client(client, people):
    # Every request comes from the proxy (REMOTE_ADDR 127.0.0.1); the client forges entries in
    # front of the one the proxy appends.
    for i in range(30):  # the address's limit, spread over user names
        web_login(client, f"cadre{i % 7}", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}, 203.0.113.5")
    assert web_login(client, "cadre7", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5").status_code == 429
    other_client = web_login(client, "cadre7", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert other_client.status_code == 302 and signed_in(other_client)

    with rates(auth_token="2/min", auth_token_username=None):
        for i in range(2):
            token("cadre5", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{i + 1}, 203.0.113.20")
        assert token("cadre6", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.9, 203.0.113.20").json()["code"] == "throttled"
        assert token("cadre6", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.21").status_code == 200


# --------------------------------------------------------------------------- isolation, demo users


def test_demo_users_still_sign_in_with_the_demo_password(client):
    # Runs after the lockout tests above: their failures (from this client's address) are gone.
    load_world()
    wrong = web_login(client, "ls_qt_jbr", "demo1234")
    assert wrong.status_code == 200 and not signed_in(wrong)
    # Only this test's own failure is on record.
    assert [(a.username, a.failures_since_start) for a in AccessAttempt.objects.all()] == [("ls_qt_jbr", 1)]
    right = web_login(client, "ls_qt_jbr", "demo12345")
    assert right.status_code == 302 and signed_in(right)
    with no_throttles():
        assert token("ls_qt_ld", "demo12345").status_code == 200
