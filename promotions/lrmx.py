"""任免审批表 electronic exchange format (.lrmx, 3.x): XML with root <Person> and pinyin element
names (DOMAIN.md §8.2). Dates are yyyyMM or yyyyMMdd; approval opinions are not in the file.

Every element of the format is written; those the records have no data for stay empty
(ShuXiZhuanYeYouHeZhuanChang, the *_XueWei degrees: the records keep 学历学位 in one field).
An import fills the cadre record (``parse_lrmx``; ZhaoPian, the base64 photo, into ``Cadre.photo``)
and leaves the per-case elements — 拟任/拟免职务, 任免理由, 奖惩情况, 年度考核结果, 呈报单位,
填表人 and the dates — to ``parse_case``: they belong to a proposal, not to the record.

JianLi (简历) is kept as written in ``Cadre.resume`` and, line by line ("2010.07--2015.03  XX镇党委
副书记"; the current post "2015.03--  …"), becomes the cadre's post history (``records.PostHistory``,
issue 16 item 8; DOMAIN.md §10 "Rotation": the current line's start is the time in current post).
A line's unit is found by name among the units; a line whose unit is not one of them (a school, a
unit of another region or an old name) stays text only — a unit is never made up. The export writes
JianLi from the post history, keeping the lines the official wrote where they agree with it."""

import base64
import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from permissions.models import Unit
from records import signals as records_signals
from records.models import PHOTO_MAX_BYTES, Cadre, FamilyMember, PostHistory, Sex, sniff_photo

from .contexts import appointment_form_context

VERSION = "3.2.1.16"
SEX_TEXT = {Sex.MALE: "男", Sex.FEMALE: "女"}
MAX_BYTES = 5 * 1024 * 1024


class LrmxError(ValueError):
    """A malformed or incomplete .lrmx file; the message says what is wrong, in Chinese."""


def _month(day):
    return day.strftime("%Y%m") if day else ""


def export_lrmx(cadre, *, proposed_post="", proposed_removal="", reason="", reporting_unit="", filled_by="", as_of=None):
    as_of = as_of or datetime.date.today()
    ctx = appointment_form_context(
        cadre,
        as_of=as_of,
        proposed_post=proposed_post,
        proposed_removal=proposed_removal,
        reason=reason,
        reporting_unit=reporting_unit,
        filled_by=filled_by,
    )
    p = ctx["p"]
    root = etree.Element("Person")
    fields = [
        ("XingMing", cadre.name),
        ("XingBie", SEX_TEXT.get(cadre.sex, "")),
        ("ChuShengNianYue", _month(cadre.birth_date)),
        ("MinZu", cadre.ethnicity),
        ("JiGuan", cadre.native_place),
        ("ChuShengDi", cadre.birth_place),
        ("RuDangShiJian", _month(cadre.party_join_date)),
        ("CanJiaGongZuoShiJian", _month(cadre.work_start_date)),
        ("JianKangZhuangKuang", cadre.health),
        ("ZhuanYeJiShuZhiWu", cadre.professional_title),
        ("ShuXiZhuanYeYouHeZhuanChang", p["specialty"]),
        ("QuanRiZhiJiaoYu_XueLi", cadre.full_time_education),
        ("QuanRiZhiJiaoYu_XueWei", ""),
        ("QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", cadre.full_time_school),
        ("QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi", ""),
        ("ZaiZhiJiaoYu_XueLi", cadre.in_service_education),
        ("ZaiZhiJiaoYu_XueWei", ""),
        ("ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", cadre.in_service_school),
        ("ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi", ""),
        ("XianRenZhiWu", cadre.current_post),
        ("NiRenZhiWu", proposed_post),
        ("NiMianZhiWu", proposed_removal),
        ("JianLi", resume_text(cadre)),
        ("JiangChengQingKuang", ctx["rewards_and_sanctions"]),
        ("NianDuKaoHeJieGuo", ctx["assessments"]),
        ("RenMianLiYou", reason),
    ]
    for tag, value in fields:
        etree.SubElement(root, tag).text = value or ""
    family = etree.SubElement(root, "JiaTingChengYuan")
    for member in cadre.family.all():
        item = etree.SubElement(family, "Item")
        for tag, value in [
            ("ChengWei", member.relation),
            ("XingMing", member.name),
            ("ChuShengRiQi", _month(member.birth_date)),
            ("ZhengZhiMianMao", member.political_status),
            ("GongZuoDanWeiJiZhiWu", member.work_unit_and_post),
        ]:
            etree.SubElement(item, tag).text = value or ""
    for tag, value in [
        ("ChengBaoDanWei", reporting_unit),
        ("JiSuanNianLingShiJian", as_of.strftime("%Y%m%d")),
        ("TianBiaoShiJian", as_of.strftime("%Y%m%d")),
        ("TianBiaoRen", filled_by),
        ("ShenFenZheng", cadre.id_number or ""),
        ("ZhaoPian", base64.b64encode(bytes(cadre.photo)).decode("ascii") if cadre.photo else ""),
        ("Version", VERSION),
    ]:
        etree.SubElement(root, tag).text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _date(text, field, required=False):
    text = (text or "").strip().replace(".", "").replace("-", "")
    if not text:
        if required:
            raise LrmxError(_("缺少必填项 %(field)s") % {"field": field})
        return None
    try:
        if len(text) == 6:
            return datetime.date(int(text[:4]), int(text[4:6]), 1)
        if len(text) == 8:
            return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        pass
    raise LrmxError(_("%(field)s 的日期“%(text)s”格式不正确（应为 yyyyMM 或 yyyyMMdd）") % {"field": field, "text": text})


def _birth_date_from_id(birth_date, id_number):
    """ChuShengNianYue holds year and month; an 18-digit ID number of the same month gives the day."""
    digits = id_number or ""
    if birth_date is None or len(digits) != 18 or not digits[6:14].isdigit() or digits[6:12] != birth_date.strftime("%Y%m"):
        return birth_date
    try:
        return datetime.date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return birth_date


def _root(content):
    if len(content) > MAX_BYTES:
        raise LrmxError(_("文件过大"))
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise LrmxError(_("不是有效的任免审批表文件（XML 第%(line)s行：%(msg)s）") % {"line": exc.lineno, "msg": exc.msg}) from exc
    if root.tag != "Person":
        raise LrmxError(_("不是有效的任免审批表文件：根元素应为 Person"))
    return root


def parse_case(content):
    """The per-case elements, as ``export_lrmx`` takes them (plus the texts it derived from the
    records: 奖惩情况, 年度考核结果). Raises LrmxError."""
    root = _root(content)
    text = lambda tag: (root.findtext(tag) or "").strip()  # noqa: E731
    return {
        "proposed_post": text("NiRenZhiWu"),
        "proposed_removal": text("NiMianZhiWu"),
        "reason": text("RenMianLiYou"),
        "reporting_unit": text("ChengBaoDanWei"),
        "filled_by": text("TianBiaoRen"),
        "as_of": _date(text("JiSuanNianLingShiJian"), "JiSuanNianLingShiJian（计算年龄时间）"),
        "filled_on": _date(text("TianBiaoShiJian"), "TianBiaoShiJian（填表时间）"),
        "rewards_and_sanctions": text("JiangChengQingKuang"),
        "assessments": text("NianDuKaoHeJieGuo"),
        "version": text("Version"),
    }


def parse_lrmx(content):
    """Parse and validate; return (cadre fields, family rows). Raises LrmxError."""
    fields, family, _lines = _parse(content)
    return fields, family


def _parse(content):
    root = _root(content)
    text = lambda tag: (root.findtext(tag) or "").strip()  # noqa: E731
    name = text("XingMing")
    if not name:
        raise LrmxError(_("缺少必填项 %(field)s") % {"field": "XingMing（姓名）"})
    sex = {"男": Sex.MALE, "女": Sex.FEMALE}.get(text("XingBie"))
    if sex is None:
        raise LrmxError(_("XingBie（性别）应为“男”或“女”"))
    fields = {
        "name": name,
        "sex": sex,
        "birth_date": _date(text("ChuShengNianYue"), "ChuShengNianYue（出生年月）", required=True),
        "ethnicity": text("MinZu") or "汉族",
        "native_place": text("JiGuan"),
        "birth_place": text("ChuShengDi"),
        "party_join_date": _date(text("RuDangShiJian"), "RuDangShiJian（入党时间）"),
        "work_start_date": _date(text("CanJiaGongZuoShiJian"), "CanJiaGongZuoShiJian（参加工作时间）", required=True),
        "health": text("JianKangZhuangKuang"),
        "professional_title": text("ZhuanYeJiShuZhiWu"),
        "full_time_education": text("QuanRiZhiJiaoYu_XueLi"),
        "full_time_school": text("QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi"),
        "in_service_education": text("ZaiZhiJiaoYu_XueLi"),
        "in_service_school": text("ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi"),
        "current_post": text("XianRenZhiWu"),
        "resume": text("JianLi"),
        "id_number": text("ShenFenZheng") or None,
    }
    if not fields["current_post"]:
        raise LrmxError(_("缺少必填项 %(field)s") % {"field": "XianRenZhiWu（现任职务）"})
    fields["birth_date"] = _birth_date_from_id(fields["birth_date"], fields["id_number"])
    photo = "".join(text("ZhaoPian").split())  # base64 may come wrapped over lines
    if photo:
        try:
            content = base64.b64decode(photo, validate=True)
        except ValueError as exc:
            raise LrmxError(_("ZhaoPian（照片）不是有效的 base64 数据")) from exc
        if len(content) > PHOTO_MAX_BYTES:
            raise LrmxError(_("ZhaoPian（照片）不能超过%(mb)sMB") % {"mb": PHOTO_MAX_BYTES // (1024 * 1024)})
        kind = sniff_photo(content)
        if kind is None:
            raise LrmxError(_("ZhaoPian（照片）不是JPEG或PNG图片"))
        # Only a file with a photo sets one: a file without keeps the photo a cadre already has.
        fields["photo"], fields["photo_content_type"] = content, kind
    family = []
    for item in root.findall("JiaTingChengYuan/Item"):
        get = lambda tag, item=item: (item.findtext(tag) or "").strip()  # noqa: E731
        if not get("XingMing"):
            raise LrmxError(_("家庭成员缺少姓名"))
        family.append(
            {
                "relation": get("ChengWei"),
                "name": get("XingMing"),
                "birth_date": _date(get("ChuShengRiQi"), "ChuShengRiQi（家庭成员出生日期）"),
                "political_status": get("ZhengZhiMianMao"),
                "work_unit_and_post": get("GongZuoDanWeiJiZhiWu"),
            }
        )
    lines = parse_resume(fields["resume"], birth_date=fields["birth_date"])
    return fields, family, lines


def import_lrmx(content, *, unit):
    """Create or update (by ID number) a cadre of ``unit`` from an .lrmx file; all or nothing.
    The resume's lines rebuild the cadre's post history (``post_history_from_resume``)."""
    fields, family, lines = _parse(content)
    with transaction.atomic():
        cadre = Cadre.objects.filter(id_number=fields["id_number"]).first() if fields["id_number"] else None
        if cadre is not None and cadre.unit_id != unit.pk and not cadre.unit.is_within(unit):
            raise LrmxError(_("身份证号对应的干部不属于本单位，不能导入"))
        if cadre is None:
            cadre = Cadre(unit=unit)
        for key, value in fields.items():
            setattr(cadre, key, value)
        cadre.save()
        cadre.family.all().delete()
        FamilyMember.objects.bulk_create([FamilyMember(cadre=cadre, **row) for row in family])
        if any(line.start for line in lines):  # a file without a dated resume keeps the post history
            post_history_from_resume(cadre, lines)
    return cadre


# --------------------------------------------------------------------------- 简历 (JianLi)

# "2010.07--2015.03  text", "2010.7—2015.3 text", "2010年7月至2015年3月 text", "2015.03--  text" and
# "2015.03--至今 text" (the current post: no end).
_SEPARATOR = r"(?:-{1,2}|－{1,2}|—{1,2}|–{1,2}|~|～|至(?!今))"
_RANGE = re.compile(
    r"(?P<sy>\d{4})\s*[.．/年]?\s*(?P<sm>\d{1,2})\s*月?\s*"
    r"(?:至今|" + _SEPARATOR + r"\s*(?:至今|(?P<ey>\d{4})\s*[.．/年]?\s*(?P<em>\d{1,2})\s*月?)?)(?P<text>.*)"
)
_REMARK = ("（", "(")  # "（其间：…）" under a line: a remark, not part of the post
POST_MAX = PostHistory._meta.get_field("post").max_length


@dataclass
class ResumeLine:
    """One entry of JianLi: from ``start`` (the first of the month) to ``end`` (None: the current
    post), ``text`` what follows the dates (continuation lines joined); ``raw`` the lines as written.
    A line before the first dated one has no start."""

    number: int  # 1-based, in JianLi
    start: datetime.date | None
    end: datetime.date | None
    text: str
    raw: list = field(default_factory=list)


def _resume_error(number, message):
    return LrmxError(_("JianLi（简历）第%(line)s行：%(message)s") % {"line": number, "message": message})


def _month_of(year, month, number, written):
    try:
        return datetime.date(int(year), int(month), 1)
    except ValueError:
        raise _resume_error(number, _("日期“%(text)s”不存在") % {"text": written}) from None


def parse_resume(text, *, birth_date=None, today=None):
    """The dated entries of a 简历 text, checked: every line that begins with a year is a range that
    exists, ends after it starts, starts no earlier than the birth month and no later than today;
    one current post at most. Raises LrmxError naming the line."""
    today = today or timezone.localdate()
    lines, current = [], None
    for number, written in enumerate((text or "").splitlines(), start=1):
        stripped = written.strip()
        if not stripped:
            continue
        if not re.match(r"\d{4}", stripped):  # a continuation line, or text before the first entry
            if lines and lines[-1].start is not None:
                lines[-1].raw.append(written)
                if not stripped.startswith(_REMARK):
                    lines[-1].text += stripped
            else:
                lines.append(ResumeLine(number, None, None, stripped, [written]))
            continue
        match = _RANGE.fullmatch(stripped)
        if match is None:
            raise _resume_error(
                number,
                _("无法识别“%(text)s”的起止时间，应写作“2010.07--2015.03  单位职务”，现任的写作“2015.03--  单位职务”") % {"text": stripped},
            )
        start = _month_of(match["sy"], match["sm"], number, f"{match['sy']}.{match['sm']}")
        end = _month_of(match["ey"], match["em"], number, f"{match['ey']}.{match['em']}") if match["ey"] else None
        if end is not None and end < start:
            raise _resume_error(number, _("截止时间早于起始时间"))
        if birth_date is not None and start < birth_date.replace(day=1):
            raise _resume_error(number, _("起始时间早于出生年月"))
        if (end or start) > today:
            raise _resume_error(number, _("时间晚于今天"))
        if end is None:
            if current is not None:
                raise _resume_error(number, _("与第%(other)s行都没有截止时间，现任职务只能有一行") % {"other": current.number})
            current = ResumeLine(number, start, None, "", [written])
            line = current
        else:
            line = ResumeLine(number, start, end, "", [written])
        line.text = match["text"].strip(" \t\u3000:：，,")
        lines.append(line)
    return lines


def _nearest(units, home):
    """Of the units of one name, the one nearest ``home`` in the tree (the longest common path);
    None when two are as near: a unit is never guessed."""
    if home is None:
        return units[0] if len(units) == 1 else None
    ranked = sorted(((_common(unit.path, home.path), unit) for unit in units), key=lambda pair: -pair[0])
    if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
        return None
    return ranked[0][1]


def _common(path, other):
    n = 0
    for a, b in zip(path.strip("/").split("/"), other.strip("/").split("/")):
        if a != b:
            break
        n += 1
    return n


def match_units(lines, home=None):
    """{line number: (unit, post)} for the dated lines whose text begins with a unit's name (the
    longest one) followed by the post; by name among all units, in one query per 900 names."""
    names = {line.text[:k] for line in lines if line.start for k in range(2, len(line.text))}
    by_name = defaultdict(list)
    names = sorted(names)
    for first in range(0, len(names), 900):
        for unit in Unit.objects.filter(name__in=names[first : first + 900]).only("pk", "name", "path"):
            by_name[unit.name].append(unit)
    found = {}
    for line in lines:
        if not line.start:
            continue
        for k in range(len(line.text) - 1, 1, -1):
            units = by_name.get(line.text[:k])
            if units:
                unit, post = _nearest(units, home), line.text[k:].strip(" \t\u3000、，,")
                if unit is not None and post:
                    found[line.number] = (unit, post)
                break  # the longest name decides: an ambiguous one is not matched by a shorter
    return found


def post_history_from_resume(cadre, lines):
    """Rebuild ``cadre``'s post history from the resume's dated lines, in the caller's transaction.

    A line whose unit is found becomes a row; one whose unit is not keeps the row the record
    already has from that month (its unit is known there), or else stays text only. The current
    line's start is ``Cadre.post_since``. A record with posts later than the file's current post
    is newer than the file: refused, nothing changed. Returns the lines kept as text only."""
    existing = list(PostHistory.objects.filter(cadre=cadre).order_by("start", "pk"))
    current = next((line for line in lines if line.start and line.end is None), None)
    if current is not None:
        later = [row for row in existing if row.start > current.start]
        if later:
            raise _resume_error(
                current.number,
                _("系统中该干部已有%(date)s起的任职经历，晚于简历中的现任职务，请核对简历是否为最新")
                % {"date": later[-1].start.isoformat()},
            )
    matched = match_units(lines, cadre.unit)
    known = {}
    for row in existing:
        known.setdefault((row.start.year, row.start.month), row)
    rows, text_only = [], []
    for line in lines:
        if not line.start:
            continue
        if line.number in matched:
            unit, post = matched[line.number]
        elif (line.start.year, line.start.month) in known:
            row = known[(line.start.year, line.start.month)]
            unit, post = row.post_unit, row.post
        else:
            text_only.append(line)
            continue
        if len(post) > POST_MAX:
            raise _resume_error(line.number, _("职务超过%(n)s个字") % {"n": POST_MAX})
        rows.append(PostHistory(cadre=cadre, post_unit=unit, post=post, start=line.start, end=line.end))
    PostHistory.objects.filter(cadre=cadre).delete()
    PostHistory.objects.bulk_create(rows)
    records_signals.records_written.send(sender=PostHistory, cadre_ids=[cadre.pk])
    if current is not None:
        cadre.post_since = current.start
        cadre.save(update_fields=["post_since"])
    return text_only


def _post_text(row):
    name = row.post_unit.name
    return row.post if row.post.startswith(name) else name + row.post


def _render(row):
    if row.end is None:
        return f"{row.start:%Y.%m}--\u3000\u3000\u3000\u3000{_post_text(row)}"
    return f"{row.start:%Y.%m}--{row.end:%Y.%m}\u3000{_post_text(row)}"


def _agrees(line, row):
    same_end = (line.end is None) == (row.end is None) and (
        row.end is None or (line.end.year, line.end.month) == (row.end.year, row.end.month)
    )
    return same_end and line.text in (_post_text(row), row.post)


def resume_text(cadre):
    """JianLi for the export: the post history, each row in its month; where the resume has a line
    for the row that says the same, that line as written; the resume's other lines (study, units
    not in the system, remarks) where they were. Without post history: the resume as it is."""
    rows = list(PostHistory.objects.filter(cadre=cadre).select_related("post_unit").order_by("start", "pk")) if cadre.pk else []
    if not rows:
        return cadre.resume
    try:
        lines = parse_resume(cadre.resume, today=datetime.date.max)
    except LrmxError:
        lines = []  # an unreadable resume: the rows are the facts
    unused = {row.pk: row for row in rows}
    entries = []  # (sort key, order, lines of text)
    key = datetime.date.min
    for order, line in enumerate(lines):
        if line.start is None:
            entries.append((key, order, line.raw))
            continue
        key = line.start
        row = next((r for r in unused.values() if (r.start.year, r.start.month) == (line.start.year, line.start.month)), None)
        if row is None:
            entries.append((key, order, line.raw))
            continue
        del unused[row.pk]
        entries.append((key, order, line.raw if _agrees(line, row) else [_render(row)]))
    for order, row in enumerate(unused.values(), start=len(lines)):
        entries.append((row.start.replace(day=1), order, [_render(row)]))
    entries.sort(key=lambda entry: (entry[0], entry[1]))
    return "\n".join(text for _key, _order, raw in entries for text in raw)
