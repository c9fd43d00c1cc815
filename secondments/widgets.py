"""Widgets of the secondment forms (issue 15 item 9): the nominating unit's cadres as a table with
their eligibility, and the plan's posts as a table of rows."""

import re

from django import forms
from django.utils.translation import gettext as _


class CandidateTable(forms.CheckboxSelectMultiple):
    """The unit's cadres, one row each, marked eligible or not with the reasons of the decision
    table before one is picked (DOMAIN.md §5 default exclusions and the round's criteria).

    ``marks`` is set by the form: a callable returning {cadre pk: (cadre, [reasons], facts)}; it runs only
    when the page renders (never for an API schema or a submission). A cadre who does not qualify
    cannot be ticked (the form refuses them anyway, with the same reasons), unless already ticked.
    """

    template_name = "secondments/widgets/candidate_table.html"
    marks = None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        found = self.marks() if callable(self.marks) else {}
        rows = []
        for _group, options, _index in context["widget"]["optgroups"]:
            for option in options:
                cadre, reasons, facts = found.get(int(option["value"]) if str(option["value"]).isdigit() else None, (None, None, {}))
                eligible = None if cadre is None else not reasons
                if eligible is False and not option["selected"]:
                    option["attrs"] = {**option["attrs"], "disabled": True}
                option["attrs"].setdefault("aria-describedby", f"{option['attrs'].get('id', '')}_mark")
                rows.append({"option": option, "cadre": cadre, "eligible": eligible, "reasons": reasons or [], "facts": facts or {}})
        # Those who qualify first, then the others; each group in the unit's order.
        rows.sort(key=lambda row: row["eligible"] is False)
        context["widget"]["rows"] = rows
        context["widget"]["eligible_count"] = sum(1 for row in rows if row["eligible"])
        context["widget"]["checked"] = any(row["eligible"] is not None for row in rows)
        return context


_ROW = re.compile(r"^(?P<name>.+)-(?P<index>\d+)-(?P<part>host_unit|title|places|requirements)$")
POST_PARTS = ("host_unit", "title", "places", "requirements")
BLANK_ROWS = 2  # empty rows offered below the filled ones (without scripts, the way to add posts)
MIN_ROWS = 3


class PositionsTable(forms.Widget):
    """挂职单位和岗位 as a table: one row per post (host unit code or name, post, places, requirements), with
    add/remove buttons (``secondments/static/secondments/plan.js``) and, without scripts, blank rows to fill.

    The rows post as ``positions-<n>-host_unit`` / ``-title`` / ``-places`` / ``-requirements``; the
    value is the list of {"host_unit", "title", "places"[, "requirements"]} the field has always taken (the API still sends that list,
    or the text ``单位｜岗位｜名额`` one post a line, as ``positions``)."""

    template_name = "secondments/widgets/positions_table.html"
    row_errors = None  # {row number (1-based): message}, set by the form's validation

    def value_from_datadict(self, data, files, name):
        whole = data.get(name)
        rows = {}
        for key in data:
            match = _ROW.match(key)
            if match and match["name"] == name:
                rows.setdefault(int(match["index"]), {})[match["part"]] = (data.get(key) or "").strip()
        # A row without unit, post and requirements is blank (its places may keep the default 1).
        posted = [rows[i] for i in sorted(rows) if any(rows[i].get(part) for part in POST_PARTS if part != "places")]
        if not rows:
            return whole  # the API's list or text, or nothing
        filled = [{part: r.get(part, "") for part in POST_PARTS} for r in posted]
        if isinstance(whole, str) and whole.strip():
            return {"rows": filled, "text": whole}
        return filled

    def value_omitted_from_data(self, data, files, name):
        return name not in data and not any(key.startswith(f"{name}-") and _ROW.match(key) for key in data)

    def id_for_label(self, id_):
        return f"{id_}-0-host_unit" if id_ else None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows, text = [], ""
        if isinstance(value, dict):  # table rows and pasted text, sent back after an error
            rows, text = list(value.get("rows") or []), value.get("text") or ""
        elif isinstance(value, list):
            rows = [p for p in value if isinstance(p, dict)]
        elif isinstance(value, str) and value.strip():
            text = value
        shown = []
        errors = self.row_errors or {}
        for i, post in enumerate(rows, 1):
            shown.append(
                {
                    "host_unit": post.get("host_unit_code") or post.get("host_unit") or post.get("host_unit_id") or "",
                    "title": post.get("title", ""),
                    "places": post.get("places", ""),
                    "requirements": post.get("requirements", ""),
                    "error": errors.get(i, ""),
                }
            )
        while len(shown) < max(MIN_ROWS, len(rows) + (BLANK_ROWS if rows else 0)):
            shown.append({"host_unit": "", "title": "", "places": "", "requirements": "", "error": ""})
        base = context["widget"]["attrs"].get("id") or f"id_{name}"
        for index, row in enumerate(shown):
            row["index"] = index
            row["number"] = index + 1
            row["prefix"] = f"{name}-{index}"
            row["id"] = f"{base}-{index}"
        context["widget"].update(rows=shown, text=text, base_id=base, template_row={"prefix": f"{name}-__n__", "id": f"{base}-__n__"})
        context["widget"]["text_label"] = _("或粘贴多行：每行一个岗位，单位代码或名称｜岗位名称｜名额｜岗位要求（可省略）")
        return context
