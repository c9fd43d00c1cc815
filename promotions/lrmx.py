"""任免审批表 electronic exchange format (.lrmx, 3.x): XML with root <Person> and pinyin element
names (DOMAIN.md §8.2). Dates are yyyyMM or yyyyMMdd; approval opinions are not in the file.

Every element of the format is written; those the records have no data for stay empty
(ShuXiZhuanYeYouHeZhuanChang, the *_XueWei degrees: the records keep 学历学位 in one field).
An import fills the cadre record (``parse_lrmx``; ZhaoPian, the base64 photo, into ``Cadre.photo``)
and leaves the per-case elements — 拟任/拟免职务, 任免理由, 奖惩情况, 年度考核结果, 呈报单位,
填表人 and the dates — to ``parse_case``: they belong to a proposal, not to the record."""

import base64
import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from lxml import etree

from records.models import PHOTO_MAX_BYTES, Cadre, FamilyMember, Sex, sniff_photo

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
        ("JianLi", cadre.resume),
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
    return fields, family


def import_lrmx(content, *, unit):
    """Create or update (by ID number) a cadre of ``unit`` from an .lrmx file; all or nothing."""
    fields, family = parse_lrmx(content)
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
    return cadre
