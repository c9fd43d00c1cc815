"""Throttles. Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` and are read on each
request (DRF's own throttles read them once, at import), so a changed setting — e.g. in a
test — takes effect at once. A scope without a rate is not throttled."""

import hashlib

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
