"""The English catalogue (locale/en/LC_MESSAGES/django.po) and the language switch.

Chinese is the source language; English is chosen with the switcher (the django_language
cookie, see webapp.middleware.ChineseFirstLocaleMiddleware). These tests check that

- every entry of the English catalogue is translated and none is fuzzy;
- the placeholders (``%(name)s``, ``{name}``) and HTML tags of each translation are those
  of its source string, so no ``KeyError`` at run time and no lost value;
- the catalogue covers every string marked for translation in the code (a new ``_("…")``
  or ``{% translate "…" %}`` without an English entry fails here — run the commands in
  ``CATALOGUE_HELP`` and translate the new entries);
- strings are marked so that makemessages extracts them (not through an alias such as
  ``gettext_lazy as _lazy``, not inside an f-string);
- with the English cookie the login page, the workbench and a cadre record are in English,
  and without it they are in Chinese.

The .mo file is compiled here (``compilemessages``), so the suite needs no prior step.
"""

import contextlib
import datetime
import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from permissions.roles import Role
from records.models import Sanction, SanctionKind
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
# The same exclusions as the documented makemessages command.
SOURCE_IGNORES = (".venv", "var", "test-artifacts", "tests", "bench")
pytestmark = pytest.mark.django_db
CATALOGUE_HELP = (
    "update and translate the English catalogue: MERITFLOW_ENV=test .venv/bin/python manage.py makemessages "
    "-l en --ignore=.venv --ignore=var --ignore=test-artifacts --ignore=tests --ignore=bench; "
    "translate the new entries in locale/en/LC_MESSAGES/django.po (and remove '#, fuzzy' after checking); "
    "`msgattrib --untranslated` and `msgattrib --only-fuzzy` must print nothing"
)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]")  # ideographs, CJK punctuation


# --------------------------------------------------------------------------- a tiny PO parser

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')


def _unquote(text):
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text)


def parse_po(path):
    """Entries of a PO file as dicts: msgctxt, msgid, msgid_plural, msgstr (a list: one item,
    or one per plural form), flags (a set), refs (``#:`` source references), line.
    Obsolete (``#~``) entries are left out."""
    entries, entry, field = [], None, None

    def flush():
        nonlocal entry, field
        if entry is not None and "msgid" in entry and not entry.get("obsolete"):
            entries.append(entry)
        entry, field = None, None

    def current(line_no):
        nonlocal entry
        if entry is None:
            entry = {"flags": set(), "msgstr": {}, "line": line_no}
        return entry

    for line_no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#"):
            if entry is not None and entry["msgstr"]:
                flush()  # a comment right after an entry, without a blank line
            if line.startswith("#~"):
                current(line_no)["obsolete"] = True
            elif line.startswith("#,"):
                current(line_no)["flags"].update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            elif line.startswith("#:"):
                current(line_no).setdefault("refs", []).extend(line[2:].split())
            else:
                current(line_no)
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, text = match.groups()
            if keyword in ("msgctxt", "msgid") and entry is not None and entry["msgstr"]:
                flush()
            item = current(line_no)
            if keyword.startswith("msgstr"):
                field = ("msgstr", int(index or 0))
                item["msgstr"][field[1]] = _unquote(text)
            else:
                field = (keyword, None)
                item[keyword] = _unquote(text)
        elif line.startswith('"') and line.endswith('"') and entry is not None and field is not None:
            text = _unquote(line[1:-1])
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += text
            else:
                entry[field[0]] += text
        else:
            raise AssertionError(f"{path}:{line_no}: cannot parse {raw!r}")
    flush()
    for item in entries:
        item["msgstr"] = [item["msgstr"][k] for k in sorted(item["msgstr"])]
    return entries


def _key(entry):
    return (entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural"))


def _where(entry):
    return f"{PO_FILE.relative_to(ROOT)}:{entry['line']} {entry['msgid'][:60]!r}"


@pytest.fixture(scope="module")
def catalogue():
    assert PO_FILE.exists(), f"{PO_FILE} is missing: {CATALOGUE_HELP}"
    return parse_po(PO_FILE)


# --------------------------------------------------------------------------- (a) complete


def test_the_catalogue_header_is_not_fuzzy_and_declares_english(catalogue):
    header = next(e for e in catalogue if e["msgid"] == "")
    assert "fuzzy" not in header["flags"]  # msgfmt would drop a fuzzy header (charset, plural forms)
    assert "Language: en\n" in header["msgstr"][0]
    assert "charset=UTF-8" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][0]


def test_every_entry_is_translated_and_not_fuzzy(catalogue):
    entries = [e for e in catalogue if e["msgid"]]
    assert len(entries) > 1000  # the whole UI, not a stub
    untranslated = [_where(e) for e in entries if not e["msgstr"] or not all(s.strip() for s in e["msgstr"])]
    fuzzy = [_where(e) for e in entries if "fuzzy" in e["flags"]]
    plural_forms = [_where(e) for e in entries if e.get("msgid_plural") is not None and len(e["msgstr"]) != 2]
    problems = (
        [f"untranslated: {w}" for w in untranslated]
        + [f"fuzzy (check it, then remove '#, fuzzy'): {w}" for w in fuzzy]
        + [f"plural entry needs msgstr[0] and msgstr[1]: {w}" for w in plural_forms]
    )
    assert not problems, f"{CATALOGUE_HELP}\n" + "\n".join(problems)


def test_translations_are_english(catalogue):
    """No Chinese left in a translation, except where the Chinese text is the value to type
    (labels an Excel import or an .lrmx file must contain) or a language's own name."""
    allowed = re.compile(r"简体中文|男|女|汉族|中共党员|乡科级副职|省部级正职|其他人员|优秀|基本称职|不称职|称职|不定等次|年度考核结果")
    leftovers = [_where(e) for e in catalogue if e["msgid"] for s in e["msgstr"] if CJK.search(allowed.sub("", s).replace("\u3000", " "))]
    assert not leftovers, "translations with Chinese text:\n" + "\n".join(leftovers)


def test_the_catalogue_covers_every_string_marked_in_the_code(tmp_path, settings, monkeypatch):
    """makemessages on a copy of the sources (so the real catalogue is untouched) finds no
    string that the catalogue lacks."""
    source = tmp_path / "src"
    for directory, subdirectories, files in os.walk(ROOT):
        here = Path(directory)
        subdirectories[:] = [
            d
            for d in subdirectories
            if not d.startswith(".") and d not in ("locale", "__pycache__") and not (here == ROOT and d in SOURCE_IGNORES)
        ]
        for name in files:
            if name.endswith((".py", ".html", ".txt")):
                target = source / (here / name).relative_to(ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(here / name, target)
    (source / "locale").mkdir()
    settings.LOCALE_PATHS = []  # write only into the copy's locale/
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["en"], verbosity=0)
    fresh = {_key(e): e for e in parse_po(source / "locale" / "en" / "LC_MESSAGES" / "django.po") if e["msgid"]}
    known = {_key(e) for e in parse_po(PO_FILE)}
    missing = sorted(f"{e['msgid'][:80]!r} ({' '.join(e.get('refs', [])[:3])})" for key, e in fresh.items() if key not in known)
    assert not missing, f"strings marked in the code but missing from the English catalogue ({CATALOGUE_HELP}):\n" + "\n".join(missing)


def _extracted_keywords():
    """The function names makemessages (the project's, if it overrides Django's) passes to xgettext."""
    from django.core.management import get_commands, load_command_class

    command = load_command_class(get_commands()["makemessages"], "makemessages")
    names = {"_", "gettext", "ngettext", "dgettext", "dngettext"}  # xgettext's own Python keywords
    names.update(option.split("=", 1)[1].split(":")[0] for option in command.xgettext_options if option.startswith("--keyword="))
    return names


def test_strings_are_marked_in_a_way_makemessages_extracts():
    """``gettext_lazy as _lazy`` or ``_("…")`` inside an f-string is translated at run time but never
    reaches the catalogue, so the string stays Chinese in English. Import the functions under their
    own names (or ``_``), and call them outside f-strings."""
    import ast

    keywords = _extracted_keywords()
    functions = {
        "gettext",
        "gettext_lazy",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
        "gettext_noop",
    }
    problems = []
    for directory, subdirectories, files in os.walk(ROOT):
        here = Path(directory)
        subdirectories[:] = [
            d
            for d in subdirectories
            if not d.startswith(".") and d not in ("__pycache__", "migrations") and not (here == ROOT and d in SOURCE_IGNORES)
        ]
        for name in (n for n in files if n.endswith(".py")):
            path = here / name
            tree = ast.parse(path.read_text(encoding="utf-8"))
            where = path.relative_to(ROOT)
            aliases = {
                alias.asname
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
                for alias in node.names
                if alias.name in functions and alias.asname and alias.asname not in keywords
            }
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in aliases:
                    problems.append(f"{where}:{node.lineno}: {node.func.id}(…) is not extracted (alias of gettext)")
                if isinstance(node, ast.JoinedStr):
                    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
                        if (
                            isinstance(call.func, ast.Name)
                            and call.func.id in keywords | aliases
                            and call.args
                            and isinstance(call.args[0], ast.Constant)
                        ):
                            problems.append(
                                f"{where}:{call.lineno}: {call.func.id}({call.args[0].value!r}) inside an f-string is not extracted"
                            )
    assert not problems, "strings marked for translation that makemessages cannot extract:\n" + "\n".join(problems)


# --------------------------------------------------------------------------- (c) placeholders

_PERCENT = re.compile(r"%(?:\((\w+)\))?[#0\- +]*\d*(?:\.\d+)?([sdifrxXeEgGc%])")
_BRACE = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")


def _placeholders(text):
    percent = sorted(f"%({name}){conv}" if name else f"%{conv}" for name, conv in _PERCENT.findall(text) if conv != "%")
    return {"percent": percent, "brace": sorted(set(_BRACE.findall(text))), "tags": sorted(_TAG.findall(text))}


def _without_duplicates(found):
    return {**found, "percent": sorted(set(found["percent"]))}


def test_placeholders_and_tags_match_the_source(catalogue):
    problems = []
    for entry in catalogue:
        if not entry["msgid"]:
            continue
        sources = [entry["msgid"]] if entry.get("msgid_plural") is None else [entry["msgid"], entry["msgid_plural"]]
        for index, text in enumerate(entry["msgstr"]):
            source = sources[min(index, len(sources) - 1)]
            want, got = _placeholders(source), _placeholders(text)
            named = all("(" in p for p in want["percent"])
            # Named placeholders may be repeated or reordered; positional ones must keep their order.
            if named and _without_duplicates(want) != _without_duplicates(got) or not named and want != got:
                problems.append(f"{_where(entry)}: {want} ≠ {got}")
            if source.startswith("\n") != text.startswith("\n") or source.endswith("\n") != text.endswith("\n"):
                problems.append(f"{_where(entry)}: leading/trailing newline differs")
    assert not problems, "placeholders differ between msgid and msgstr:\n" + "\n".join(problems)


def test_the_placeholder_check_catches_a_wrong_name():
    assert _placeholders("%(name)s同志") != _placeholders("Comrade %(nmae)s")
    assert _placeholders("任务编号（/api/v1/tasks/{id}/）")["brace"] == ["id"]
    assert _placeholders("共%(n)s个，100%%")["percent"] == ["%(n)s"]
    assert _placeholders("%(n)d条") != _placeholders("%(n)s items")


def test_the_parser_reads_multiline_plural_and_fuzzy_entries(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n#: a.py:1\n#, fuzzy, python-format\nmsgid "第%(n)s行"\n'
        'msgstr ""\n"Row "\n"%(n)s"\n\nmsgid "%(n)s 条"\nmsgid_plural "%(n)s 条"\nmsgstr[0] "%(n)s item"\n'
        'msgstr[1] "%(n)s items"\n\n#~ msgid "旧"\n#~ msgstr "old"\n',
        encoding="utf-8",
    )
    header, row, plural = parse_po(po)
    assert header["msgstr"] == ["Language: en\n"]
    assert row["msgstr"] == ["Row %(n)s"] and row["flags"] == {"fuzzy", "python-format"}
    assert plural["msgid_plural"] == "%(n)s 条" and plural["msgstr"] == ["%(n)s item", "%(n)s items"]


# --------------------------------------------------------------------------- (b) pages


@pytest.fixture(scope="session")
def compiled_messages():
    """Compile locale/*/django.po into .mo (gitignored) and drop the cached catalogues."""
    with contextlib.chdir(ROOT):  # compilemessages walks the current directory
        call_command("compilemessages", ignore=[*SOURCE_IGNORES, ".git", "node_modules"], verbosity=0)
    trans_real._translations = {}
    trans_real._default = None
    yield
    trans_real._translations = {}
    trans_real._default = None


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """ChineseFirstLocaleMiddleware activates the request's language and leaves it active in the
    thread; other modules call services directly and expect Chinese messages."""
    yield
    translation.deactivate()


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _page(response):
    assert response.status_code == 200
    return response.content.decode()


def _chrome_cjk(html):
    """Chinese characters on a page, apart from the language selector's own names."""
    html = re.sub(r"<option[^>]*>[^<]*</option>", "", html)
    return sorted(set(CJK.findall(html)))


def test_login_page_is_chinese_without_the_cookie(client, compiled_messages):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = _page(response)
    assert response["Content-Language"] == "zh-hans" and 'lang="zh-hans"' in html
    assert "<h1>登录</h1>" in html and "用户名" in html and "MeritFlow 干部人事审批" in html
    assert "Sign in" not in html


def test_login_page_is_english_with_the_cookie(client, compiled_messages):
    response = _english(client).get(reverse("login"))
    html = _page(response)
    assert response["Content-Language"] == "en" and 'lang="en"' in html
    assert "<h1>Sign in</h1>" in html and "Username" in html and "Password" in html
    assert "MeritFlow Cadre Personnel Approvals" in html
    assert not _chrome_cjk(html), "untranslated text on the English login page"


def test_the_switcher_sets_the_cookie_that_gives_english(client, compiled_messages):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "<h1>Sign in</h1>" in _page(client.get(reverse("login")))
    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("login")})
    assert "<h1>登录</h1>" in _page(client.get(reverse("login")))


@pytest.fixture
def officer():
    tree = f.small_tree()
    user = f.user("i18n_officer", (Role.NOMINATOR, tree["township"]))
    return user, tree


def test_workbench_in_both_languages(client, compiled_messages, officer):
    user, _tree = officer
    client.force_login(user)
    chinese = _page(client.get(reverse("home")))
    assert "<h1>工作台</h1>" in chinese and "暂无待办任务。" in chinese and "我发起的" in chinese and "退出" in chinese
    english = _page(_english(client).get(reverse("home")))
    assert "<h1>Workbench</h1>" in english and "No tasks to do." in english and "Started by me" in english
    assert "Sign out" in english and "Cadre records" in english
    assert "工作台" not in english
    assert not _chrome_cjk(english), "untranslated text on the English workbench"


def test_cadre_record_in_both_languages(client, compiled_messages, officer):
    user, tree = officer
    cadre = f.cadre("张三", tree["township"], party_join_date=datetime.date(2010, 7, 1), current_rank_since=datetime.date(2020, 3, 1))
    Sanction.objects.create(cadre=cadre, kind=SanctionKind.WARNING, decision_date=datetime.date(2025, 1, 6))
    client.force_login(user)
    url = reverse("cadre", args=[cadre.pk])
    chinese = _page(client.get(url))
    assert "（2010.07入党）" in chinese and "（2020.03起）" in chinese and "警告（" in chinese and "影响期至" in chinese
    english = _page(_english(client).get(url))
    assert "Basic information" in english and "(joined the Party 2010.07)" in english and "(since 2020.03)" in english
    assert "Warning (decided" in english and "effect period until" in english
    assert "入党" not in english and "影响期至" not in english
