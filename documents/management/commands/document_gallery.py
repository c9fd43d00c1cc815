"""``manage.py document_gallery [--out docs/documents] [--dpi 100]``: page images of every document.

Renders every kind of document with sample data (the context builders of ``documents.contexts``;
the promotion documents and the forms of other apps with the contexts their issuing code builds)
and writes one PNG per page plus an index ``README.md``, so that a reviewer sees the layout
(GB/T 9704-2012, DOMAIN.md §8.1) without running a case. Nothing is stored in the database; the
number and the verification code are sample values. The samples are also what
``tests/test_document_layout.py`` measures.
"""

import datetime
import types
from pathlib import Path

from django.core.management.base import BaseCommand

from documents import contexts
from documents.rendering import qr_data_uri, render

DATE = datetime.date(2026, 3, 1)
ISSUER = types.SimpleNamespace(name="中共平顶山市委组织部", issuer_mark="中共平顶山市委组织部文件")
COUNTY = types.SimpleNamespace(name="中共鲁山县委组织部", issuer_mark="中共鲁山县委组织部文件")
SHORT_NAME = "王䶮"  # two characters, one outside GB 2312
LONG_NAME = "欧阳䶮堃"  # four characters, two of them rare
ONE_LINE_DEED = "{name}同志在防汛救灾工作中连续奋战一线，组织转移群众1200余人，未发生人员伤亡。"
LONG_DEED = (
    "{name}同志2025年以来，牵头推进老旧小区改造和基层治理创新，带领干部群众攻坚克难，成效显著，"
    "所在街道被评为全省基层治理示范街道。\n"
    "在防汛救灾工作中，该同志连续奋战一线，组织转移群众1200余人，未发生人员伤亡；"
    "灾后重建中，协调资金3000余万元，修复道路42公里、桥梁11座，帮助受灾群众按期搬入新居。\n"
    "一、狠抓基层党建\n"
    "（一）建强基层组织。该同志推动辖区28个社区全部建立“红色物业”，整顿软弱涣散党组织6个，"
    "发展党员37名，选派优秀年轻干部到社区任职，社区党组织的凝聚力、战斗力明显增强。\n"
    "（二）创新治理方式。推行“网格+党建”工作法，划分网格216个，配备专兼职网格员430名，"
    "化解矛盾纠纷1600余件，群众满意度连续两年位居全市前列。\n"
    "二、狠抓民生实事\n"
    "该同志坚持以人民为中心，完成老旧小区改造53个，惠及群众1.2万户；新建社区养老服务中心4个、"
    "城市书房6个，办成了一批群众急难愁盼的实事。"
)
OBJECTIONS = ["受理电话：0375-2345678", "来信来访地址：平顶山市新华区建设路东段市委组织部干部监督科"]
STAMP = {
    "number": "平组〔2026〕12号",
    "version": 1,
    "code": "3f0c9a2e-1d2b-4c55-9e8a-0a1b2c3d4e5f",
    "verify_url": "http://127.0.0.1:8000/documents/verify/?number=%E5%B9%B3%E7%BB%84&id=3f0c9a2e",
}


def stamp(number=True):
    return {**STAMP, "number": STAMP["number"] if number else None, "qr": qr_data_uri(STAMP["verify_url"])}


def sample_cadre(name):
    return types.SimpleNamespace(
        name=name,
        get_sex_display=lambda: "男",
        birth_date=datetime.date(1985, 5, 1),
        ethnicity="汉族",
        native_place="河南鲁山",
        political_status="中共党员",
        full_time_education="大学本科",
        in_service_education="",
        work_start_date=datetime.date(2008, 7, 1),
        unit=types.SimpleNamespace(name="鲁山县琴台街道办事处"),
        unit_and_post="鲁山县琴台街道党工委书记",
        current_post="党工委书记",
    )


def official(title, body, *, issuer=ISSUER, recipients="", **extra):
    """What the issuing code of awards and promotions passes to ``official_document.html``."""
    return contexts.official_document_context(
        title=title, blocks=body, date=DATE, recipients=recipients, **contexts.issuer_fields(issuer), **extra
    )


def samples(name=SHORT_NAME, deed=LONG_DEED):
    """(slug, label, template, context, is a GB/T 9704 document) of every kind, for ``name`` and ``deed``."""
    deed = deed.format(name=name)
    cadre = sample_cadre(name)
    decision = contexts.award_decision_context(
        issuer=ISSUER,
        awardees=[{"name": name, "unit_post": "鲁山县琴台街道党工委书记", "award": "记三等功"}],
        deeds=deed,
        date=DATE,
        recipients="各县（市、区）委组织部，市直各单位",
        cc=["河南省委组织部", "市人力资源和社会保障局"],
        printer="中共平顶山市委组织部办公室",
    )
    group = contexts.award_decision_context(
        issuer=ISSUER,
        awardees=[
            {"name": name, "unit_post": "鲁山县琴台街道党工委书记", "award": "嘉奖"},
            {"name": "李堃", "unit_post": "郏县财政局副局长", "award": "嘉奖"},
            {"name": "赵喆", "unit_post": "叶县龚店镇党委副书记、镇长", "award": "嘉奖"},
        ],
        deeds=deed,
        date=DATE,
        recipients="各县（市、区）委组织部，市直各单位",
        cc=["河南省委组织部"],
        printer="中共平顶山市委组织部办公室",
    )
    revocation = official(
        f"关于撤销{name}同志记三等功的决定",
        f"{name}同志经平组〔2025〕8号决定给予记三等功。经查，该同志申报材料中的主要事迹与事实不符。{deed.splitlines()[0]}\n"
        f"根据《中华人民共和国公务员法》第五十六条，经研究，决定撤销对{name}同志的记三等功，"
        "收回其奖励证书和奖章，停止其享受的相应待遇，并记入本人档案。",
        recipients="中共鲁山县委组织部",
        cc=["河南省委组织部"],
        printer="中共平顶山市委组织部办公室",
    )
    notice = contexts.notice_context(
        issuer=ISSUER,
        title=f"关于拟给予{name}等3名同志奖励的公示",
        candidates=[
            {"name": name, "unit_post": "鲁山县琴台街道党工委书记", "proposal": "记三等功"},
            {"name": "李堃", "unit_post": "郏县财政局副局长", "proposal": "嘉奖"},
            {"name": "赵喆", "unit_post": "叶县龚店镇党委副书记、镇长", "proposal": "嘉奖"},
        ],
        period_start=datetime.date(2026, 3, 2),
        period_end=datetime.date(2026, 3, 6),
        working_days=5,
        objections=OBJECTIONS,
        date=DATE,
    )
    pre_appointment = contexts.notice_context(
        issuer=ISSUER,
        title="干部任前公示",
        intro="根据《党政领导干部选拔任用工作条例》有关规定，经市委研究，拟破格提拔以下同志，现予以公示。",
        candidates=[{"name": name, "unit_post": "鲁山县琴台街道党工委书记", "proposal": "鲁山县副县长（副处级）"}],
        period_start=datetime.date(2026, 3, 2),
        period_end=datetime.date(2026, 3, 6),
        working_days=5,
        objections=OBJECTIONS,
        date=DATE,
        proposal_label="拟任职务",
    )
    letter = contexts.clarification_letter_context(
        issuer=ISSUER,
        recipient="鲁山县琴台街道党工委",
        cadre_name=name,
        received_on=datetime.date(2026, 2, 3),
        summary="违规干预工程招投标",
        findings="经调阅招投标资料、询问相关人员，未发现其干预招投标的行为。\n" + deed,
        date=DATE,
        cc=["中共鲁山县纪委"],
        printer="中共平顶山市委组织部办公室",
    )
    appointment = official(
        f"关于{name}同志任职的通知",
        f"经中共平顶山市委研究决定：\n{name}同志任鲁山县副县长（副处级），试用期一年（2026年3月1日至2027年2月28日）。\n"
        f"{name}同志系破格提拔。破格情形：在重大任务中表现突出、成绩显著。主要事实：{deed}",
        recipients="中共鲁山县委组织部",
        cc=["河南省委组织部"],
        printer="中共平顶山市委组织部办公室",
    )
    request = official(
        f"关于破格提拔{name}同志的请示",
        f"{name}同志，现任鲁山县琴台街道党工委书记。经中共鲁山县委动议，拟破格提拔其任鲁山县副县长（副处级）。\n"
        f"一、破格提拔理由\n在重大任务中表现突出、成绩显著。{deed}\n"
        "二、突破的任职资格条件及理由\n任现职不满三年：该同志在防汛救灾中表现突出，工作急需。\n"
        "根据《党政领导干部选拔任用工作条例》有关规定，现就破格提拔事宜征求你部意见。\n妥否，请批示。",
        recipients="中共河南省委组织部",
        note="联系人：张堃；联系电话：0375-2345678",
        signer="李明",
        cc=["中共平顶山市委"],
        printer="中共平顶山市委组织部办公室",
    )
    selection = contexts.selection_notice_context(
        issuer=ISSUER,
        title="关于选派王䶮等3名同志挂职锻炼的通知".replace("王䶮", name),
        recipients="各县（市、区）委组织部，市直各单位",
        intro="为加强干部实践锻炼，经研究，决定选派以下同志到基层挂职锻炼。",
        secondees=[
            {"name": name, "unit_post": "市发展改革委综合科科长", "host": "鲁山县琴台街道党工委副书记"},
            {"name": "李堃", "unit_post": "市财政局预算科副科长", "host": "郏县茨芭镇党委委员、副镇长"},
            {"name": "赵喆", "unit_post": "市商务局外贸科科员", "host": "叶县龚店镇政府镇长助理"},
        ],
        start=datetime.date(2026, 3, 16),
        end=datetime.date(2027, 3, 15),
        term="1年",
        date=DATE,
        cc=["河南省委组织部"],
        printer="中共平顶山市委组织部办公室",
    )
    introduction = contexts.introduction_letter_context(
        issuer=ISSUER,
        recipient="中共鲁山县琴台街道工作委员会",
        cadre=types.SimpleNamespace(**{**vars(cadre), "unit_and_post": "市发展改革委综合科科长"}),
        position="党工委副书记",
        start=datetime.date(2026, 3, 16),
        end=datetime.date(2027, 3, 15),
        date=DATE,
        reference="平组〔2026〕12号",
    )
    award_form = contexts.award_form_context(
        cadre,
        "记三等功",
        deed,
        [
            {"role_label": "推荐单位意见", "text": "经党工委集体研究，同意推荐。", "person": "李堃", "date": datetime.date(2026, 1, 10)},
            {"role_label": "纪检监察机关意见", "text": "该同志无违纪违法问题。", "person": "赵喆", "date": datetime.date(2026, 1, 15)},
            {"role_label": "审核（公示）情况", "text": "符合条件，公示无异议。", "person": "孙赟", "date": datetime.date(2026, 2, 9)},
        ],
        [(2023, "优秀"), (2024, "优秀"), (2025, "称职")],
        date=DATE,
    )
    appointment_form = {  # what promotions.contexts.appointment_form_context returns
        "title": "干部任免审批表",
        "p": {
            "name": name,
            "sex": "男",
            "birth_date": datetime.date(1985, 5, 1),
            "age": 40,
            "ethnicity": "汉族",
            "native_place": "河南鲁山",
            "birth_place": "河南鲁山",
            "party_join_date": datetime.date(2006, 6, 1),
            "work_start_date": datetime.date(2008, 7, 1),
            "health": "健康",
            "professional_title": "",
            "specialty": "",
            "full_time_education": "大学本科",
            "full_time_school": "郑州大学法学专业",
            "in_service_education": "研究生",
            "in_service_school": "河南省委党校经济管理专业",
            "current_post": "鲁山县琴台街道党工委书记",
            "resume": "2004.09--2008.07 郑州大学法学专业学习\n2008.07--2016.03 鲁山县琴台街道办事处科员\n"
            "2016.03--2021.09 鲁山县琴台街道办事处副主任\n2021.09-- 鲁山县琴台街道党工委书记",
            "photo": "",
        },
        "proposed_post": "鲁山县副县长",
        "proposed_removal": "鲁山县琴台街道党工委书记",
        "reason": "破格情形：在重大任务中表现突出、成绩显著。主要事实：" + deed.splitlines()[0],
        "rewards_and_sanctions": "2025年8月 记三等功",
        "assessments": "2023年度优秀，2024年度优秀，2025年度称职",
        "family": [
            {"relation": "妻子", "name": "李静", "age": 39, "political_status": "中共党员", "work_unit_and_post": "鲁山县第一中学教师"}
        ],
        "family_rows": 2,
        "reporting_unit": "中共鲁山县委",
        "reporting_date": DATE,
        "approval_opinion": "同意",
        "approval_date": DATE,
        "filled_by": "张堃",
        "filled_on": DATE,
        "date": DATE,
    }
    certificate = {  # what awards.issuing.certificate_context returns
        "title": f"荣誉证书（{name}）",
        "name": name,
        "collective": False,
        "text": "经研究，决定给予你记三等功（平组〔2026〕12号）。特发此证，以资鼓励。",
        "certificate_number": "平组证〔2026〕3号",
        "medal": True,
        "date": DATE,
        **contexts.issuer_fields(ISSUER),
    }
    return [
        ("award_decision", "奖励决定", "documents/award_decision.html", {**decision, "doc": stamp()}, True),
        ("award_decision_group", "奖励决定（多人）", "documents/award_decision.html", {**group, "doc": stamp()}, True),
        ("revocation_decision", "撤销奖励决定", "documents/official_document.html", {**revocation, "doc": stamp()}, True),
        ("notice", "公示", "documents/notice.html", {**notice, "doc": stamp(number=False)}, True),
        ("pre_appointment_notice", "干部任前公示", "documents/notice.html", {**pre_appointment, "doc": stamp(number=False)}, True),
        ("clarification_letter", "澄清反馈函", "documents/clarification_letter.html", {**letter, "doc": stamp()}, True),
        ("appointment_notice", "任职通知", "documents/official_document.html", {**appointment, "doc": stamp()}, True),
        ("request_for_consent", "请示（上行文，签发人）", "documents/official_document.html", {**request, "doc": stamp()}, True),
        ("selection_notice", "选派通知", "documents/selection_notice.html", {**selection, "doc": stamp()}, True),
        ("introduction_letter", "介绍信", "documents/introduction_letter.html", {**introduction, "doc": stamp()}, True),
        ("award_form", "公务员奖励审批表", "documents/award_form.html", {**award_form, "doc": stamp(number=False)}, False),
        (
            "appointment_form",
            "干部任免审批表",
            "documents/cadre_appointment_form.html",
            {**appointment_form, "doc": stamp(number=False)},
            False,
        ),
        ("award_certificate", "荣誉证书", "documents/award_certificate.html", {**certificate, "doc": stamp(number=False)}, False),
    ]


class Command(BaseCommand):
    help = "Render every kind of document with sample data and write page images (PNG) and an index."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="docs/documents", help="folder for the PNGs and README.md (default docs/documents)")
        parser.add_argument("--dpi", type=int, default=100, help="resolution of the images (default 100)")
        parser.add_argument("--pdf", action="store_true", help="also write the PDFs")

    def handle(self, *args, out, dpi, pdf, **options):
        import pypdfium2

        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()
        index = [
            "# Document gallery",
            "",
            "Every kind of document MeritFlow issues, rendered with sample data by",
            "`manage.py document_gallery` (documents/management/commands/document_gallery.py) at "
            f"{dpi} dpi. The official documents follow GB/T 9704-2012 (DOMAIN.md §8.1);",
            "`tests/test_document_layout.py` measures the same samples. Regenerate after a template change:",
            "",
            "    .venv/bin/python manage.py document_gallery --out docs/documents",
            "",
            "Sample values: number 平组〔2026〕12号, a made-up verification code; the seal is not drawn",
            "(its place above the issuer's name and the date is left blank).",
            "",
        ]
        variants = [("", SHORT_NAME, LONG_DEED), ("-short", LONG_NAME, ONE_LINE_DEED)]
        for suffix, name, deed in variants:
            index += [
                f"## {'A long deed, a two-character name' if not suffix else 'A one-line deed, a four-character name'} ({name})",
                "",
            ]
            for slug, label, template, context, _standard in samples(name, deed):
                if suffix and slug in ("award_decision_group", "award_form", "appointment_form", "award_certificate"):
                    continue
                rendered = render(template, context)
                if pdf:
                    (folder / f"{slug}{suffix}.pdf").write_bytes(rendered.pdf)
                document = pypdfium2.PdfDocument(rendered.pdf)
                files = []
                try:
                    for number, page in enumerate(document, start=1):
                        # 16 colours keep the red masthead and the text sharp at a fraction of the size.
                        image = page.render(scale=dpi / 72).to_pil().quantize(colors=16)
                        filename = f"{slug}{suffix}-{number}.png"
                        image.save(folder / filename, optimize=True)
                        files.append(filename)
                finally:
                    document.close()
                pages = " ".join(f"[{n}]({f})" for n, f in enumerate(files, start=1))
                index.append(f"- **{label}** (`{template}`), {len(files)} page{'s' if len(files) > 1 else ''}: {pages}")
                self.stdout.write(f"{slug}{suffix}: {len(files)} pages")
            index.append("")
        (folder / "README.md").write_text("\n".join(index))
        self.stdout.write(self.style.SUCCESS(f"wrote {folder / 'README.md'}"))
