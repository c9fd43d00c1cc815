"""Rule parameters an administrator changes without a code change (issue 12 "Rules as data").

Each parameter is declared once, next to the code that reads it, with its default (the value
DOMAIN.md gives) and its source; a dated row in the admin ("规则参数") overrides the default from
its effective date. Read with ``rulebook.value(key, on=date)``.
"""

from .registry import declare, declared, value

__all__ = ["declare", "declared", "value"]
