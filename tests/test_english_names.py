"""Process and step names in English (workflows/names.py, workflows/bpmn_names.py).

The names come from the BPMN diagrams in Chinese; ``process_name``/``step_name`` (and the
template filters of ``{% load process_names %}``) look them up in the gettext catalogue with the
contexts "BPMN process" / "BPMN step". These tests check that

- every process and step name in bpmn/ is listed in workflows/bpmn_names.py, and nothing else is
  (a diagram that gains a name fails here: run ``manage.py bpmn_names``, then makemessages);
- the lookup works: with a catalogue that has an entry, English gives its msgstr, Chinese the
  name itself, joined names ("A、B", a timer history entry) are translated part by part, and a
  name without an entry stays as it is;
- the English catalogue has every listed name, and the pages show it.
"""

import ast
import contextlib
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import trans_real

from workflows import names

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "workflows" / "bpmn_names.py"
PO_FILE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"


def listed():
    """``{(context, name)}`` of the pgettext_lazy calls in workflows/bpmn_names.py."""
    tree = ast.parse(MODULE.read_text(encoding="utf-8"))
    return [
        (node.args[0].value, node.args[1].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "pgettext_lazy"
    ]


def in_diagrams():
    processes, steps = names.collect(settings.MERITFLOW_BPMN_DIR)
    return [(names.PROCESS_CONTEXT, name) for name, _ in processes] + [(names.STEP_CONTEXT, name) for name, _ in steps]


def test_every_bpmn_name_is_listed_for_translation():
    wanted, have = in_diagrams(), listed()
    missing = sorted(set(wanted) - set(have))
    stale = sorted(set(have) - set(wanted))
    assert not missing and not stale, (
        f"workflows/bpmn_names.py is not current (run manage.py bpmn_names, then makemessages): "
        f"missing {missing}, no longer in bpmn/ {stale}"
    )
    assert len(have) == len(set(have))
    # The diagrams' main names are there (the lists are not empty by accident).
    assert (names.PROCESS_CONTEXT, "奖励审批（嘉奖、记功）") in have
    assert (names.STEP_CONTEXT, "填报推荐材料") in have and (names.STEP_CONTEXT, "公示期满") in have


def test_the_generated_module_is_what_the_command_writes():
    call_command("bpmn_names", "--check", verbosity=0)
    assert MODULE.read_text(encoding="utf-8") == names.render_module(settings.MERITFLOW_BPMN_DIR)


@pytest.fixture
def small_catalogue(tmp_path, settings):
    """A catalogue of our own with two step names and one process name, compiled with msgfmt."""
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (Debian gettext) is not installed")
    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: en\\n"\n\n'
        'msgctxt "BPMN step"\nmsgid "填报推荐材料"\nmsgstr "Nomination"\n\n'
        'msgctxt "BPMN step"\nmsgid "公示期满"\nmsgstr "Notice period over"\n\n'
        'msgctxt "BPMN process"\nmsgid "破格提拔"\nmsgstr "Exceptional promotion"\n',
        encoding="utf-8",
    )
    subprocess.run(["msgfmt", "-o", str(folder / "django.mo"), str(folder / "django.po")], check=True)
    settings.LOCALE_PATHS = [tmp_path]
    trans_real._translations = {}
    trans_real._default = None
    yield
    trans_real._translations = {}
    trans_real._default = None
    translation.deactivate()


def test_names_are_looked_up_in_the_catalogue_with_their_context(small_catalogue):
    with translation.override("en"):
        assert names.step_name("填报推荐材料") == "Nomination"
        assert names.process_name("破格提拔") == "Exceptional promotion"
        assert names.step_name("公示期满、填报推荐材料") == "Notice period over, Nomination"  # a timer entry
        assert names.step_name("单位集体研究") == "单位集体研究"  # no entry: the diagram's name
        assert names.step_name("破格提拔") == "破格提拔"  # a process name is not a step name
        assert names.step_name("") == "" and names.step_name(None) is None
        html = Template("{% load process_names %}{{ task|step_name }} · {{ process|process_name }}").render(
            Context({"task": "填报推荐材料", "process": "破格提拔"})
        )
        assert html == "Nomination · Exceptional promotion"
    with translation.override("zh-hans"):
        assert names.step_name("填报推荐材料") == "填报推荐材料"
        assert names.process_name("破格提拔") == "破格提拔"


@pytest.fixture
def compiled_messages():
    """locale/en compiled (.mo files are build output), the cached catalogues dropped."""
    with contextlib.chdir(ROOT):  # compilemessages walks the current directory
        call_command("compilemessages", ignore=[".venv", "var", "test-artifacts", "tests", "bench", ".git"], verbosity=0)
    trans_real._translations = {}
    trans_real._default = None
    yield
    trans_real._translations = {}
    trans_real._default = None
    translation.deactivate()


def _english_catalogue():
    """``{(msgctxt, msgid): msgstr}`` of locale/en (translated entries only)."""
    entries, entry, key = {}, {}, None
    for line in [*PO_FILE.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry.get("msgstr"):
                entries[(entry.get("msgctxt"), entry.get("msgid", ""))] = entry["msgstr"]
            entry, key = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and key:
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def test_the_english_catalogue_translates_every_bpmn_name(compiled_messages):
    catalogue = _english_catalogue()
    untranslated = [name for key in listed() if (name := key[1]) and key not in catalogue]
    assert not untranslated, f"{len(untranslated)} BPMN names without an English entry, e.g. {untranslated[:5]}"
    with translation.override("en"):
        for context, name in listed():
            shown = names.process_name(name) if context == names.PROCESS_CONTEXT else names.step_name(name)
            assert shown == catalogue[(context, name)], name
