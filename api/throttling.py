"""Throttles. Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` and are read on each
request (DRF's own throttles read them once, at import), so a changed setting — e.g. in a
test — takes effect at once. A scope without a rate is not throttled.

The counters live in the default cache, which settings make a database table shared by every
application server. The client address is ``REMOTE_ADDR`` unless ``MERITFLOW_TRUSTED_PROXIES``
reverse proxies are configured (the rule of the login lockout, webapp/security.py): a client
that sends its own ``X-Forwarded-For`` gets no fresh counter by it."""

import hashlib
import ipaddress

from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class LiveRateThrottle(SimpleRateThrottle):
    def __init__(self):  # the rate is looked up per request, below
        pass

    def allow_request(self, request, view):
        self.rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_ident(self, request):
        """REMOTE_ADDR, or the X-Forwarded-For entry written by the nearest of
        ``MERITFLOW_TRUSTED_PROXIES`` proxies (DRF's ``NUM_PROXIES`` rule, from the one setting)."""
        remote = request.META.get("REMOTE_ADDR")
        proxies = getattr(settings, "MERITFLOW_TRUSTED_PROXIES", 0)
        entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
        if proxies > 0 and entries:
            try:
                return str(ipaddress.ip_address(entries[-min(proxies, len(entries))]))
            except ValueError:
                pass
        return remote


class TokenAddressThrottle(LiveRateThrottle):
    """Password guessing from one address (``auth_token``, per client address)."""

    scope = "auth_token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenUsernameThrottle(LiveRateThrottle):
    """Password guessing against one account from many addresses (``auth_token_username``)."""

    scope = "auth_token_username"

    def get_cache_key(self, request, view):
        data = request.data
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username.strip():
            return None
        ident = hashlib.sha256(username.strip().lower().encode()).hexdigest()  # cache-key safe
        return self.cache_format % {"scope": self.scope, "ident": ident}


class VerifyThrottle(LiveRateThrottle):
    """The public document verification (``document_verify``, per user or address)."""

    scope = "document_verify"

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
