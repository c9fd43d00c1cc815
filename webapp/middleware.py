from django.conf import settings
from django.utils import translation
from django.utils.translation import check_for_language


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
