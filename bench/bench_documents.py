"""Benchmark: rendering the official documents to PDF (PRODUCT.md: "a document renders in well
under a second"; the documents app's target is a median under 0.5 s for a 1–2 page document).

    python bench/bench_documents.py [--runs N] [--stock]

Renders with ``render_pdf`` directly (no database): the award decision, the award approval form
and a batch notice of 100 names, each ``--runs`` times (default 15) after one warm-up render,
and prints the medians. When libharfbuzz-subset0 is installed (WeasyPrint then subsets fonts with
HarfBuzz) the documents are also measured with WeasyPrint's fontTools fallback, i.e. as on a
machine without it. ``--stock`` also measures with the stock Noto CJK ``.ttc`` fonts instead of
the prepared cuts (slow without HarfBuzz-Subset: seconds per render; 3 runs).
Writes the tables, the date and the machine to bench/results/documents.txt.
"""

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MERITFLOW_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from documents import contexts, fonts, rendering  # noqa: E402

DATE = datetime.date(2026, 3, 1)
ISSUER = types.SimpleNamespace(name="中共平顶山市委组织部", issuer_mark="中共平顶山市委组织部文件")
DEEDS = (
    "王䶮同志2025年以来，牵头推进老旧小区改造和基层治理创新，带领干部群众攻坚克难，成效显著，"
    "所在街道被评为全省基层治理示范街道。\n在防汛救灾工作中，该同志连续奋战一线，组织转移群众1200余人，未发生人员伤亡。"
)
STAMP = {
    "number": "平组〔2026〕12号",
    "version": 1,
    "code": "3f0c9a2e-1d2b-4c55-9e8a-0a1b2c3d4e5f",
    "qr": rendering.qr_data_uri("http://127.0.0.1:8000/documents/verify/?number=%E5%B9%B3&id=3f0c9a2e"),
}


def documents():
    """(label, template, context) of the measured documents."""
    decision = contexts.award_decision_context(
        issuer=ISSUER,
        awardees=[{"name": "王䶮", "unit_post": "鲁山县琴台街道党工委书记", "award": "记三等功"}],
        deeds=DEEDS,
        date=DATE,
        recipients="各县（市、区）委组织部，市直各单位",
        cc=["河南省委组织部"],
        printer="中共平顶山市委组织部办公室",
    )
    cadre = types.SimpleNamespace(
        name="王䶮",
        get_sex_display=lambda: "男",
        birth_date=datetime.date(1985, 5, 1),
        ethnicity="汉族",
        native_place="河南鲁山",
        political_status="中共党员",
        full_time_education="大学本科",
        work_start_date=datetime.date(2008, 7, 1),
        unit=types.SimpleNamespace(name="鲁山县琴台街道办事处"),
        current_post="党工委书记",
    )
    form = contexts.award_form_context(
        cadre,
        "记三等功",
        DEEDS,
        [
            {"role_label": "推荐单位意见", "text": "经党工委集体研究，同意推荐。", "person": "李堃", "date": datetime.date(2026, 1, 10)},
            {"role_label": "纪检监察机关意见", "text": "该同志无违纪违法问题。", "person": "赵喆", "date": datetime.date(2026, 1, 15)},
            {"role_label": "审核（公示）情况", "text": "符合条件，公示无异议。", "person": "孙赟", "date": datetime.date(2026, 2, 9)},
        ],
        [(2023, "优秀"), (2024, "优秀"), (2025, "称职")],
        date=DATE,
    )
    surnames, given = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "䶮堃喆赟静帆磊敏杰刚伟芳娜秀英华明丽强军"
    notice = contexts.notice_context(
        issuer=ISSUER,
        title="关于拟给予王䶮等100名同志奖励的公示",
        candidates=[
            {
                "name": surnames[i % 20] + given[(i * 7) % 20] + given[i % 20],
                "award": "嘉奖" if i % 3 else "记三等功",
                "unit_post": "鲁山县琴台街道党工委委员、办事处副主任",
            }
            for i in range(100)
        ],
        period_start=datetime.date(2026, 3, 2),
        period_end=datetime.date(2026, 3, 6),
        working_days=5,
        objections=["受理电话：0375-2345678", "来信来访地址：平顶山市新华区建设路东段市委组织部干部监督科"],
        date=DATE,
    )
    rare = contexts.award_decision_context(
        issuer=ISSUER,
        awardees=[{"name": "王龘", "unit_post": "鲁山县琴台街道党工委书记", "award": "记三等功"}],
        deeds=DEEDS.replace("王䶮", "王龘"),
        date=DATE,
        recipients="各县（市、区）委组织部，市直各单位",
        cc=["河南省委组织部"],
        printer="中共平顶山市委组织部办公室",
    )
    return [
        ("award decision", "documents/award_decision.html", {**decision, "doc": STAMP}),
        ("same, name outside GB2312", "documents/award_decision.html", {**rare, "doc": STAMP}),
        ("award approval form", "documents/award_form.html", {**form, "doc": {**STAMP, "number": None}}),
        ("batch notice, 100 names", "documents/notice.html", {**notice, "doc": {**STAMP, "number": None}}),
    ]


def measure(runs):
    rows = []
    for label, template, context in documents():
        rendering.render(template, context)  # warm-up: font configuration, template cache
        times, result = [], None
        for _ in range(runs):
            start = time.perf_counter()
            result = rendering.render(template, context)
            times.append(time.perf_counter() - start)
        rows.append((label, result.page_count, len(result.pdf), statistics.median(times), min(times), max(times)))
    return rows


def use_font_dir(directory):
    settings.MERITFLOW_FONT_DIR = str(directory)
    rendering._font_setup = None


def machine():
    cpu = (
        next(
            (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip() or " ".join(platform.uname())
    return uname, f"{cpu} × {os.cpu_count()} logical CPUs"


def use_subsetter(library):
    """Make WeasyPrint subset fonts with ``library`` ("harfbuzz" when installed, or "fonttools")."""
    import weasyprint.pdf.fonts
    from weasyprint.text.ffi import harfbuzz_subset

    weasyprint.pdf.fonts.harfbuzz_subset = harfbuzz_subset if library == "harfbuzz" else None


def harfbuzz_subset_installed():
    from weasyprint.text.ffi import harfbuzz_subset

    return harfbuzz_subset is not None


def table(title, rows):
    lines = [title + ":", f"{'document':28} {'pages':>5} {'bytes':>8} {'median s':>9} {'min s':>7} {'max s':>7}"]
    for label, pages, size, median, low, high in rows:
        lines.append(f"{label:28} {pages:>5} {size:>8} {median:>9.3f} {low:>7.3f} {high:>7.3f}")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--stock", action="store_true", help="also measure with the stock .ttc fonts (slow)")
    args = parser.parse_args()

    prepared = fonts.font_dir()
    if fonts.read_manifest(prepared) is None:
        print(f"preparing fonts in {prepared} (once) ...", flush=True)
        fonts.prepare_fonts(prepared)
    uname, cpu = machine()
    import weasyprint

    installed = harfbuzz_subset_installed()
    out = []

    def emit(*lines):
        print(*lines, sep="\n", flush=True)
        out.extend(lines)

    emit(
        f"MeritFlow document rendering benchmark — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %z}",
        f"machine: {uname}",
        f"cpu: {cpu}",
        f"python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, "
        f"libharfbuzz-subset0 {'installed' if installed else 'not installed'}",
    )
    subsetters = [("harfbuzz", "HarfBuzz-Subset")] if installed else []
    subsetters.append(("fonttools", "fontTools, as without libharfbuzz-subset0"))
    for library, label in subsetters:
        use_subsetter(library)
        use_font_dir(prepared)
        emit("", *table(f"prepared fonts, subsetting by {label}: median of {args.runs} runs", measure(args.runs)))
        if args.stock:
            with tempfile.TemporaryDirectory() as empty:
                use_font_dir(empty)
                emit("", *table(f"stock Noto CJK .ttc fonts, subsetting by {label}: median of 3 runs", measure(3)))
            use_font_dir(prepared)
    text = "\n".join(out) + "\n"
    results = Path(os.environ.get("MERITFLOW_BENCH_RESULTS") or ROOT / "bench" / "results")
    results.mkdir(parents=True, exist_ok=True)
    (results / "documents.txt").write_text(text)


if __name__ == "__main__":
    main()
