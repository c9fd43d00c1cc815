"""The API's JSON parser: text must be text (issue 13 "Bad input").

A JSON string may spell a lone surrogate (``"\\ud800"``) or a NUL (``"\\u0000"``); neither can be
stored (UTF-8 cannot encode a lone surrogate; PostgreSQL refuses NUL in text) and neither is
anything an official types. They are refused where they are, as a field error (400), before any
view runs, so nothing changes.
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

# A surrogate code point left in a decoded str is always unpaired (json pairs the valid ones).
from workflows.forms import UNSTORABLE_TEXT as UNSTORABLE


def unstorable_fields(value, path=""):
    """The paths (``deeds``, ``tasks.0``) of every string in ``value`` holding NUL or a lone surrogate."""
    found = []
    if isinstance(value, str):
        if UNSTORABLE.search(value):
            found.append(path or "non_field_errors")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if UNSTORABLE.search(str(key)):
                found.append(path or "non_field_errors")
            found += unstorable_fields(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += unstorable_fields(item, f"{path}.{index}" if path else str(index))
    return found


class CleanJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        fields = unstorable_fields(data)
        if fields:
            message = _("含有无法保存的字符（空字符或不成对的代理字符），请删除后重新提交")
            raise exceptions.ValidationError({field: [message] for field in fields})
        return data
