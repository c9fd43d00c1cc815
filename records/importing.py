"""Excel import of cadres and of annual assessment results.

Two kinds of sheet, recognised by their header row (so a workbook may hold both, or one file
each kind):

- 干部信息: 姓名, 身份证号, 性别, 出生日期, 民族, 籍贯, 政治面貌, 入党时间, 参加工作时间, 学历,
  现任职务, 职级层次, 单位代码, 任现职级时间, 试用期满日期 (the 干部任免审批表 fields of DOMAIN.md §8.2 that the
  rules read);
- 年度考核结果: 身份证号, 年度, 考核等次 (DOMAIN.md §2), optionally 姓名 as a cross-check and
  重点目标任务未完成 (是/否, seed 004 art. 6);
- the records the supervision alerts read (DOMAIN.md §10), each its own file: 健康体检 (身份证号,
  体检日期, 体检标准, 体检结论 …), 教育培训 (身份证号, 培训班次, 开始日期, 结束日期, 学时,
  专业能力专题培训) and 任职经历 (身份证号, 任职单位代码, 职务, 起始日期, 截止日期). Their cadres must
  already be in the system.
- 处分与组织处理 (身份证号, 处分或处理种类, 决定日期, …; DOMAIN.md §3), offered in the admin only:
  a newly recorded sanction still in effect makes a talk due (DOMAIN.md §10 "Talks", seed 000
  #18), started in the import's transaction through ``records.signals``; a re-imported row updates
  its sanction and starts nothing.

The grades pass ``records.rules.check_assessments`` (DOMAIN.md §2: the 优秀 share of each unit's
graded staff, no 优秀 under a sanction) over the whole file; a refusal, like any error, imports nothing.

Every row is validated before anything is written; if any row has an error nothing at all is
imported, and the report lists each error with its Excel row number and column. A row whose
身份证号 already exists updates that cadre (and a (cadre, 年度) that exists updates the grade).

Public API::

    import_cadres(source, dry_run=False) -> ImportReport      # 干部信息 (+ 年度考核结果 sheet if present)
    import_assessments(source, dry_run=False) -> ImportReport # 年度考核结果 only
    import_health_checks / import_trainings / import_post_history(source, dry_run=False)
                                                              # 健康体检 / 教育培训 / 任职经历 (DOMAIN.md §10)
    import_sanctions(source, dry_run=False, user=None)        # 处分与组织处理 (DOMAIN.md §3, §10 "Talks")
    build_template(kind=CADRES) -> bytes                      # empty .xlsx with the headers
    parse_date(value), parse_id_number(value)                 # cell parsers, raise CellError
"""

import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

import openpyxl
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from permissions.models import Unit

from . import rules, signals
from .models import (
    AnnualAssessment,
    AssessmentGrade,
    Cadre,
    FaultToleranceExcuse,
    HealthCheck,
    HealthCheckResult,
    HealthCheckStandard,
    PostHistory,
    RankLevel,
    Sanction,
    SanctionKind,
    Sex,
    Training,
)

CADRES = "cadres"
ASSESSMENTS = "assessments"
# The records the supervision alerts read (DOMAIN.md §10; issue 16 items 4 and 8): each its own file.
HEALTH_CHECKS = "health_checks"
TRAININGS = "trainings"
POST_HISTORY = "post_history"
# Accountability decisions (DOMAIN.md §3): imported in the admin only (``KIND_LABELS`` lists what
# the records page offers its nominators; recording a sanction is the department's).
SANCTIONS = "sanctions"
RECORD_KINDS = (HEALTH_CHECKS, TRAININGS, POST_HISTORY, SANCTIONS)

CADRE_SHEET_TITLE = "干部信息"
ASSESSMENT_SHEET_TITLE = "年度考核结果"
HEALTH_CHECK_SHEET_TITLE = "健康体检"
TRAINING_SHEET_TITLE = "教育培训"
POST_HISTORY_SHEET_TITLE = "任职经历"
SANCTION_SHEET_TITLE = "处分与组织处理"

# SQLite's bound-parameter limit is the tightest of the supported backends; stay well under it.
LOOKUP_CHUNK = 900
BATCH_SIZE = 500
HEADER_SEARCH_ROWS = 5  # a title line or two above the header row is common in office files
# Bounds on what one upload may cost (issue 13 "Bad input"): a 4 MB workbook of 300,000 bad rows
# took 51 s, 1 GB and answered a 100 MB page. Settings, so a department may raise them.
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000
MAX_LISTED_ERRORS = 200  # more are counted, not listed


def max_bytes():
    from django.conf import settings

    return getattr(settings, "MERITFLOW_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_rows():
    from django.conf import settings

    return getattr(settings, "MERITFLOW_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


class TooManyRows(ValueError):
    pass


class CellError(ValueError):
    """A cell value that cannot be accepted; the message is shown to the user as is."""


class UnreadableFile(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    parser: str  # key into _PARSERS
    required: bool
    note: str = ""


CADRE_COLUMNS = (
    Column("姓名", "name", "name", True),
    Column("身份证号", "id_number", "id_number", True, gettext_lazy("18位，设为文本格式")),
    Column("性别", "sex", "sex", True, gettext_lazy("男 / 女")),
    Column("出生日期", "birth_date", "date", True, gettext_lazy("2020-03-01、2020.03 或 202003")),
    Column("民族", "ethnicity", "text", True, gettext_lazy("如：汉族")),
    Column("籍贯", "native_place", "text", False),
    Column("政治面貌", "political_status", "text", True, gettext_lazy("如：中共党员")),
    Column("入党时间", "party_join_date", "date", False),
    Column("参加工作时间", "work_start_date", "date", True),
    # 学历 is the 全日制教育 entry of the 任免审批表; in-service education is edited in the admin.
    Column("学历", "full_time_education", "text", False, gettext_lazy("全日制教育学历学位")),
    Column("现任职务", "current_post", "text", True),
    Column("职级层次", "rank_level", "rank_level", True, gettext_lazy("乡科级副职 … 省部级正职，或 其他人员")),
    Column("单位代码", "unit", "unit_code", True, gettext_lazy("系统中“单位”的代码")),
    Column("任现职级时间", "current_rank_since", "date", False),
    # DOMAIN.md §4.2: the probation on the record, whatever its source, bars an exceptional promotion.
    Column("试用期满日期", "probation_end", "end_date", False, gettext_lazy("任职试用期的最后一天；不在试用期的留空")),
)

ASSESSMENT_COLUMNS = (
    Column("身份证号", "id_number", "id_number", True),
    Column("姓名", "name", "name", False, gettext_lazy("可选，用于核对")),
    Column("年度", "year", "year", True, gettext_lazy("如：2024")),
    Column("考核等次", "grade", "grade", True, gettext_lazy("优秀 / 称职 / 基本称职 / 不称职 / 不定等次")),
    Column("重点目标任务未完成", "key_targets_missed", "yes_no", False, gettext_lazy("是 / 否（空白为否）；无特殊原因的，一年内不得提拔")),
)

# DOMAIN.md §10 "Health checks" (seed 000 #19; seed 004 art. 11).
HEALTH_CHECK_COLUMNS = (
    Column("身份证号", "id_number", "id_number", True),
    Column("姓名", "name", "name", False, gettext_lazy("可选，用于核对")),
    Column("体检日期", "date", "date", True),
    Column("体检标准", "standard", "health_standard", False, gettext_lazy("常规体检 / 提高标准体检（空白为常规体检）")),
    Column("体检结论", "result", "health_result", False, gettext_lazy("未见异常 / 需复查或随访 / 异常（空白为未见异常）")),
    Column("体检机构", "institution", "text", False),
    Column("备注", "note", "text", False),
)
# DOMAIN.md §10 "Training" (seed 000 #13).
TRAINING_COLUMNS = (
    Column("身份证号", "id_number", "id_number", True),
    Column("姓名", "name", "name", False, gettext_lazy("可选，用于核对")),
    Column("培训班次", "course", "text", True),
    Column("主办单位", "organiser", "text", False),
    Column("开始日期", "start", "date", True),
    Column("结束日期", "end", "date", True),
    Column("学时", "hours", "hours", True, gettext_lazy("如：32 或 7.5")),
    Column("专业能力专题培训", "professional", "yes_no", False, gettext_lazy("是 / 否（空白为否）；市县领导班子成员每年至少1次")),
)
# DOMAIN.md §10 "Township service" (seed 000 #20): the years in township units come from these rows.
POST_HISTORY_COLUMNS = (
    Column("身份证号", "id_number", "id_number", True),
    Column("姓名", "name", "name", False, gettext_lazy("可选，用于核对")),
    Column("任职单位代码", "post_unit", "unit_code", True, gettext_lazy("系统中“单位”的代码")),
    Column("职务", "post", "text", True),
    Column("起始日期", "start", "date", True),
    Column("截止日期", "end", "date", False, gettext_lazy("现任岗位留空；其起始日期即“任现岗位时间”，轮岗年限自此起算")),
    # DOMAIN.md §10 "Health checks" (seed 004 art. 11; seed 000 #19): said of the current post.
    Column("一线艰苦高危岗位", "hardship_post", "yes_no", False, gettext_lazy("现任岗位填写：是 / 否（空白为否）；每年体检不少于1次")),
)

# DOMAIN.md §3: the effect period is computed from the table in force on the decision date unless
# the file gives another end with its reason; §1.4: an excuse names its decision.
SANCTION_COLUMNS = (
    Column("身份证号", "id_number", "id_number", True),
    Column("姓名", "name", "name", False, gettext_lazy("可选，用于核对")),
    Column("处分或处理种类", "kind", "sanction_kind", True, gettext_lazy("警告 / 记过 / 记大过 / 降级 / 撤职 / 诫勉 / 组织处理（…）")),
    Column("决定日期", "decision_date", "date", True),
    Column("事由", "description", "text", False),
    Column("影响期截止日期", "effect_end", "end_date", False, gettext_lazy("留空则按规定期限自动计算；与规定期限不同时须填写调整理由")),
    Column("调整影响期的理由", "effect_end_override_reason", "text", False),
    Column("容错免责认定", "excuse", "excuse", False, gettext_lazy("从轻追究 / 减轻追究 / 免予追究（空白为无）")),
    Column("容错认定文件", "excuse_decision", "text", False, gettext_lazy("认定容错免责的必填")),
)

# Headers that identify a sheet's kind (a subset of its required headers).
_SIGNATURE = {
    CADRES: {"姓名", "身份证号", "单位代码"},
    ASSESSMENTS: {"身份证号", "年度", "考核等次"},
    HEALTH_CHECKS: {"身份证号", "体检日期"},
    TRAININGS: {"身份证号", "培训班次", "学时"},
    POST_HISTORY: {"身份证号", "任职单位代码", "起始日期"},
    SANCTIONS: {"身份证号", "处分或处理种类", "决定日期"},
}
_COLUMNS = {
    CADRES: CADRE_COLUMNS,
    ASSESSMENTS: ASSESSMENT_COLUMNS,
    HEALTH_CHECKS: HEALTH_CHECK_COLUMNS,
    TRAININGS: TRAINING_COLUMNS,
    POST_HISTORY: POST_HISTORY_COLUMNS,
    SANCTIONS: SANCTION_COLUMNS,
}
_SHEET_TITLES = {
    CADRES: CADRE_SHEET_TITLE,
    ASSESSMENTS: ASSESSMENT_SHEET_TITLE,
    HEALTH_CHECKS: HEALTH_CHECK_SHEET_TITLE,
    TRAININGS: TRAINING_SHEET_TITLE,
    POST_HISTORY: POST_HISTORY_SHEET_TITLE,
    SANCTIONS: SANCTION_SHEET_TITLE,
}
# What each kind of file is called on the import pages.
KIND_LABELS = {
    CADRES: gettext_lazy("干部信息（可附“年度考核结果”工作表）"),
    ASSESSMENTS: gettext_lazy("年度考核结果"),
    HEALTH_CHECKS: gettext_lazy("健康体检"),
    TRAININGS: gettext_lazy("教育培训"),
    POST_HISTORY: gettext_lazy("任职经历"),
}
SANCTION_LABEL = gettext_lazy("处分与组织处理")

# Spellings used in practice besides the official labels of DOMAIN.md §4.4.
RANK_ALIASES = {
    "副科": RankLevel.TOWNSHIP_DEPUTY,
    "副科级": RankLevel.TOWNSHIP_DEPUTY,
    "正科": RankLevel.TOWNSHIP_PRINCIPAL,
    "正科级": RankLevel.TOWNSHIP_PRINCIPAL,
    "副处": RankLevel.COUNTY_DEPUTY,
    "副处级": RankLevel.COUNTY_DEPUTY,
    "正处": RankLevel.COUNTY_PRINCIPAL,
    "正处级": RankLevel.COUNTY_PRINCIPAL,
    "副厅": RankLevel.BUREAU_DEPUTY,
    "副厅级": RankLevel.BUREAU_DEPUTY,
    "正厅": RankLevel.BUREAU_PRINCIPAL,
    "正厅级": RankLevel.BUREAU_PRINCIPAL,
    "副部": RankLevel.MINISTER_DEPUTY,
    "副部级": RankLevel.MINISTER_DEPUTY,
    "正部": RankLevel.MINISTER_PRINCIPAL,
    "正部级": RankLevel.MINISTER_PRINCIPAL,
}
SEX_ALIASES = {"男性": Sex.MALE, "女性": Sex.FEMALE}


# --------------------------------------------------------------------------- report


@dataclass
class RowError:
    row: int | None  # Excel row number (the header is usually row 1); None for file-level errors
    column: str  # header text, "" when the error concerns the whole row or file
    message: str
    sheet: str = ""

    def __str__(self):
        where = []
        if self.sheet:
            where.append(f"［{self.sheet}］")
        if self.row:
            where.append(_("第%(row)s行") % {"row": self.row})
        if self.column:
            where.append(_("“%(column)s”列") % {"column": self.column})
        return f"{''.join(where)}：{self.message}" if where else self.message


@dataclass
class UpdatedRow:
    row: int
    id_number: str
    name: str
    sheet: str = ""


@dataclass
class ImportReport:
    """What an import did (or, with errors or ``dry_run``, did not do).

    ``created``/``updated`` count cadres for a cadre import and assessment results for an
    assessment-only import; a cadre workbook's assessment sheet is counted separately.
    """

    kind: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    assessments_created: int = 0
    assessments_updated: int = 0
    rows: int = 0
    errors: list = field(default_factory=list)  # the first MAX_LISTED_ERRORS
    error_count: int = 0  # all of them
    updated_rows: list = field(default_factory=list)  # cadres matched by 身份证号 and updated
    # The saved objects counted by created/updated, for the caller's audit log.
    created_objects: list = field(default_factory=list, repr=False)
    updated_objects: list = field(default_factory=list, repr=False)

    @property
    def ok(self):
        return not self.error_count

    def add_error(self, row, column, message, sheet=""):
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(RowError(row, column, str(message), sheet))

    def summary(self):
        if self.error_count > len(self.errors):
            return _("发现%(count)s处错误，以下列出前%(listed)s处，未导入任何数据。请修改后重新导入。") % {
                "count": self.error_count,
                "listed": len(self.errors),
            }
        if self.errors:
            return _("发现%(count)s处错误，未导入任何数据。请修改后重新导入。") % {"count": len(self.errors)}
        prefix = _("校验通过（仅校验，未写入数据）：") if self.dry_run else _("导入完成：")
        if self.kind == ASSESSMENTS:
            return prefix + _("年度考核结果新增%(created)s条，更新%(updated)s条。") % {"created": self.created, "updated": self.updated}
        if self.kind in RECORD_KINDS:
            return prefix + _("%(kind)s记录新增%(created)s条，更新%(updated)s条。") % {
                "kind": KIND_LABELS.get(self.kind, SANCTION_LABEL),
                "created": self.created,
                "updated": self.updated,
            }
        text = prefix + _("新建干部%(created)s人，更新%(updated)s人（身份证号已存在的按文件内容更新，不重复新建）。") % {
            "created": self.created,
            "updated": self.updated,
        }
        if self.assessments_created or self.assessments_updated:
            text += _("年度考核结果新增%(created)s条，更新%(updated)s条。") % {
                "created": self.assessments_created,
                "updated": self.assessments_updated,
            }
        return text

    def updated_lines(self):
        return [
            _("第%(row)s行：身份证号%(id)s已存在，已更新干部“%(name)s”的信息") % {"row": u.row, "id": u.id_number, "name": u.name}
            for u in self.updated_rows
        ]

    def lines(self):
        """The whole report as text lines (the management command prints these)."""
        return [self.summary(), *(self.updated_lines() if self.ok else []), *(str(e) for e in self.errors)]


# --------------------------------------------------------------------------- cell parsers

_SPACES = re.compile(r"[\s\u3000\u00a0]+")


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").replace("\u00a0", " ").strip()


def parse_name(value):
    # Office tables pad two-character names with (full-width) spaces ("张　三"); drop them all.
    return _SPACES.sub("", _text(value))


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"\d{17}[\dX]")


def id_check_digit(first17):
    """GB 11643-1999 check character (ISO 7064 MOD 11-2)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def parse_id_number(value):
    if isinstance(value, float):
        # Excel keeps 15 significant digits: an 18-digit number typed into a General cell has
        # already lost its last digits, so it cannot be trusted.
        raise CellError(_("身份证号被Excel存成了数字，后几位可能已丢失；请把该列设为文本格式后重新填写"))
    text = _SPACES.sub("", _text(value)).upper()
    if not _ID_RE.fullmatch(text):
        raise CellError(_("身份证号“%(value)s”格式不正确，应为18位，最后一位可为数字或X") % {"value": text})
    try:
        datetime.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise CellError(_("身份证号“%(value)s”中的出生日期无效") % {"value": text}) from None
    if id_check_digit(text[:17]) != text[17]:
        raise CellError(_("身份证号“%(value)s”校验位不正确，请核对") % {"value": text})
    return text


_DATE_FORMATS = (
    (re.compile(r"(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?"), True),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), True),
    (re.compile(r"(\d{4})[-./年](\d{1,2})月?"), False),
    (re.compile(r"(\d{4})(\d{2})"), False),
)
EARLIEST_DATE = datetime.date(1900, 1, 1)


def parse_date(value, today=None, *, future=False):
    """An Excel date, or text 2020-03-01 / 2020.03.01 / 20200301 / 2020.03 / 202003 / 2020年3月.

    Month-only values (the usual form in cadre files) mean the 1st of the month. A date after
    today is refused unless ``future`` (the end of a probation still running).
    """
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        if isinstance(value, float) and not value.is_integer():
            # 2020.10 typed into a number cell is stored as 2020.1; cadre files write months
            # with two digits, so read the number back with two decimals (October, not January).
            text = f"{value:.2f}"
        else:
            text = _SPACES.sub("", _text(value))
        day = None
        for pattern, has_day in _DATE_FORMATS:
            match = pattern.fullmatch(text)
            if match:
                year, month = int(match[1]), int(match[2])
                try:
                    day = datetime.date(year, month, int(match[3]) if has_day else 1)
                except ValueError:
                    raise CellError(_("日期“%(value)s”不存在") % {"value": text}) from None
                break
        if day is None:
            raise CellError(_("无法识别的日期“%(value)s”，请填写Excel日期或 2020-03-01、2020.03、202003 格式") % {"value": text})
    today = today or timezone.localdate()
    if day < EARLIEST_DATE:
        raise CellError(_("日期%(value)s过早，请核对") % {"value": day.isoformat()})
    if day > today and not future:
        raise CellError(_("日期%(value)s晚于今天，请核对") % {"value": day.isoformat()})
    return day


def parse_end_date(value):
    return parse_date(value, future=True)


def parse_year(value, today=None):
    text = _SPACES.sub("", _text(value)).removesuffix("年")
    if not re.fullmatch(r"\d{4}", text):
        raise CellError(_("年度“%(value)s”应为四位数字年份，如2024") % {"value": text})
    year = int(text)
    if not 1950 <= year <= (today or timezone.localdate()).year:
        raise CellError(_("年度%(value)s超出合理范围") % {"value": year})
    return year


def _choice_lookup(choices, aliases):
    # Headers and labels in the files are Chinese whatever the UI language is, so read the
    # labels in Chinese; accept the stored codes too (exports of this system).
    with translation.override("zh-hans"):
        lookup = {str(label): value for value, label in choices.choices}
    lookup.update({str(label): value for value, label in choices.choices})
    lookup.update({value: value for value in choices.values})
    lookup.update(aliases)
    with translation.override("zh-hans"):
        allowed = "、".join(str(label) for label in choices.labels)
    return lookup, allowed


def _choice_parser(choices, aliases=None):
    cache = {}  # per UI language: building the lookup for every cell would dominate big imports

    def parse(value):
        language = translation.get_language()
        if language not in cache:
            cache[language] = _choice_lookup(choices, aliases or {})
        lookup, allowed = cache[language]
        text = _SPACES.sub("", _text(value))
        if text not in lookup:
            raise CellError(_("“%(value)s”不是可选值（可选：%(allowed)s）") % {"value": text, "allowed": allowed})
        return lookup[text]

    return parse


YES = {"是", "Y", "YES", "TRUE", "1", "√", "✓"}
NO = {"否", "N", "NO", "FALSE", "0", "×", "✗"}


def parse_yes_no(value):
    if isinstance(value, bool):
        return value
    text = _SPACES.sub("", _text(value)).upper()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(_("“%(value)s”应填“是”或“否”") % {"value": text})


MAX_TRAINING_HOURS = 2000


def parse_hours(value):
    import decimal

    text = _SPACES.sub("", _text(value)).removesuffix("学时")
    try:
        hours = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise CellError(_("学时“%(value)s”应为数字，如32或7.5") % {"value": text}) from None
    if not hours.is_finite() or not 0 < hours <= MAX_TRAINING_HOURS:
        raise CellError(_("学时%(value)s超出合理范围（0至%(max)s）") % {"value": text, "max": MAX_TRAINING_HOURS})
    return hours.quantize(decimal.Decimal("0.1"))


def _unit_code(value):
    return _SPACES.sub("", _text(value))


_PARSERS = {
    "text": _text,
    "name": parse_name,
    "id_number": parse_id_number,
    "date": parse_date,
    "end_date": parse_end_date,
    "year": parse_year,
    "sex": _choice_parser(Sex, SEX_ALIASES),
    "rank_level": _choice_parser(RankLevel, RANK_ALIASES),
    "grade": _choice_parser(AssessmentGrade),
    "yes_no": parse_yes_no,
    "unit_code": _unit_code,  # resolved against the database in one query afterwards
    "hours": parse_hours,
    "health_standard": _choice_parser(HealthCheckStandard),
    "health_result": _choice_parser(HealthCheckResult),
    "sanction_kind": _choice_parser(SanctionKind),
    "excuse": _choice_parser(FaultToleranceExcuse),
}


# --------------------------------------------------------------------------- reading


def _normalise_header(value):
    text = _SPACES.sub("", _text(value))
    text = text.lstrip("*＊").rstrip("*＊")
    for suffix in ("（必填）", "(必填)", "（选填）", "(选填)"):
        text = text.removesuffix(suffix)
    return text


@dataclass
class _Sheet:
    title: str
    header_row: int
    positions: dict  # header -> 0-based column index
    rows: list  # (excel row number, tuple of values)


def _size_of(source):
    """The upload's size in bytes, where it can be told without reading it."""
    size = getattr(source, "size", None)
    if size is None and hasattr(source, "seek") and hasattr(source, "tell"):
        position = source.tell()
        size = source.seek(0, io.SEEK_END)
        source.seek(position)
    return size


def _too_large_message():
    return _("文件超过%(mb)sMB，请分批导入") % {"mb": round(max_bytes() / 1024 / 1024, 1)}


def _open_workbook(source):
    try:
        if hasattr(source, "seek"):
            source.seek(0)
        return openpyxl.load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        raise UnreadableFile(_("无法读取该文件，请上传Excel 2007及以上版本的 .xlsx 文件")) from None


def _find_header(worksheet, kind):
    for number, values in enumerate(worksheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), start=1):
        headers = [_normalise_header(v) for v in values]
        if _SIGNATURE[kind] <= set(headers):
            return number, headers
    return None, None


def _read_sheets(source, kinds):
    """The sheets of ``kinds`` found in the workbook, read fully (values only)."""
    workbook = _open_workbook(source)
    found = {}
    try:
        # A sheet named after its kind wins; otherwise the first sheet whose header matches.
        worksheets = sorted(workbook.worksheets, key=lambda ws: ws.title not in _SHEET_TITLES.values())
        for worksheet in worksheets:
            for kind in kinds:
                if kind in found:
                    continue
                if worksheet.title in _SHEET_TITLES.values() and worksheet.title != _SHEET_TITLES[kind]:
                    continue  # a sheet named after another kind is never read as this one
                header_row, headers = _find_header(worksheet, kind)
                if header_row is None:
                    continue
                positions = {}
                duplicates = set()
                for index, header in enumerate(headers):
                    if header:
                        if header in positions:
                            duplicates.add(header)
                        positions.setdefault(header, index)
                rows = []
                # Streamed (read-only workbook), only as wide as the header, and at most max_rows().
                cells = worksheet.iter_rows(min_row=header_row + 1, max_col=max(len(headers), 1), values_only=True)
                for number, values in enumerate(cells, start=header_row + 1):
                    if any(v is not None and _text(v) != "" for v in values):
                        if len(rows) >= max_rows():
                            raise TooManyRows(_("“%(sheet)s”工作表超过%(n)s行，请分批导入") % {"sheet": worksheet.title, "n": max_rows()})
                        rows.append((number, values))
                found[kind] = (_Sheet(worksheet.title, header_row, positions, rows), duplicates)
                break
    finally:
        workbook.close()
    return found


def _parse_rows(sheet, duplicates, columns, report):
    """[(row number, {field: value})], with every cell error added to the report."""
    present = [c for c in columns if c.header in sheet.positions]
    for header in sorted(duplicates):
        report.add_error(sheet.header_row, header, _("表头中“%(column)s”列出现了多次") % {"column": header}, sheet.title)
    for column in columns:
        if column.required and column not in present:
            report.add_error(sheet.header_row, column.header, _("缺少必填列“%(column)s”") % {"column": column.header}, sheet.title)
    if duplicates or any(c.required and c not in present for c in columns):
        return [], present
    parsed = []
    for number, values in sheet.rows:
        data = {}
        for column in present:
            index = sheet.positions[column.header]
            raw = values[index] if index < len(values) else None
            if raw is None or _text(raw) == "":
                if column.required:
                    report.add_error(number, column.header, _("必填项不能为空"), sheet.title)
                else:
                    data[column.field] = {"date": None, "end_date": None, "yes_no": False}.get(column.parser, "")
                continue
            try:
                data[column.field] = _PARSERS[column.parser](raw)
            except CellError as exc:
                report.add_error(number, column.header, str(exc), sheet.title)
        parsed.append((number, data))
    return parsed, present


def _chunks(items, size=LOOKUP_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_cadres(id_numbers):
    """{normalised id number: Cadre} for the ids already in the database."""
    found = {}
    for chunk in _chunks(id_numbers):
        # Records typed in by hand may end in a lower-case x.
        variants = chunk + [i[:-1] + "x" for i in chunk if i.endswith("X")]
        for cadre in Cadre.objects.filter(id_number__in=variants):
            found[cadre.id_number.upper()] = cadre
    return found


# --------------------------------------------------------------------------- validation


_FIELD_HEADERS = {c.field: c.header for c in CADRE_COLUMNS}


def _plan_cadres(sheet, duplicates, report):
    """Validate the cadre rows.

    Returns (new Cadres, updated Cadres, field names to update, valid cadres by id number,
    every id number on the sheet).
    """
    parsed, present = _parse_rows(sheet, duplicates, CADRE_COLUMNS, report)
    title = sheet.title

    first_row = {}
    for number, data in parsed:
        id_number = data.get("id_number")
        if id_number is None:
            continue
        if id_number in first_row:
            report.add_error(number, "身份证号", _("身份证号与第%(row)s行重复") % {"row": first_row[id_number]}, title)
        else:
            first_row[id_number] = number

    codes = {data["unit"] for _n, data in parsed if data.get("unit")}
    units = {}
    for chunk in _chunks(codes):
        units.update(Unit.objects.filter(code__in=chunk).in_bulk(field_name="code"))
    existing = _existing_cadres(first_row)

    fields = [c.field for c in present]
    new, updated, by_id = [], [], {}
    for number, data in parsed:
        row_ok = True
        code = data.get("unit")
        if code and code not in units:
            report.add_error(number, "单位代码", _("单位代码“%(code)s”在系统中不存在") % {"code": code}, title)
            row_ok = False
        birth = data.get("birth_date")
        for field_name in ("party_join_date", "work_start_date", "current_rank_since", "probation_end"):
            if birth and data.get(field_name) and data[field_name] < birth:
                report.add_error(number, _FIELD_HEADERS[field_name], _("不能早于出生日期"), title)
                row_ok = False
        since, probation_end = data.get("current_rank_since"), data.get("probation_end")
        if since and probation_end and probation_end < since:
            report.add_error(number, _FIELD_HEADERS["probation_end"], _("不能早于任现职级时间"), title)
            row_ok = False
        if len(data) != len(present) or not row_ok or first_row.get(data["id_number"]) != number:
            continue  # already reported; nothing more to check on this row
        values = dict(data, unit=units[code])
        cadre = existing.get(data["id_number"])
        if cadre is None:
            cadre = Cadre(**values)
            new.append(cadre)
        else:
            for name, value in values.items():
                setattr(cadre, name, value)
            updated.append(cadre)
            report.updated_rows.append(UpdatedRow(number, data["id_number"], data["name"], title))
        by_id[data["id_number"]] = cadre
        # The model's own field validation (lengths, choices) as a backstop; uniqueness and the
        # unit were checked above in bulk, which is what keeps 5,000 rows to a few queries.
        try:
            cadre.full_clean(exclude=["unit", "user", "id_number"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                for message in messages:
                    report.add_error(number, _FIELD_HEADERS.get(field_name, ""), message, title)
    return new, updated, fields, by_id, set(first_row)


def _plan_assessments(sheet, duplicates, report, file_cadres, file_ids=frozenset()):
    """Validate assessment rows; return ([(cadre, new AnnualAssessment)], [updated AnnualAssessments]).

    ``file_cadres`` are the cadres of the same workbook's cadre sheet (by id number), which an
    assessment row may refer to before they exist in the database; ``file_ids`` are all the id
    numbers on that sheet, including rows already reported as invalid.
    """
    parsed, present = _parse_rows(sheet, duplicates, ASSESSMENT_COLUMNS, report)
    title = sheet.title
    ids = {data["id_number"] for _n, data in parsed if data.get("id_number")}
    cadres = _existing_cadres(ids - set(file_cadres))
    cadres.update(file_cadres)

    existing = {}
    saved_ids = [c.pk for c in cadres.values() if c.pk]
    for chunk in _chunks(saved_ids):
        for assessment in AnnualAssessment.objects.filter(cadre_id__in=chunk):
            existing[(assessment.cadre_id, assessment.year)] = assessment

    seen, rows = {}, {}
    new, updated = [], []
    for number, data in parsed:
        if len(data) != len(present):
            continue
        cadre = cadres.get(data["id_number"])
        if cadre is None and data["id_number"] in file_ids:
            continue  # the cadre's own row is invalid and already reported
        if cadre is None:
            report.add_error(number, "身份证号", _("系统和本文件中都没有身份证号为%(id)s的干部") % {"id": data["id_number"]}, title)
            continue
        if data.get("name") and data["name"] != cadre.name:
            report.add_error(
                number, "姓名", _("姓名“%(name)s”与该身份证号的干部“%(cadre)s”不一致") % {"name": data["name"], "cadre": cadre.name}, title
            )
            continue
        key = (data["id_number"], data["year"])
        if key in seen:
            report.add_error(
                number, "年度", _("该干部%(year)s年度的考核结果与第%(row)s行重复") % {"year": data["year"], "row": seen[key]}, title
            )
            continue
        seen[key] = number
        current = existing.get((cadre.pk, data["year"])) if cadre.pk else None
        if current is None:
            current = AnnualAssessment(year=data["year"], grade=data["grade"], key_targets_missed=data.get("key_targets_missed", False))
            current.cadre, current.unit_id = cadre, cadre.unit_id  # assessed in the cadre's unit (after this file)
            new.append((cadre, current))
        else:
            current.cadre = cadre  # the loaded cadre: no query per row in the checks
            current.grade = data["grade"]
            if "key_targets_missed" in data:
                current.key_targets_missed = data["key_targets_missed"]
            current.unit_id = current.unit_id or cadre.unit_id
            updated.append(current)
        rows[id(current)] = number
    # DOMAIN.md §2 over the whole file as it would stand: 优秀 share per unit-year, no 优秀 under a sanction.
    for assessment, message in rules.check_assessments([a for _c, a in new] + updated):
        report.add_error(rows[id(assessment)], "考核等次", message, title)
    return new, updated


# DOMAIN.md §10 records: the model of each kind, the fields a row sets, and the fields that say
# which existing row a file row updates (besides the cadre).
_RECORD_MODELS = {HEALTH_CHECKS: HealthCheck, TRAININGS: Training, POST_HISTORY: PostHistory, SANCTIONS: Sanction}
_RECORD_KEYS = {HEALTH_CHECKS: ("date",), TRAININGS: ("course", "start"), POST_HISTORY: ("start",), SANCTIONS: ("kind", "decision_date")}
_RECORD_DEFAULTS = {"standard": HealthCheckStandard.ORDINARY, "result": HealthCheckResult.NORMAL, "excuse": FaultToleranceExcuse.NONE}
# Each kind's first date (not before the cadre's birth) and its end date (not before the first).
_RECORD_DATES = {HEALTH_CHECKS: ("date", None), SANCTIONS: ("decision_date", "effect_end")}


def _plan_records(kind, sheet, duplicates, report):
    """Validate the rows of a health-check, training or post-history sheet; return (new records,
    updated records, the fields to update). A row whose cadre already has a record with the same
    key (体检日期; 培训班次 and 开始日期; 起始日期) updates it."""
    columns = _COLUMNS[kind]
    headers = {c.field: c.header for c in columns}
    parsed, present = _parse_rows(sheet, duplicates, columns, report)
    title = sheet.title
    model, key_fields = _RECORD_MODELS[kind], _RECORD_KEYS[kind]
    cadres = _existing_cadres({data["id_number"] for _n, data in parsed if data.get("id_number")})
    units = {}
    if kind == POST_HISTORY:
        codes = {data["post_unit"] for _n, data in parsed if data.get("post_unit")}
        for chunk in _chunks(codes):
            units.update(Unit.objects.filter(code__in=chunk).in_bulk(field_name="code"))
    existing = {}
    for chunk in _chunks([c.pk for c in cadres.values()]):
        for record in model.objects.filter(cadre_id__in=chunk):
            existing[(record.cadre_id, *(getattr(record, f) for f in key_fields))] = record

    fields = [c.field for c in present if c.field not in ("id_number", "name", "hardship_post")]
    seen, new, updated = {}, [], []
    current = {}  # cadre pk -> (row number, start) of the file's open post-history row
    for number, data in parsed:
        if len(data) != len(present):
            continue  # a cell error, already reported
        cadre = cadres.get(data["id_number"])
        if cadre is None:
            report.add_error(number, "身份证号", _("系统中没有身份证号为%(id)s的干部，请先导入干部信息") % {"id": data["id_number"]}, title)
            continue
        if data.get("name") and data["name"] != cadre.name:
            report.add_error(
                number, "姓名", _("姓名“%(name)s”与该身份证号的干部“%(cadre)s”不一致") % {"name": data["name"], "cadre": cadre.name}, title
            )
            continue
        values = {f: data[f] for f in fields}
        if kind == POST_HISTORY and not values.get("end"):
            values["end"] = None
            if cadre.pk in current:
                message = _("与第%(row)s行都是现任岗位（截止日期留空），只能有一个") % {"row": current[cadre.pk][0]}
                report.add_error(number, headers["end"], message, title)
                continue
            current[cadre.pk] = (number, values["start"], data.get("hardship_post"))
        for name, default in _RECORD_DEFAULTS.items():
            if values.get(name) == "":
                values[name] = default
        if kind == POST_HISTORY:
            unit = units.get(values["post_unit"])
            if unit is None:
                report.add_error(number, headers["post_unit"], _("单位代码“%(code)s”在系统中不存在") % {"code": values["post_unit"]}, title)
                continue
            values["post_unit"] = unit
        start_field, end_field = _RECORD_DATES.get(kind, ("start", "end"))
        if values[start_field] < cadre.birth_date:
            report.add_error(number, headers[start_field], _("不能早于出生日期"), title)
            continue
        if end_field and values.get(end_field) and values[end_field] < values[start_field]:
            report.add_error(number, headers[end_field], _("不能早于%(column)s") % {"column": headers[start_field]}, title)
            continue
        key = (cadre.pk, *(values[f] for f in key_fields))
        if key in seen:
            report.add_error(number, headers[key_fields[-1]], _("与第%(row)s行是同一条记录") % {"row": seen[key]}, title)
            continue
        seen[key] = number
        record = existing.get(key)
        if record is None:
            record = model(cadre=cadre, **values)
            new.append(record)
        else:
            for name, value in values.items():
                setattr(record, name, value)
            record.cadre = cadre  # loaded: the caller's audit log names it without a query
            updated.append(record)
        try:
            record.full_clean(exclude=["cadre", "post_unit"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                for message in messages:
                    report.add_error(number, headers.get(field_name, ""), message, title)
        else:
            if kind == SANCTIONS and not record.effect_end:
                # Sanction.save() would; bulk_create does not call it (DOMAIN.md §3).
                record.effect_end = record.computed_effect_end()
    changes = _current_posts(current, cadres, existing, seen, present, report, title, headers) if kind == POST_HISTORY else ([], [], [])
    return new, updated, [f for f in fields if f not in key_fields or kind == POST_HISTORY], changes


def _current_posts(current, cadres, existing, seen, present, report, title, headers):
    """The open post-history row of the file is the cadre's current post: its start becomes
    ``Cadre.post_since`` (DOMAIN.md §10 "Rotation": time in current post) and, when the column is
    there, its 一线艰苦高危岗位 mark ``Cadre.hardship_post`` (§10 "Health checks"). An open row
    already in the system that started earlier is closed the day before."""
    by_pk = {c.pk: c for c in cadres.values()}
    changed_cadres, closed_rows = [], []
    cadre_fields = ["post_since"] + (["hardship_post"] if any(c.field == "hardship_post" for c in present) else [])
    for cadre_pk, (number, start, hardship) in current.items():
        for key, record in existing.items():
            if key[0] != cadre_pk or record.end is not None or key in seen:
                continue
            if record.start >= start:
                report.add_error(
                    number,
                    headers["start"],
                    _("系统中该干部已有%(date)s起的现任岗位，不能早于它") % {"date": record.start.isoformat()},
                    title,
                )
                continue
            record.end = start - datetime.timedelta(days=1)
            closed_rows.append(record)
        cadre = by_pk[cadre_pk]
        cadre.post_since = start
        if "hardship_post" in cadre_fields:
            cadre.hardship_post = bool(hardship)
        changed_cadres.append(cadre)
    return changed_cadres, cadre_fields, closed_rows


def _run_records(kind, sheets, report, dry_run, user=None):
    new, updated, fields, (changed_cadres, cadre_fields, closed_rows) = _plan_records(kind, *sheets[kind], report)
    if report.errors:
        return report
    model = _RECORD_MODELS[kind]
    with transaction.atomic():
        model.objects.bulk_create(new, batch_size=BATCH_SIZE)
        _bulk_update(model, updated, fields)
        _bulk_update(model, closed_rows, ["end"])
        _bulk_update(Cadre, changed_cadres, cadre_fields)
        # Bulk writes send no model signal: say whose records changed (the alert register listens).
        signals.records_written.send(
            sender=model, cadre_ids=[r.cadre_id for r in (*new, *updated, *closed_rows)] + [c.pk for c in changed_cadres]
        )
        if kind == SANCTIONS and not dry_run:
            # Only the newly recorded ones: an updated row is a decision already known (its talk,
            # if any, was started when it was first recorded).
            signals.sanctions_recorded(new, user=user)
        if dry_run:
            transaction.set_rollback(True)
    report.created, report.updated = len(new), len(updated)
    if not dry_run:
        report.created_objects, report.updated_objects = new, updated
    return report


# --------------------------------------------------------------------------- import


def _bulk_update(model, objects, field_names):
    """UPDATE … WHERE pk = %s for every object, as one executemany.

    QuerySet.bulk_update builds a CASE expression per field and row, which costs ~3 ms of
    Python per row: 15 s for 5,000 cadres. A prepared statement run over the rows is
    backend-neutral and two orders of magnitude faster. (No signals or save() overrides are
    involved: Cadre and AnnualAssessment define neither.)
    """
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    sql = "UPDATE %s SET %s WHERE %s = %%s" % (
        quote(model._meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote(model._meta.pk.column),
    )
    params = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk] for obj in objects]
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH_SIZE):
            cursor.executemany(sql, params[start : start + BATCH_SIZE])


def _run(source, kind, dry_run, user=None):
    report = ImportReport(kind=kind, dry_run=dry_run)
    kinds = (CADRES, ASSESSMENTS) if kind == CADRES else (kind,)
    size = _size_of(source)
    if size is not None and size > max_bytes():
        report.add_error(None, "", _too_large_message())
        return report
    try:
        sheets = _read_sheets(source, kinds)
    except (UnreadableFile, TooManyRows) as exc:
        report.add_error(None, "", str(exc))
        return report
    if kind not in sheets:
        headers = "、".join(c.header for c in _COLUMNS[kind] if c.required)
        report.add_error(
            None,
            "",
            _("未找到%(title)s表：前%(n)s行中应有包含以下列名的表头：%(headers)s")
            % {"title": _SHEET_TITLES[kind], "n": HEADER_SEARCH_ROWS, "headers": headers},
        )
        return report
    report.rows = sum(len(sheet.rows) for sheet, _d in sheets.values())
    if kind in RECORD_KINDS:
        return _run_records(kind, sheets, report, dry_run, user)

    new_cadres, updated_cadres, cadre_fields, file_cadres, file_ids = [], [], [], {}, set()
    if CADRES in sheets:
        new_cadres, updated_cadres, cadre_fields, file_cadres, file_ids = _plan_cadres(*sheets[CADRES], report)
    new_assessments, updated_assessments = [], []
    if ASSESSMENTS in sheets:
        new_assessments, updated_assessments = _plan_assessments(*sheets[ASSESSMENTS], report, file_cadres, file_ids)
    if report.errors:
        report.updated_rows = []
        return report

    try:
        with transaction.atomic():
            Cadre.objects.bulk_create(new_cadres, batch_size=BATCH_SIZE)
            _bulk_update(Cadre, updated_cadres, cadre_fields)
            if any(c.pk is None for c in new_cadres):  # backends that do not return keys
                pks = {}
                for chunk in _chunks([c.id_number for c in new_cadres]):
                    pks.update(Cadre.objects.filter(id_number__in=chunk).values_list("id_number", "pk"))
                for cadre in new_cadres:
                    cadre.pk = pks[cadre.id_number]
            assessments = []
            for cadre, assessment in new_assessments:
                assessment.cadre = cadre  # now saved: sets cadre_id
                assessment.unit_id = assessment.unit_id or cadre.unit_id
                assessments.append(assessment)
            AnnualAssessment.objects.bulk_create(assessments, batch_size=BATCH_SIZE)
            _bulk_update(AnnualAssessment, updated_assessments, ["grade", "key_targets_missed", "unit"])
            if any(a.pk is None for a in assessments):  # backends that do not return keys
                keys = {(a.cadre_id, a.year): a for a in assessments}
                for chunk in _chunks([a.cadre_id for a in assessments]):
                    for pk, cadre_id, year in AnnualAssessment.objects.filter(cadre_id__in=chunk).values_list("pk", "cadre_id", "year"):
                        if (cadre_id, year) in keys:
                            keys[(cadre_id, year)].pk = pk
            # 不称职 → the level-reduction fact on the cadre (DOMAIN.md §2 line 94).
            rules.record_consequences(assessments + updated_assessments)
            changed = [c.pk for c in (*new_cadres, *updated_cadres)] + [a.cadre_id for a in (*assessments, *updated_assessments)]
            signals.records_written.send(sender=Cadre, cadre_ids=changed)
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError:
        # Only a concurrent import of the same people can get here: validation saw a clean state.
        report.updated_rows = []
        report.add_error(None, "", _("保存时与其他同时进行的操作冲突（可能有人同时导入了相同的干部），未导入任何数据，请重试"))
        return report

    if kind == CADRES:
        report.created_objects, report.updated_objects = new_cadres, updated_cadres
        report.assessments_created, report.assessments_updated = len(new_assessments), len(updated_assessments)
    else:
        report.created_objects, report.updated_objects = assessments, updated_assessments
    report.created, report.updated = len(report.created_objects), len(report.updated_objects)
    if dry_run:
        report.created_objects, report.updated_objects = [], []  # rolled back: nothing to log
    return report


def import_cadres(source, dry_run=False):
    """Import the 干部信息 sheet of ``source`` (a path or a binary file object), and its
    年度考核结果 sheet if the workbook has one, all or nothing. Returns an ImportReport."""
    return _run(source, CADRES, dry_run)


def import_assessments(source, dry_run=False):
    """Import a 年度考核结果 workbook (身份证号, 年度, 考核等次), all or nothing."""
    return _run(source, ASSESSMENTS, dry_run)


def import_health_checks(source, dry_run=False):
    """Import a 健康体检 workbook (身份证号, 体检日期, …; DOMAIN.md §10), all or nothing."""
    return _run(source, HEALTH_CHECKS, dry_run)


def import_trainings(source, dry_run=False):
    """Import a 教育培训 workbook (身份证号, 培训班次, 开始日期, 结束日期, 学时, …; DOMAIN.md §10), all or nothing."""
    return _run(source, TRAININGS, dry_run)


def import_post_history(source, dry_run=False):
    """Import a 任职经历 workbook (身份证号, 任职单位代码, 职务, 起始日期, 截止日期; DOMAIN.md §10), all or nothing."""
    return _run(source, POST_HISTORY, dry_run)


def import_sanctions(source, dry_run=False, user=None):
    """Import a 处分与组织处理 workbook (身份证号, 处分或处理种类, 决定日期, …; DOMAIN.md §3), all or
    nothing. A row whose cadre already has a sanction of that kind decided that day updates it; a
    new one still in effect starts a talk (DOMAIN.md §10 "Talks"), ``user`` being who recorded it."""
    return _run(source, SANCTIONS, dry_run, user)


# The import function of each kind of file (the import pages and the management command).
IMPORTERS = {
    CADRES: import_cadres,
    ASSESSMENTS: import_assessments,
    HEALTH_CHECKS: import_health_checks,
    TRAININGS: import_trainings,
    POST_HISTORY: import_post_history,
    SANCTIONS: import_sanctions,
}


# --------------------------------------------------------------------------- template


def _labels(choices):
    with translation.override("zh-hans"):
        return [str(label) for label in choices.labels]


def build_template(kind=CADRES):
    """An empty workbook with the header rows (and drop-down lists), as .xlsx bytes.

    The cadre template also carries the 年度考核结果 sheet, which ``import_cadres`` imports too.
    """
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    kinds = (CADRES, ASSESSMENTS) if kind == CADRES else (kind,)
    choice_lists = {
        "sex": _labels(Sex),
        "rank_level": _labels(RankLevel),
        "grade": _labels(AssessmentGrade),
        "yes_no": ["是", "否"],
        "health_standard": _labels(HealthCheckStandard),
        "health_result": _labels(HealthCheckResult),
        "sanction_kind": _labels(SanctionKind),
        "excuse": _labels(FaultToleranceExcuse),
    }
    for sheet_kind in kinds:
        sheet = workbook.create_sheet(_SHEET_TITLES[sheet_kind])
        columns = _COLUMNS[sheet_kind]
        sheet.append([c.header for c in columns])
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            sheet[f"{letter}1"].font = Font(bold=True, color="C00000" if column.required else "000000")
            sheet.column_dimensions[letter].width = 22 if column.parser in ("id_number", "date") else 14
            if column.parser in ("id_number", "unit_code", "date"):
                # Text cells: keeps the 18 digits of an id number and the leading zeros of codes.
                for row in range(2, 1002):
                    sheet[f"{letter}{row}"].number_format = "@"
            if column.parser in choice_lists:
                validation = DataValidation(type="list", formula1='"%s"' % ",".join(choice_lists[column.parser]), allow_blank=True)
                validation.add(f"{letter}2:{letter}10000")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(_("填写说明"))
    notes.append([_("表"), _("列名"), _("是否必填"), _("说明")])
    for sheet_kind in kinds:
        for column in _COLUMNS[sheet_kind]:
            notes.append([_SHEET_TITLES[sheet_kind], column.header, _("必填") if column.required else _("选填"), str(column.note)])
    notes.append([])
    notes.append(
        ["", "", "", _("任一行有错误则整个文件都不导入；身份证号已存在的干部按文件内容更新（文件中有的列都会覆盖，空白即清空）。")]
    )
    notes.append(["", "", "", _("日期可填Excel日期，或 2020-03-01、2020.03、202003 等文本；只有年月的按当月1日记。")])
    for letter, width in zip("ABCD", (14, 14, 10, 60)):
        notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
