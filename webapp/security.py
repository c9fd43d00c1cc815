"""Login protection and session hygiene (issue 13).

- ``client_address``: the client's address for the login lockout (django-axes), by the same
  rule as the API throttles: ``REMOTE_ADDR``, or — only when ``MERITFLOW_TRUSTED_PROXIES`` reverse
  proxies are configured — the address the nearest trusted proxy appended to ``X-Forwarded-For``.
  Entries a client writes into that header itself are never taken.
- ``LockoutBackend``: axes' backend, first in ``AUTHENTICATION_BACKENDS``; it refuses a locked
  user name or address before any password is checked.
- ``lockout_response``: what a locked-out login page answers (the login page with the reason).
- ``SessionIdleTimeoutMiddleware``: sessions end ``SESSION_COOKIE_AGE`` after the last request.
"""

import ipaddress
import math

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _


def _address(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except (ValueError, AttributeError):
        return None


def client_address(request):
    """The client address: REMOTE_ADDR, or the ``X-Forwarded-For`` entry the nearest of
    ``MERITFLOW_TRUSTED_PROXIES`` proxies wrote (as DRF's ``NUM_PROXIES``)."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "MERITFLOW_TRUSTED_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded.strip():
        entries = [entry for entry in forwarded.split(",") if entry.strip()]
        if entries:
            found = _address(entries[-min(proxies, len(entries))])
            if found:
                return found
    return remote


class OfficeAddressHandler(AxesDatabaseHandler):
    """Axes' database handler with a separate, higher limit for a client address.

    An organisation department's officials usually reach the app from one office address (one
    NAT gateway): five mistyped passwords among them must not lock the whole office out. A user
    name is locked after ``AXES_FAILURE_LIMIT`` failures; an address after
    ``MERITFLOW_LOGIN_ADDRESS_FAILURE_LIMIT`` (password spraying over many user names from one
    address). Failures per address are scaled onto the user-name limit, which axes compares."""

    def get_failures(self, request, credentials=None):
        limit = settings.AXES_FAILURE_LIMIT
        address_limit = max(getattr(settings, "MERITFLOW_LOGIN_ADDRESS_FAILURE_LIMIT", limit), 1)
        worst = 0
        for parameter, attempts in zip(settings.AXES_LOCKOUT_PARAMETERS, self.get_user_attempts(request, credentials)):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if parameter == "ip_address":
                failures = failures * limit // address_limit
            worst = max(worst, failures)
        return worst


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check. A refused attempt marks the request ``login_locked_out``: the user
    name or address was locked before this attempt, so its password was not even checked (the
    failure that reaches the limit is still answered as a wrong password; the next attempt is
    refused). ``authenticate()`` without a request (a management command, the test client's
    ``login()``) is no login over HTTP: nothing to count or refuse there."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            request.login_locked_out = True
            raise


def lockout_message(request=None):
    minutes = max(1, math.ceil(get_cool_off(request).total_seconds() / 60))
    return _("登录失败次数过多，该账户或地址已被暂时锁定，请 %(minutes)s 分钟后再试。") % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """Axes' answer to a login refused by the lockout (``AXES_LOCKOUT_CALLABLE``).

    The attempt that reached the limit keeps its own answer (a wrong password); so does the API,
    which answers lockouts in its JSON error format (``api.views.TokenView``). Any other login
    page (ours, the admin's) gets our login page with the reason, status 429."""
    if original_response is not None and (
        not getattr(request, "login_locked_out", False) or original_response.get("Content-Type", "").startswith("application/json")
    ):
        return original_response
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "locked_out": True, "lockout_message": lockout_message(request), "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


class SessionIdleTimeoutMiddleware:
    """Renews a signed-in session's expiry (``SESSION_COOKIE_AGE`` from now) when its last renewal
    is older than ``MERITFLOW_SESSION_REFRESH_SECONDS`` (at most half the age), so a session ends
    after that long without a request, and is written at most once per interval — not on every
    request, as ``SESSION_SAVE_EVERY_REQUEST`` would."""

    KEY = "_meritflow_renewed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            interval = min(getattr(settings, "MERITFLOW_SESSION_REFRESH_SECONDS", 300), settings.SESSION_COOKIE_AGE / 2)
            now = timezone.now().timestamp()
            renewed = request.session.get(self.KEY)
            if not isinstance(renewed, (int, float)) or now - renewed >= interval:
                request.session[self.KEY] = int(now)  # modified: SessionMiddleware saves it with a new expiry
        return self.get_response(request)
