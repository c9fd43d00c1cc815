from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _

from workflows.forms import UNSTORABLE_TEXT


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user picked another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language; officials on an
    English-language browser should still get the Chinese UI by default.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()  # don't leak the request's language into the thread
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class UnstorableInputMiddleware:
    """Refuse a query string or form field holding NUL or a lone surrogate with a 400, before any
    view runs (issue 13 "Bad input"): no text column can store them, and PostgreSQL answers a NUL
    in a query parameter with an error. JSON bodies are checked by ``api.parsers.CleanJSONParser``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._unstorable(request.GET) or (
            request.method == "POST" and request.content_type == "application/x-www-form-urlencoded" and self._unstorable(request.POST)
        ):
            message = _("提交的内容含有无法保存的字符（空字符或不成对的代理字符），请删除后重新提交")
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "validation_error", "message": str(message)}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _unstorable(query):
        return any(UNSTORABLE_TEXT.search(key) or any(UNSTORABLE_TEXT.search(v) for v in values) for key, values in query.lists())
