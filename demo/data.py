"""The MeritFlow demo data set: a Henan → Pingdingshan unit tree, demo logins, ~300 cadres.

Everything here is plain data, built deterministically (fixed random seed, fixed reference
date) by :func:`build`; :mod:`demo.loader` writes it to the database idempotently.

Tree structure
--------------
Each administrative area — the province, the city, each county/district — is represented
by **its party committee unit**, which is the tree node of the area. Every other body of the
area (government, organisation department, discipline body, HR bureau, work departments) and
every subordinate area (the cities under the province, the counties under the city, the
townships under a county) is a child of that party committee::

    HA              中共河南省委                 province  party_committee   ← the province
    ├─ HA-GOV       河南省人民政府               province  government
    ├─ HA-ZZB       中共河南省委组织部 (豫组)    province  organisation_dept
    ├─ HA-JW        河南省纪委监委               province  discipline
    ├─ HA-RST       河南省人力资源和社会保障厅    province  hr_bureau
    └─ HA-PDS       中共平顶山市委               city      party_committee   ← the city
       ├─ HA-PDS-GOV  平顶山市人民政府            city      government
       ├─ HA-PDS-ZZB  中共平顶山市委组织部 (平组) city      organisation_dept
       ├─ HA-PDS-JW / -RSJ / -FGW / -JYJ / -CZJ / -YJJ / -NYJ   (discipline, HR, departments)
       └─ HA-PDS-LS   中共鲁山县委                county    party_committee   ← the county
          ├─ HA-PDS-LS-GOV  鲁山县人民政府        county    government
          ├─ HA-PDS-LS-ZZB  中共鲁山县委组织部 (鲁组) county organisation_dept
          ├─ HA-PDS-LS-JW / -RSJ / -JYJ / -NYJ / -YJJ
          └─ HA-PDS-LS-QT   鲁山县琴台街道        township  township

So from any nominating unit, walking up (self included) the first unit at county level or
above of kind party_committee/government is the area's party committee (for a township: its
county; for a city department: the city; for a county bureau: the county); the area's
organisation department, discipline body and government are that committee's children, i.e.
siblings of the nominating unit when it is a body of that area. Codes are the parent's code
plus a suffix: area codes (``HA``, ``PDS``, ``LS``…), body suffixes (``GOV`` government,
``ZZB`` organisation department, ``JW`` discipline, ``RSJ``/``RST`` HR, ``FGW`` ``JYJ`` ``CZJ``
``YJJ`` ``NYJ`` departments) and township codes (``QT`` 琴台街道…).

``short_name`` of a unit that issues documents is its 发文机关代字 (平组 → 平组〔2026〕12号,
鲁组, 豫组; 平发 for 中共平顶山市委, 平政 for the city government …); townships carry their
plain short name (琴台街道).

Logins
------
All demo users have the password ``demo12345`` (``manage.py demo_logins`` prints them).
Review-side users (discipline, reviewer, publicity officer, approver) of an area hold their
role both on their own office (the organisation department / discipline body) and on the
approving authority, the area's party committee, always with ``include_subordinates=False``:
the binding is to that unit itself, not to the townships below it. ``admin`` is a superuser
with the admin role on the province including subordinates.

Records are dated relative to :data:`REFERENCE_DATE` (2026-11-21), not to today's date, so
the data set is the same whenever it is loaded.
"""

import datetime
import random
from dataclasses import dataclass, field

from permissions.models import UnitKind, UnitLevel
from permissions.roles import Role
from records.models import (
    AssessmentGrade,
    AwardKind,
    FaultToleranceExcuse,
    RankLevel,
    SanctionKind,
    Sex,
    add_months,
)

# Bump when the data set changes (shown by load_demo; the loader itself diffs row by row).
DEMO_VERSION = 1
SEED = 20261121
REFERENCE_DATE = datetime.date(2026, 11, 21)
PASSWORD = "demo12345"
ASSESSMENT_YEARS = range(2021, 2026)

P, G, O, D, H, W, T = (
    UnitKind.PARTY_COMMITTEE,
    UnitKind.GOVERNMENT,
    UnitKind.ORGANISATION_DEPT,
    UnitKind.DISCIPLINE,
    UnitKind.HR_BUREAU,
    UnitKind.DEPARTMENT,
    UnitKind.TOWNSHIP,
)
N, TD, TP, CD, CP, BD = (
    RankLevel.NONE,
    RankLevel.TOWNSHIP_DEPUTY,
    RankLevel.TOWNSHIP_PRINCIPAL,
    RankLevel.COUNTY_DEPUTY,
    RankLevel.COUNTY_PRINCIPAL,
    RankLevel.BUREAU_DEPUTY,
)

# --- the unit tree -------------------------------------------------------------------------

# Work departments: code → (name, 代字 suffix, head title, deputy title)
DEPARTMENTS = {
    "FGW": ("发展和改革委员会", "发改", "主任", "副主任"),
    "JYJ": ("教育局", "教", "局长", "副局长"),
    "CZJ": ("财政局", "财", "局长", "副局长"),
    "YJJ": ("应急管理局", "应急", "局长", "副局长"),
    "NYJ": ("农业农村局", "农", "局长", "副局长"),
}

# Counties: code, name, 县/区/市, 代字 prefix, departments, townships (code, name), ID region code
COUNTIES = [
    (
        "LS",
        "鲁山县",
        "县",
        "鲁",
        ["JYJ", "NYJ", "YJJ"],
        [("QT", "琴台街道"), ("LY", "鲁阳街道"), ("ZGY", "张官营镇"), ("YS", "尧山镇")],
        "410423",
    ),
    ("BF", "宝丰县", "县", "宝", ["JYJ", "CZJ"], [("TL", "铁路街道"), ("CG", "城关镇"), ("ZZ", "周庄镇"), ("ND", "闹店镇")], "410421"),
    ("YX", "叶县", "县", "叶", ["CZJ", "NYJ"], [("KY", "昆阳街道"), ("RD", "任店镇"), ("LQ", "龙泉乡")], "410422"),
    ("XH", "新华区", "区", "新", ["JYJ", "FGW"], [("XSC", "西市场街道"), ("GML", "光明路街道"), ("JD", "焦店镇")], "410402"),
    ("WG", "舞钢市", "市", "舞", ["FGW", "YJJ"], [("YK", "垭口街道"), ("SP", "寺坡街道"), ("YJ", "尹集镇")], "410481"),
]
CITY_DEPARTMENTS = ["FGW", "JYJ", "CZJ", "YJJ", "NYJ"]


@dataclass
class UnitSpec:
    code: str
    name: str
    short_name: str
    parent_code: str | None
    level: str
    kind: str
    role: str  # committee / government / zzb / jw / hr / dept / township
    area: dict = field(default_factory=dict)

    def model_fields(self):
        return {
            "name": self.name,
            "short_name": self.short_name,
            "level": self.level,
            "kind": self.kind,
            # Units that issue documents number them with their 代字 (DOMAIN.md §8.1).
            "document_prefix": "" if self.role == "township" else self.short_name,
        }


def committee_name(area, title):
    """中共鲁山县委, 中共叶县县委 (a one-character county keeps its 县), 中共新华区委."""
    return f"中共{area}{title}委" if len(area) == 2 else f"中共{area}委"


def build_units():
    units = [
        UnitSpec("HA", "中共河南省委", "豫发", None, UnitLevel.PROVINCE, P, "committee", {"a": "河南省"}),
        UnitSpec("HA-GOV", "河南省人民政府", "豫政", "HA", UnitLevel.PROVINCE, G, "government"),
        UnitSpec("HA-ZZB", "中共河南省委组织部", "豫组", "HA", UnitLevel.PROVINCE, O, "zzb"),
        UnitSpec("HA-JW", "河南省纪委监委", "豫纪", "HA", UnitLevel.PROVINCE, D, "jw"),
        UnitSpec("HA-RST", "河南省人力资源和社会保障厅", "豫人社", "HA", UnitLevel.PROVINCE, H, "hr"),
        UnitSpec("HA-PDS", "中共平顶山市委", "平发", "HA", UnitLevel.CITY, P, "committee"),
        UnitSpec("HA-PDS-GOV", "平顶山市人民政府", "平政", "HA-PDS", UnitLevel.CITY, G, "government"),
        UnitSpec("HA-PDS-ZZB", "中共平顶山市委组织部", "平组", "HA-PDS", UnitLevel.CITY, O, "zzb"),
        UnitSpec("HA-PDS-JW", "平顶山市纪委监委", "平纪", "HA-PDS", UnitLevel.CITY, D, "jw"),
        UnitSpec("HA-PDS-RSJ", "平顶山市人力资源和社会保障局", "平人社", "HA-PDS", UnitLevel.CITY, H, "hr"),
    ]
    for dept in CITY_DEPARTMENTS:
        name, short, head, deputy = DEPARTMENTS[dept]
        units.append(
            UnitSpec(
                f"HA-PDS-{dept}", f"平顶山市{name}", f"平{short}", "HA-PDS", UnitLevel.CITY, W, "dept", {"head": head, "deputy": deputy}
            )
        )
    for code, area, title, prefix, depts, townships, region in COUNTIES:
        cc = f"HA-PDS-{code}"
        info = {"a": area, "t": title, "cw": committee_name(area, title)[2:], "region": region, "county": code}
        units += [
            UnitSpec(cc, committee_name(area, title), f"{prefix}发", "HA-PDS", UnitLevel.COUNTY, P, "committee", info),
            UnitSpec(f"{cc}-GOV", f"{area}人民政府", f"{prefix}政", cc, UnitLevel.COUNTY, G, "government", info),
            UnitSpec(f"{cc}-ZZB", f"{committee_name(area, title)}组织部", f"{prefix}组", cc, UnitLevel.COUNTY, O, "zzb", info),
            UnitSpec(f"{cc}-JW", f"{area}纪委监委", f"{prefix}纪", cc, UnitLevel.COUNTY, D, "jw", info),
            UnitSpec(f"{cc}-RSJ", f"{area}人力资源和社会保障局", f"{prefix}人社", cc, UnitLevel.COUNTY, H, "hr", info),
        ]
        for dept in depts:
            name, short, head, deputy = DEPARTMENTS[dept]
            units.append(
                UnitSpec(
                    f"{cc}-{dept}",
                    f"{area}{name}",
                    f"{prefix}{short}",
                    cc,
                    UnitLevel.COUNTY,
                    W,
                    "dept",
                    {**info, "head": head, "deputy": deputy},
                )
            )
        for tcode, tname in townships:
            units.append(
                UnitSpec(f"{cc}-{tcode}", f"{area}{tname}", tname, cc, UnitLevel.TOWNSHIP, T, "township", {**info, "tname": tname})
            )
    return units


def authority_code(unit):
    """The area's party committee: the unit itself when it is one, else its parent."""
    return unit.code if unit.role == "committee" else unit.parent_code


# --- users ---------------------------------------------------------------------------------


@dataclass
class UserSpec:
    username: str
    office: str  # unit code where the person works (their cadre record's unit)
    post: str | None  # substring of the cadre's post that picks their cadre record; None: no cadre
    grants: list  # (role, unit code, include_subordinates)
    note: str = ""
    is_superuser: bool = False


def _unit_users(prefix, office, note_jbr="", note_ld=""):
    return [
        UserSpec(f"{prefix}_jbr", office, "STAFF0", [(Role.NOMINATOR, office, False)], note_jbr),
        UserSpec(f"{prefix}_ld", office, "LEADER0", [(Role.UNIT_LEADER, office, False)], note_ld),
    ]


def _review_users(prefix, area_code, posts, sh2=None, sp_note=""):
    zzb, jw = f"{area_code}-ZZB", f"{area_code}-JW"
    users = [
        UserSpec(f"{prefix}_jw", jw, posts["jw"], [(Role.DISCIPLINE, jw, False), (Role.DISCIPLINE, area_code, False)]),
        UserSpec(f"{prefix}_sh", zzb, posts["sh"], [(Role.REVIEWER, zzb, False), (Role.REVIEWER, area_code, False)]),
    ]
    if sh2:
        users.append(
            UserSpec(
                f"{prefix}_sh2",
                zzb,
                sh2,
                [(Role.REVIEWER, zzb, False), (Role.REVIEWER, area_code, False)],
                "同单位第二名审核人（可演示并发办理）",
            )
        )
    users += [
        UserSpec(f"{prefix}_gs", zzb, "STAFF0", [(Role.PUBLICITY_OFFICER, zzb, False), (Role.PUBLICITY_OFFICER, area_code, False)]),
        UserSpec(f"{prefix}_sp", area_code, "LEADER0", [(Role.APPROVER, area_code, False)], sp_note),
    ]
    return users


COUNTY_REVIEW_POSTS = {"jw": "党风政风监督室主任", "sh": "干部股股长"}

USERS = [
    *_unit_users("ls_qt", "HA-PDS-LS-QT", "本人也是干部，2023–2025年连续优秀（可演示本人回避）"),
    *_unit_users("ls_zgy", "HA-PDS-LS-ZGY", "本镇副镇长是鲁山县委书记（ls_sp）的弟弟"),
    *_unit_users("bf_tl", "HA-PDS-BF-TL"),
    *_unit_users("pds_jyj", "HA-PDS-JYJ"),
    *_unit_users("pds_yjj", "HA-PDS-YJJ"),
    *_review_users("ls", "HA-PDS-LS", COUNTY_REVIEW_POSTS, sp_note="其弟是鲁山县张官营镇副镇长（可演示亲属回避）"),
    *_review_users("bf", "HA-PDS-BF", COUNTY_REVIEW_POSTS),
    *_review_users("pds", "HA-PDS", {"jw": "党风政风监督室主任", "sh": "干部一科科长"}, sh2="干部二科科长"),
    *_review_users("ha", "HA", {"jw": "党风政风监督室主任", "sh": "干部一处处长"}),
    UserSpec("admin", "HA", None, [(Role.ADMIN, "HA", True)], "超级用户，可进入 /admin/", is_superuser=True),
]

# --- posts per unit ------------------------------------------------------------------------

STAFF_GRADES = [(32, "一级科员"), (40, "四级主任科员"), (46, "三级主任科员"), (52, "二级主任科员"), (99, "一级主任科员")]


def staffing(unit, rng):
    """(post, rank level) of the unit's leaders, then the staff offices (STAFF0 is the first)."""
    u, a = unit.name, unit.area
    cw, area, t = a.get("cw"), a.get("a"), a.get("t")
    if unit.level == UnitLevel.PROVINCE:
        leaders = {
            "committee": [("河南省委办公厅副主任", BD), ("河南省委办公厅秘书处处长", CP)],
            "government": [("河南省人民政府副秘书长", BD), ("河南省人民政府办公厅秘书一处处长", CP)],
            "zzb": [("河南省委组织部副部长", BD), ("河南省委组织部干部一处处长", CP), ("河南省委组织部干部一处副处长", CD)],
            "jw": [("河南省纪委监委党风政风监督室主任", CP), ("河南省纪委监委党风政风监督室副主任", CD)],
            "hr": [("河南省人力资源和社会保障厅公务员管理处处长", CP), ("河南省人力资源和社会保障厅公务员管理处副处长", CD)],
        }[unit.role]
        office = {
            "committee": "河南省委办公厅秘书处",
            "government": "河南省人民政府办公厅秘书一处",
            "zzb": "河南省委组织部干部一处",
            "jw": "河南省纪委监委党风政风监督室",
            "hr": "河南省人力资源和社会保障厅公务员管理处",
        }[unit.role]
        return leaders, [office], 1
    if unit.level == UnitLevel.CITY:
        leaders = {
            "committee": [
                ("平顶山市委常委、秘书长", BD),
                ("平顶山市委副书记", BD),
                ("平顶山市委办公室副主任", CD),
                ("平顶山市委办公室综合科科长", TP),
            ],
            "government": [("平顶山市人民政府副市长", BD), ("平顶山市人民政府副秘书长", CD), ("平顶山市人民政府办公室秘书科科长", TP)],
            "zzb": [
                ("平顶山市委组织部常务副部长", CP),
                ("平顶山市委组织部副部长", CD),
                ("平顶山市委组织部干部一科科长", TP),
                ("平顶山市委组织部干部二科科长", TP),
                ("平顶山市委组织部干部一科副科长", TD),
            ],
            "jw": [
                ("平顶山市纪委副书记、监委副主任", CP),
                ("平顶山市纪委监委党风政风监督室主任", TP),
                ("平顶山市纪委监委案件审理室副主任", TD),
            ],
            "hr": [
                ("平顶山市人力资源和社会保障局党组书记、局长", CP),
                ("平顶山市人力资源和社会保障局副局长", CD),
                ("平顶山市人力资源和社会保障局公务员管理科科长", TP),
            ],
            "dept": [(f"{u}党组书记、{a.get('head')}", CP), (f"{u}{a.get('deputy')}", CD), (f"{u}人事科科长", TP)],
        }[unit.role]
        office = {
            "committee": "平顶山市委办公室综合科",
            "government": "平顶山市人民政府办公室秘书科",
            "zzb": "平顶山市委组织部干部一科",
            "jw": "平顶山市纪委监委党风政风监督室",
            "hr": "平顶山市人力资源和社会保障局公务员管理科",
            "dept": f"{u}人事科",
        }[unit.role]
        return leaders, [office, f"{u}办公室"], rng.randint(1, 2)
    if unit.level == UnitLevel.COUNTY:
        leaders = {
            "committee": [(f"{cw}书记", CP), (f"{cw}副书记", CD), (f"{cw}常委、办公室主任", CD), (f"{cw}办公室副主任", TP)],
            "government": [(f"{area}{t}长", CP), (f"{area}常务副{t}长", CD), (f"{area}副{t}长", CD), (f"{area}人民政府办公室主任", TP)],
            "zzb": [(f"{cw}常委、组织部部长", CD), (f"{cw}组织部常务副部长", TP), (f"{cw}组织部副部长", TD), (f"{cw}组织部干部股股长", N)],
            "jw": [
                (f"{cw}常委、{area}纪委书记、监委主任", CD),
                (f"{area}纪委副书记、监委副主任", TP),
                (f"{area}纪委监委党风政风监督室主任", TD),
            ],
            "hr": [(f"{u}局长", TP), (f"{u}副局长", TD)],
            "dept": [(f"{u}党组书记、{a.get('head')}", TP), (f"{u}{a.get('deputy')}", TD)],
        }[unit.role]
        office = {
            "committee": f"{cw}办公室",
            "government": f"{area}人民政府办公室",
            "zzb": f"{cw}组织部干部股",
            "jw": f"{area}纪委监委案件审理室",
            "hr": f"{u}办公室",
            "dept": f"{u}办公室",
        }[unit.role]
        return leaders, [office], 0 if unit.role in ("committee", "government") else 1
    # township
    tname = a["tname"]
    if tname.endswith("街道"):
        leaders = [
            (f"{u}党工委书记", TP),
            (f"{u}党工委副书记、办事处主任", TP),
            (f"{u}党工委副书记", TD),
            (f"{u}党工委委员、纪工委书记", TD),
            (f"{u}办事处副主任", TD),
        ]
    else:
        head = "镇长" if tname.endswith("镇") else "乡长"
        leaders = [
            (f"{u}党委书记", TP),
            (f"{u}党委副书记、{head}", TP),
            (f"{u}党委副书记", TD),
            (f"{u}党委委员、纪委书记", TD),
            (f"{u}副{head}", TD),
        ]
    offices = [f"{u}党政办公室", f"{u}经济发展办公室", f"{u}社会事务办公室", f"{u}平安建设办公室"]
    return leaders, offices, rng.randint(1, 3)


# --- people --------------------------------------------------------------------------------

SURNAMES = (
    "王王王王李李李李张张张张刘刘刘陈陈杨杨赵赵郭郭孙马马朱胡高宋牛周徐许韩吴何郑冯田任范梁于侯杜丁贾袁程"
    "崔魏翟郝娄常段苏乔史尚邢姬潘彭闫黄曹"
)
MALE_CHARS = "伟强军磊涛斌勇杰鹏超浩辉刚明亮峰建国华志文俊宇航博凯帅振东晓永卫新海林松金春阳飞龙朝立光德中书庆利平长广耀"
FEMALE_CHARS = "丽娜敏静霞燕芳艳娟红玲萍婷雪慧琳颖倩洁梅兰丹璐晶佳欣悦瑶琪莉晓秀英凤玉爱桂华春新亚楠蕾"
RARE_NAMES = [("王䶮", "HA-PDS-LS-YS"), ("李堃", "HA-PDS-YJJ"), ("张喆", "HA-PDS-BF-CG"), ("刘赟", "HA-PDS-WG-YK")]

NATIVE_PLACES = [
    ("河南鲁山", "410423"),
    ("河南宝丰", "410421"),
    ("河南叶县", "410422"),
    ("河南郏县", "410425"),
    ("河南舞钢", "410481"),
    ("河南汝州", "410482"),
    ("河南平顶山", "410402"),
    ("河南襄城", "411025"),
    ("河南方城", "411322"),
    ("河南南阳", "411302"),
    ("河南许昌", "411002"),
    ("河南洛阳", "410302"),
    ("河南郑州", "410102"),
    ("河南开封", "410202"),
    ("河南商丘", "411402"),
    ("河南周口", "411602"),
    ("河南驻马店", "411702"),
    ("河南信阳", "411502"),
    ("河南新乡", "410702"),
    ("河南漯河", "411102"),
    ("河南禹州", "411081"),
    ("河南汝阳", "410326"),
]
NATIVE_BY_REGION = {code: place for place, code in NATIVE_PLACES}
SCHOOLS = [
    "郑州大学",
    "河南大学",
    "河南师范大学",
    "河南农业大学",
    "河南理工大学",
    "河南财经政法大学",
    "平顶山学院",
    "河南科技大学",
    "华北水利水电大学",
    "信阳师范大学",
    "许昌学院",
    "中原工学院",
    "河南工业大学",
    "郑州轻工业大学",
]
ELITE_SCHOOLS = ["武汉大学", "中国人民大学", "南开大学", "郑州大学", "河南大学", "中南财经政法大学", "西北农林科技大学"]
MAJORS = [
    ("汉语言文学", "文学"),
    ("法学", "法学"),
    ("行政管理", "管理学"),
    ("经济学", "经济学"),
    ("会计学", "管理学"),
    ("计算机科学与技术", "工学"),
    ("农学", "农学"),
    ("思想政治教育", "法学"),
    ("土木工程", "工学"),
    ("历史学", "历史学"),
    ("财务管理", "管理学"),
    ("新闻学", "文学"),
    ("英语", "文学"),
    ("数学与应用数学", "理学"),
    ("水利水电工程", "工学"),
    ("公共事业管理", "管理学"),
    ("社会工作", "法学"),
]
TITLES = ["经济师", "会计师", "农艺师", "工程师", "高级经济师"]
AGE_RANGE = {N: (28, 57), TD: (30, 50), TP: (34, 54), CD: (39, 56), CP: (43, 57), BD: (48, 58)}
MIN_YEARS_TO_RANK = {N: 1, TD: 5, TP: 8, CD: 12, CP: 15, BD: 20}
RANK_BELOW = {TD: N, TP: TD, CD: TP, CP: CD, BD: CP}


def shift(day, years):
    """The same day ``years`` later (earlier when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def years_before(day, years):
    return shift(day, -years)


def ym(day):
    return f"{day.year}.{day.month:02d}"


@dataclass
class Person:
    unit: UnitSpec
    post: str
    rank: str
    slot: str  # LEADER<i> / STAFF<i>
    sex: str = Sex.MALE
    birth: datetime.date = None
    name: str = ""
    fields: dict = field(default_factory=dict)
    username: str | None = None
    reserved: str = ""  # why the person is special (not picked again)

    @property
    def age(self):
        b = self.birth
        return REFERENCE_DATE.year - b.year - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (b.month, b.day))

    @property
    def key(self):
        return self.fields["id_number"]


class Builder:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.used_names = {name for name, _ in RARE_NAMES}
        self.used_ids = set()
        self.units = build_units()
        self.unit_by_code = {u.code: u for u in self.units}
        self.people = []

    # --- helpers ---
    def date_between(self, start, end):
        return start + datetime.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def given_name(self, sex):
        chars = MALE_CHARS if sex == Sex.MALE else FEMALE_CHARS
        if self.rng.random() < 0.35:
            return self.rng.choice(chars)
        return "".join(self.rng.sample(chars, 2))

    def new_name(self, sex, surname=None):
        while True:
            name = (surname or self.rng.choice(SURNAMES)) + self.given_name(sex)
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def birth_for_age(self, age):
        latest = years_before(REFERENCE_DATE, age)
        return self.date_between(years_before(REFERENCE_DATE, age + 1) + datetime.timedelta(days=1), latest)

    def id_number(self, region, birth, sex):
        while True:
            seq = self.rng.randint(10, 99) * 10 + int(self.rng.choice("13579" if sex == Sex.MALE else "02468"))
            body = f"{region}{birth:%Y%m%d}{seq:03d}"
            weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
            number = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def pick(self, candidates, count, reason):
        chosen = self.rng.sample([p for p in candidates if not p.reserved], count)
        for p in chosen:
            p.reserved = reason
        return chosen

    def find(self, code, post):
        unit = self.unit_by_code[code]
        for p in self.people:
            if p.unit is unit and (p.slot == post or post in p.post):
                return p
        raise LookupError(f"{code}: no post {post}")

    # --- 1. posts, sexes, ages ---
    def create_people(self):
        for unit in self.units:
            leaders, offices, n_staff = staffing(unit, self.rng)
            for i, (post, rank) in enumerate(leaders):
                self.people.append(Person(unit, post, rank, f"LEADER{i}"))
            for i in range(n_staff):
                self.people.append(Person(unit, offices[min(i, len(offices) - 1)], N, f"STAFF{i}"))
        for p in self.people:
            p.sex = Sex.MALE if self.rng.random() < (0.78 if p.rank != N else 0.55) else Sex.FEMALE
            low, high = AGE_RANGE[p.rank]
            if p.sex == Sex.FEMALE:
                high = min(high, 55 if p.rank == N else 57)
            p.birth = self.birth_for_age(self.rng.randint(low, high))

    # --- 2. who is special ---
    def assign_roles(self):
        for spec in USERS:
            if spec.post is None:
                continue
            p = self.find(spec.office, spec.post)
            p.username, p.reserved = spec.username, "user"
        for name, code in RARE_NAMES:
            p = next(p for p in reversed(self.people) if p.unit.code == code and not p.reserved)
            p.name, p.sex, p.reserved = name, Sex.MALE, "rare"
        self.approver = self.find("HA-PDS-LS", "LEADER0")
        self.relative = self.find("HA-PDS-LS-ZGY", "副镇长")
        self.relative.reserved, self.relative.sex = "relative", Sex.MALE
        self.secondee = self.find("HA-PDS-BF-ZZ", "副镇长")
        self.secondee.reserved = "secondee"

        towns_and_city = [p for p in self.people if p.unit.level in (UnitLevel.TOWNSHIP, UnitLevel.CITY)]
        stars = self.pick(towns_and_city, 5, "star")
        self.stars = stars + [self.find("HA-PDS-LS-QT", "STAFF0"), next(p for p in self.people if p.name == "王䶮")]
        leaders = [p for p in self.people if p.rank in (TD, TP, CD) and p.unit.level != UnitLevel.PROVINCE]
        self.probationers = self.pick(leaders, 7, "probation")
        self.past_promoted = self.pick([p for p in leaders if p.rank == TP], 1, "exceptional") + self.pick(leaders, 3, "promoted")
        regular = [p for p in self.people if p.unit.level != UnitLevel.PROVINCE]
        self.sanctioned = self.pick(regular, len(SANCTIONS), "sanction")
        # Investigated by the county/city discipline body: a cadre that body supervises.
        self.investigated = self.pick([p for p in regular if p.rank in (N, TD, TP)], 1, "investigated")[0]
        self.cleared = self.pick([p for p in self.people if p.unit.level == UnitLevel.CITY], 1, "cleared")[0]
        young_staff = [p for p in self.people if p.rank == N and p.unit.level in (UnitLevel.TOWNSHIP, UnitLevel.COUNTY)]
        self.recruits = self.pick(young_staff, 6, "recruit")

        # Ages that the roles need.
        for p in self.recruits:
            p.birth = self.birth_for_age(self.rng.randint(25, 26))
        self.relative.birth = self.date_between(shift(self.approver.birth, 5), shift(self.approver.birth, 9))
        for p in self.people:
            if not p.name:
                p.name = self.new_name(p.sex)
        self.relative.name = self.new_name(Sex.MALE, surname=self.approver.name[0])

    # --- 3. the record fields ---
    def fill_fields(self):
        rng = self.rng
        for p in self.people:
            region = p.unit.area.get("region")
            if region and rng.random() < 0.7:
                native = NATIVE_BY_REGION[region]
            else:
                native, region = rng.choice(NATIVE_PLACES)
            born_in = native if rng.random() < 0.9 else rng.choice(NATIVE_PLACES)[0]
            recruit = p.reserved == "recruit"
            # Education and the first job.
            if recruit:
                edu = "master" if p.birth.year + 25 <= 2025 and rng.random() < 0.5 else "bachelor"
            elif p.birth.year < 1975:
                edu = rng.choice(["college", "bachelor", "bachelor"])
            else:
                edu = rng.choice(["bachelor"] * 5 + ["master"] * (3 if p.unit.level != UnitLevel.TOWNSHIP else 1))
            grad_age = {"college": 21, "bachelor": 22, "master": 25}[edu]
            if not recruit and p.birth.year + grad_age > 2020:
                edu, grad_age = "bachelor", 22
            grad = datetime.date(p.birth.year + grad_age, 7, 1)
            if recruit:
                work_start = datetime.date(2025, rng.choice([8, 9, 10]), rng.randint(1, 28))
            else:
                work_start = self.date_between(grad, min(shift(grad, 1).replace(month=12), datetime.date(2021, 9, 30)))
            major, degree = rng.choice(MAJORS)
            school = rng.choice(ELITE_SCHOOLS if edu == "master" else SCHOOLS)
            ft_edu = {"college": "大专", "bachelor": f"大学本科 {degree}学士", "master": f"硕士研究生 {degree}硕士"}[edu]
            in_service, in_school = "", ""
            if edu == "college":
                in_service, in_school = rng.choice(
                    [("中央党校大学", "中央党校函授学院经济管理专业"), ("省委党校研究生", "河南省委党校经济管理专业")]
                )
            elif edu == "bachelor" and p.rank in (CP, CD, BD) and rng.random() < 0.5:
                in_service, in_school = "在职研究生 公共管理硕士", f"{rng.choice(['郑州大学', '河南大学'])}公共管理专业"
            # Politics.
            status = "中共党员"
            if p.rank == N:
                roll = rng.random()
                if recruit:
                    status = rng.choice(["中共党员", "中共预备党员", "共青团员", "共青团员"])
                elif roll < 0.06:
                    status = "群众"
                elif roll < 0.09:
                    status = rng.choice(["中国民主同盟盟员", "九三学社社员", "无党派人士"])
            party_join = None
            if status == "中共预备党员":
                party_join = self.date_between(datetime.date(2025, 11, 1), datetime.date(2026, 7, 1))
            elif status == "中共党员":
                earliest = shift(p.birth, 19)
                latest = min(shift(work_start, 6), datetime.date(2025, 7, 1))
                party_join = self.date_between(earliest, max(earliest, latest))
            # Rank since.
            if recruit:
                since = work_start
            else:
                earliest = max(work_start, years_before(REFERENCE_DATE, 9))
                if p.rank != N:
                    earliest = max(earliest, shift(work_start, MIN_YEARS_TO_RANK[p.rank]))
                since = self.date_between(min(earliest, datetime.date(2025, 9, 1)), datetime.date(2025, 10, 31))
            if p.rank == N and not p.post.endswith("股长"):
                p.post += next(title for limit, title in STAFF_GRADES if p.age < limit) if not recruit else "一级科员"
            p.fields = {
                "name": p.name,
                "sex": p.sex,
                "birth_date": p.birth,
                "id_number": self.id_number(region, p.birth, p.sex),
                "ethnicity": "汉族" if rng.random() < 0.96 else rng.choice(["回族", "回族", "满族", "蒙古族"]),
                "native_place": native,
                "birth_place": born_in,
                "political_status": status,
                "party_join_date": party_join,
                "work_start_date": work_start,
                "health": "健康",
                "full_time_education": ft_edu,
                "full_time_school": f"{school}{major}专业",
                "in_service_education": in_service,
                "in_service_school": in_school,
                "professional_title": rng.choice(TITLES) if p.rank == N and rng.random() < 0.08 else "",
                "current_post": p.post,
                "rank_level": p.rank,
                "current_rank_since": since,
                "probation_end": None,
                "_grad": grad,
                "_school": f"{school}{major}专业",
                "_edu": edu,
            }

    def promotions(self):
        rows = []
        windows = [(datetime.date(2026, 1, 5), datetime.date(2026, 10, 20))] * len(self.probationers)
        for p, window in zip(self.probationers, windows):
            rows.append(self._promote(p, self.date_between(*window), exceptional=False))
        exceptional, *others = self.past_promoted
        rows.append(self._promote(exceptional, datetime.date(2024, 6, 18), exceptional=True))
        for p in others:
            rows.append(self._promote(p, self.date_between(datetime.date(2022, 3, 1), datetime.date(2025, 6, 30)), False))
        return rows

    def _promote(self, p, day, exceptional):
        day = max(day, shift(p.fields["work_start_date"], MIN_YEARS_TO_RANK[p.rank] - (3 if exceptional else 0)))
        probation_end = add_months(day, 12)
        p.fields["current_rank_since"] = day
        p.fields["probation_end"] = probation_end
        return {
            "cadre": p.key,
            "promoted_on": day,
            "from_level": RANK_BELOW[p.rank],
            "to_level": p.rank,
            "post": p.post,
            "exceptional": exceptional,
            "probation_end": probation_end,
        }

    def resume(self, p):
        f = p.fields
        grad, ws, since = f["_grad"], f["work_start_date"], f["current_rank_since"]
        years = {"college": 3, "bachelor": 4, "master": 7}[f["_edu"]]
        lines = [f"{ym(shift(grad, -years).replace(month=9))}--{ym(grad)}　{f['_school']}学习"]
        if since > ws:
            below = RANK_BELOW.get(p.rank, N)
            previous = f"{p.unit.name}{'科员' if below == N else '工作（' + below.label + '）'}"
            lines.append(f"{ym(ws)}--{ym(since)}　{previous}")
        lines.append(f"{ym(since)}--　　　　{p.post}")
        return "\n".join(lines)

    # --- 4. events ---
    def events(self):
        sanctions, investigations, forced, forbidden = [], [], {}, {}

        def jw(p):  # the discipline body of the cadre's area
            return self.unit_by_code[f"{authority_code(p.unit)}-JW"]

        for p, (kind, day, excuse, excuse_decision, description, grade_that_year) in zip(self.sanctioned, SANCTIONS):
            row = {
                "cadre": p.key,
                "kind": kind,
                "decision_date": day,
                "excuse": excuse,
                "excuse_decision": excuse_decision.format(jw=jw(p).short_name),
                "description": description,
            }
            sanctions.append(row)
            if day.year in ASSESSMENT_YEARS:
                forbidden.setdefault(p.key, set()).add(day.year)
                if grade_that_year:
                    forced[(p.key, day.year)] = grade_that_year
            elif grade_that_year:  # a 2026 decision on a cadre graded 优秀 in 2025: a candidate with a disqualifier
                forced[(p.key, 2025)] = grade_that_year
        inv = self.investigated
        investigations.append({"cadre": inv.key, "opened_on": datetime.date(2026, 9, 22), "closed_on": None, "authority": jw(inv).name})
        forced[(inv.key, 2025)] = AssessmentGrade.EXCELLENT
        demerit_2022 = self.sanctioned[SANCTION_WITH_CLOSED_CASE]
        investigations.append(
            {
                "cadre": demerit_2022.key,
                "opened_on": datetime.date(2022, 1, 10),
                "closed_on": datetime.date(2022, 6, 10),
                "authority": jw(demerit_2022).name,
            }
        )
        investigations.append(
            {
                "cadre": self.cleared.key,
                "opened_on": datetime.date(2024, 5, 6),
                "closed_on": datetime.date(2024, 8, 30),
                "authority": "平顶山市纪委监委",
            }
        )
        for p in self.stars:
            for year in (2023, 2024, 2025):
                forced[(p.key, year)] = AssessmentGrade.EXCELLENT
        for p in (self.relative, self.secondee, next(p for p in self.people if p.name == "刘赟")):
            forced[(p.key, 2025)] = AssessmentGrade.EXCELLENT
        # Promoted cadres were graded 优秀 the year before (seed 004 art. 8(一): generally once).
        for p in self.probationers + self.past_promoted:
            year = p.fields["current_rank_since"].year - 1
            forced[(p.key, year)] = AssessmentGrade.EXCELLENT
            if p.reserved == "exceptional":
                forced[(p.key, year - 1)] = AssessmentGrade.EXCELLENT
        revoked = self.sanctioned[SANCTION_WITH_REVOKED_AWARD]
        forced[(revoked.key, 2024)] = AssessmentGrade.EXCELLENT
        return sanctions, investigations, forced, forbidden

    def assessments(self, forced, forbidden):
        rows = []
        by_unit = {}
        for p in self.people:
            by_unit.setdefault(p.unit.code, []).append(p)
        for year in ASSESSMENT_YEARS:
            for members in by_unit.values():
                graded = []
                for p in members:
                    start = p.fields["work_start_date"].year
                    if start > year:
                        continue
                    if start == year:
                        rows.append({"cadre": p.key, "year": year, "grade": AssessmentGrade.NOT_GRADED})
                    else:
                        graded.append(p)
                fixed = {p.key: forced[(p.key, year)] for p in graded if (p.key, year) in forced}
                excellent = [k for k, g in fixed.items() if g == AssessmentGrade.EXCELLENT]
                share = len(graded) * 0.18
                quota = max(int(share) + (self.rng.random() < share - int(share)), len(excellent))
                open_ = [p for p in graded if p.key not in fixed and year not in forbidden.get(p.key, ())]
                extra = self.rng.sample(open_, min(len(open_), quota - len(excellent)))
                chosen = set(excellent) | {p.key for p in extra}
                for p in graded:
                    if p.key in fixed:
                        grade = fixed[p.key]
                    elif p.key in chosen:
                        grade = AssessmentGrade.EXCELLENT
                    elif p.reserved in ("", "sanction") and self.rng.random() < 0.025:
                        grade = AssessmentGrade.BASIC
                    else:
                        grade = AssessmentGrade.COMPETENT
                    rows.append({"cadre": p.key, "year": year, "grade": grade})
        return rows

    def awards(self, assessments):
        rows = []
        excellent_2024 = {r["cadre"] for r in assessments if r["year"] == 2024 and r["grade"] == AssessmentGrade.EXCELLENT}
        by_key = {p.key: p for p in self.people}
        numbers = {}
        revoked = self.sanctioned[SANCTION_WITH_REVOKED_AWARD]
        pool = [p for p in self.people if p.key in excellent_2024 and p not in self.stars and p is not revoked]
        recipients = self.stars + [revoked] + self.rng.sample(pool, 6)
        for p in recipients:
            authority = authority_code(p.unit)
            if authority not in numbers:
                numbers[authority] = self.rng.randint(5, 30)
            zzb = self.unit_by_code[f"{authority}-ZZB"]
            rows.append(
                {
                    "cadre": p.key,
                    "kind": AwardKind.COMMENDATION,
                    "awarded_on": datetime.date(2025, 3, 10 + numbers[authority] % 18),
                    "decision_number": f"{zzb.short_name}〔2025〕{numbers[authority]}号",
                    "approving_unit": authority,
                    "deed_reference": "2024年度考核优秀",
                    "bonus": 1500,
                    "revoked": p is revoked,
                    "revoked_on": datetime.date(2025, 10, 20) if p is revoked else None,
                }
            )
        taken = {p.key for p in recipients}
        flood = [
            p
            for p in self.people
            if p.unit.code.startswith(("HA-PDS-LS-", "HA-PDS-YX-"))
            and p.unit.level == UnitLevel.TOWNSHIP
            and p.key not in taken
            and p.reserved not in ("sanction", "recruit")
        ]
        for p in self.rng.sample(flood, 3):
            rows.append(
                {
                    "cadre": p.key,
                    "kind": AwardKind.MERIT_3,
                    "awarded_on": datetime.date(2021, 9, 28),
                    "decision_number": "平组〔2021〕46号",
                    "approving_unit": "HA-PDS",
                    "deed_reference": "2021年防汛救灾",
                    "bonus": 3000,
                    "revoked": False,
                    "revoked_on": None,
                }
            )
            taken.add(p.key)
        city = [p for p in self.people if p.unit.level == UnitLevel.CITY and p.key not in taken and p.reserved != "sanction"]
        for p in self.rng.sample(city, 2):
            rows.append(
                {
                    "cadre": p.key,
                    "kind": AwardKind.MERIT_3,
                    "awarded_on": datetime.date(2024, 4, 12),
                    "decision_number": "平组〔2024〕15号",
                    "approving_unit": "HA-PDS",
                    "deed_reference": "2023年度重点项目建设攻坚",
                    "bonus": 3000,
                    "revoked": False,
                    "revoked_on": None,
                }
            )
        secretary = self.find("HA-PDS-LS-YS", "LEADER0")
        rows.append(
            {
                "cadre": secretary.key,
                "kind": AwardKind.MERIT_2,
                "awarded_on": datetime.date(2022, 12, 20),
                "decision_number": "豫组〔2022〕37号",
                "approving_unit": "HA",
                "deed_reference": "巩固拓展脱贫攻坚成果",
                "bonus": 6000,
                "revoked": False,
                "revoked_on": None,
            }
        )
        assert all(r["cadre"] in by_key for r in rows)
        return rows

    def family(self):
        rng, rows = self.rng, []
        jobs = [
            "{a}第一人民医院护士",
            "{a}第一高级中学教师",
            "{a}实验小学教师",
            "个体经营",
            "{a}农村商业银行职员",
            "平顶山市第二人民医院医生",
            "平顶山天安煤业股份有限公司职员",
            "{a}供电公司职员",
            "{a}自然资源局科员",
            "中国平煤神马集团职员",
            "{a}税务局科员",
            "无业",
        ]
        for p in self.people:
            area = p.unit.area.get("a") or ("平顶山市" if p.unit.level == UnitLevel.CITY else "郑州市")
            spouse_surname = None
            married = p.age >= 27 and rng.random() < (0.95 if p.age >= 30 else 0.6)
            if p.reserved == "relative" or p is self.approver:
                married = True
            if married:
                spouse_sex = Sex.FEMALE if p.sex == Sex.MALE else Sex.MALE
                spouse_surname = rng.choice(SURNAMES)
                spouse_birth = self.date_between(years_before(p.birth, 3), shift(p.birth, 2))
                spouse_age = REFERENCE_DATE.year - spouse_birth.year
                rows.append(
                    {
                        "cadre": p.key,
                        "relation": "妻子" if p.sex == Sex.MALE else "丈夫",
                        "name": spouse_surname + self.given_name(spouse_sex),
                        "birth_date": spouse_birth,
                        "political_status": rng.choice(["中共党员", "群众", "群众"]),
                        "work_unit_and_post": "退休" if spouse_age >= 58 else rng.choice(jobs).format(a=area),
                        "relative": None,
                    }
                )
                if p.age >= 29:
                    child_names, child_birth = set(), None
                    for _ in range(1 if p.age < 35 or rng.random() < 0.5 else 2):
                        earliest = shift(p.birth, 25) if child_birth is None else shift(child_birth, 2)
                        child_birth = self.date_between(earliest, max(earliest, min(shift(earliest, 6), years_before(REFERENCE_DATE, 1))))
                        child_sex = rng.choice([Sex.MALE, Sex.FEMALE])
                        child_age = REFERENCE_DATE.year - child_birth.year
                        if child_age < 6:
                            work = "学龄前"
                        elif child_age < 18:
                            work = f"{area}{'实验小学' if child_age < 12 else '第一高级中学'}学生"
                        elif child_age < 23:
                            work = f"{rng.choice(SCHOOLS)}学生"
                        else:
                            work = rng.choice(jobs[:10]).format(a=area)
                        surname = p.name[0] if p.sex == Sex.MALE else spouse_surname
                        child_name = surname + self.given_name(child_sex)
                        while child_name in child_names:
                            child_name = surname + self.given_name(child_sex)
                        child_names.add(child_name)
                        rows.append(
                            {
                                "cadre": p.key,
                                "relation": "儿子" if child_sex == Sex.MALE else "女儿",
                                "name": child_name,
                                "birth_date": child_birth,
                                "political_status": "共青团员" if 14 <= child_age <= 28 and rng.random() < 0.6 else "群众",
                                "work_unit_and_post": work,
                                "relative": None,
                            }
                        )
            if rng.random() < 0.5:
                father_birth = self.date_between(shift(p.birth, -32), shift(p.birth, -24))
                father_age = REFERENCE_DATE.year - father_birth.year
                rows.append(
                    {
                        "cadre": p.key,
                        "relation": "父亲",
                        "name": p.name[0] + self.given_name(Sex.MALE),
                        "birth_date": father_birth,
                        "political_status": rng.choice(["中共党员", "群众"]),
                        "work_unit_and_post": "已故" if father_age > 84 else rng.choice(["退休", "务农"]),
                        "relative": None,
                    }
                )
        # The approver of 鲁山县 and his younger brother in 张官营镇 list each other.
        a, r = self.approver, self.relative
        rows.append(
            {
                "cadre": a.key,
                "relation": "弟弟",
                "name": r.name,
                "birth_date": r.birth,
                "political_status": "中共党员",
                "work_unit_and_post": r.post,
                "relative": r.key,
            }
        )
        rows.append(
            {
                "cadre": r.key,
                "relation": "哥哥",
                "name": a.name,
                "birth_date": a.birth,
                "political_status": "中共党员",
                "work_unit_and_post": a.post,
                "relative": a.key,
            }
        )
        return rows

    def build(self):
        self.create_people()
        self.assign_roles()
        self.fill_fields()
        promotions = self.promotions()
        sanctions, investigations, forced, forbidden = self.events()
        assessments = self.assessments(forced, forbidden)
        awards = self.awards(assessments)
        family = self.family()
        secondments = [
            {
                "cadre": self.secondee.key,
                "host_unit": "HA-PDS-FGW",
                "position": "挂职任平顶山市发展和改革委员会固定资产投资科副科长",
                "start": datetime.date(2025, 12, 1),
                "planned_end": datetime.date(2026, 11, 30),
                "ended_on": None,
                "assessment_grade": "",
            }
        ]
        post_history, health_checks, trainings = self.supervision_records()
        cadres = []
        for p in self.people:
            p.fields["resume"] = self.resume(p)
            row = {k: v for k, v in p.fields.items() if not k.startswith("_")}
            row["unit"], row["user"] = p.unit.code, p.username
            cadres.append(row)
        return DemoData(
            units=self.units,
            users=USERS,
            cadres=cadres,
            family=family,
            assessments=assessments,
            sanctions=sanctions,
            investigations=investigations,
            awards=awards,
            promotions=promotions,
            secondments=secondments,
            post_history=post_history,
            health_checks=health_checks,
            trainings=trainings,
            post_quotas=POST_QUOTAS,
        )

    def supervision_records(self):
        """What the alerts dashboard reads (DOMAIN.md §10): each cadre's posts (the current one
        since reaching their rank, before it one post in the same unit since they started work —
        so long-serving township cadres reach 20 township years), the time in current post,
        front-line posts with their health checks in 张官营镇, every other cadre's yearly check,
        and professional courses for some county leaders."""
        rng = random.Random(16)
        checkups = random.Random(19)  # its own sequence: the draws above stay as they were
        grassroots = random.Random(86)  # rule #86: which county team members were township principals
        posts, checks, courses = [], [], []
        for p in self.people:
            since, start = p.fields["current_rank_since"], p.fields["work_start_date"]
            p.fields["post_since"] = since
            p.fields["hardship_post"] = False
            township = self.township_principal_post(p, since, start, grassroots)
            if township is not None:
                posts.append(township)
            elif since > start:
                posts.append(
                    {"cadre": p.key, "post_unit": p.unit.code, "post": "科员", "start": start, "end": since - datetime.timedelta(days=1)}
                )
            posts.append({"cadre": p.key, "post_unit": p.unit.code, "post": p.post, "start": since, "end": None})
            if p.unit.code == "HA-PDS-LS-ZGY":
                p.fields["hardship_post"] = True  # 张官营镇: flood-control front line
                months_ago = 14 if rng.random() < 0.5 else 3  # half of them overdue for their yearly check
                checks.append(
                    {
                        "cadre": p.key,
                        "date": add_months(REFERENCE_DATE, -months_ago),
                        "standard": "higher",
                        "result": "normal",
                        "institution": "鲁山县人民医院",
                    }
                )
            else:
                checks.append(self.yearly_check(p, checkups))
            if p.unit.level == UnitLevel.COUNTY and p.rank in (RankLevel.COUNTY_DEPUTY, RankLevel.COUNTY_PRINCIPAL) and rng.random() < 0.5:
                courses.append(
                    {
                        "cadre": p.key,
                        "course": "县处级领导干部应急管理专题培训班",
                        "organiser": "中共平顶山市委党校",
                        "start": datetime.date(REFERENCE_DATE.year, 5, 11),
                        "end": datetime.date(REFERENCE_DATE.year, 5, 15),
                        "hours": 40,
                        "professional": True,
                    }
                )
        return posts, checks, courses

    def township_principal_post(self, p, since, start, rng):
        """For about half of the county party and government team members (县处级), the township
        principal post they held before the current one, so the grassroots share (seed 004 art.
        8(四), ~50%) has something to count; None for everyone else."""
        county_team = p.unit.level == UnitLevel.COUNTY and p.unit.role in ("committee", "government")
        if not county_team or p.rank not in (RankLevel.COUNTY_DEPUTY, RankLevel.COUNTY_PRINCIPAL) or since <= start:
            return None
        if rng.random() >= 0.5:
            return None
        area = p.unit.parent_code if p.unit.role == "government" else p.unit.code
        townships = [u for u in self.units if u.role == "township" and u.parent_code == area]
        if not townships:
            return None
        township = rng.choice(townships)
        title = "党工委书记" if township.name.endswith("街道") else "党委书记"
        end = since - datetime.timedelta(days=1)
        return {"cadre": p.key, "post_unit": township.code, "post": f"{township.name}{title}", "start": start, "end": end}

    @staticmethod
    def yearly_check(p, rng):
        """Every other cadre's yearly check (DOMAIN.md §10 "Health checks", seed 000 #19), in the
        spring round of the reference year; 鲁山县农业农村局 missed this year's round, so the
        dashboard shows its three cadres, not hundreds."""
        year = REFERENCE_DATE.year - (1 if p.unit.code == "HA-PDS-LS-NYJ" else 0)
        return {
            "cadre": p.key,
            "date": datetime.date(year, 4, 1) + datetime.timedelta(days=rng.randrange(60)),
            "standard": "ordinary",
            "result": "normal",
            "institution": "平顶山市第一人民医院",
        }


# Leadership post quotas (职数, DOMAIN.md §10) of 琴台街道: its deputies' posts are all held (the
# quotas page shows 已无空缺 and a proposal to that level is refused at 动议); its principals' leave
# room for the demo's promotions.
POST_QUOTAS = [
    {
        "unit": "HA-PDS-LS-QT",
        "level": RankLevel.TOWNSHIP_DEPUTY,
        "posts": 3,
        "valid_from": datetime.date(2025, 1, 1),
        "basis": "鲁编〔2025〕8号",
    },
    {
        "unit": "HA-PDS-LS-QT",
        "level": RankLevel.TOWNSHIP_PRINCIPAL,
        "posts": 4,
        "valid_from": datetime.date(2025, 1, 1),
        "basis": "鲁编〔2025〕8号",
    },
]


# (kind, decision date, excuse, excuse decision, description, grade forced in the decision year
#  — or, for a 2026 decision, the 2025 grade). Effect ends follow DOMAIN.md §3.
SANCTIONS = [
    (SanctionKind.WARNING, datetime.date(2026, 8, 10), FaultToleranceExcuse.NONE, "", "违反工作纪律，擅离职守造成不良影响", None),
    (SanctionKind.DEMERIT, datetime.date(2026, 3, 16), FaultToleranceExcuse.NONE, "", "违规发放津贴补贴", AssessmentGrade.EXCELLENT),
    (
        SanctionKind.ADMONISHMENT,
        datetime.date(2026, 7, 2),
        FaultToleranceExcuse.NONE,
        "",
        "落实安全生产监管责任不力",
        AssessmentGrade.EXCELLENT,
    ),
    (
        SanctionKind.MAJOR_DEMERIT,
        datetime.date(2025, 9, 1),
        FaultToleranceExcuse.NONE,
        "",
        "违规插手工程项目招投标",
        AssessmentGrade.COMPETENT,
    ),
    (SanctionKind.DEMOTION, datetime.date(2025, 4, 18), FaultToleranceExcuse.NONE, "", "违规收受礼金", AssessmentGrade.BASIC),
    (SanctionKind.ORG_ADJUSTMENT, datetime.date(2026, 1, 12), FaultToleranceExcuse.NONE, "", "履职不力，重点工作推进滞后", None),
    (SanctionKind.WARNING, datetime.date(2024, 3, 20), FaultToleranceExcuse.NONE, "", "公务接待超标准", None),
    (SanctionKind.DEMERIT, datetime.date(2022, 6, 15), FaultToleranceExcuse.NONE, "", "虚报冒领惠农补贴资金", AssessmentGrade.INCOMPETENT),
    (SanctionKind.ADMONISHMENT, datetime.date(2025, 2, 24), FaultToleranceExcuse.NONE, "", "信访问题处置不及时", None),
    (SanctionKind.ADMONISHMENT, datetime.date(2026, 4, 8), FaultToleranceExcuse.NONE, "", "防汛物资管理不规范", None),
    (SanctionKind.ORG_REMOVAL, datetime.date(2023, 5, 10), FaultToleranceExcuse.NONE, "", "发生较大安全生产责任事故负有领导责任", None),
    (
        SanctionKind.DEMERIT,
        datetime.date(2026, 5, 20),
        FaultToleranceExcuse.EXEMPT,
        "{jw}〔2026〕21号",
        "推进农村集体产权制度改革试点中出现程序性失误，经认定属于“三个区分开来”情形，免予追究",
        AssessmentGrade.EXCELLENT,
    ),
    (
        SanctionKind.WARNING,
        datetime.date(2026, 9, 1),
        FaultToleranceExcuse.REDUCED,
        "{jw}〔2026〕35号",
        "招商引资探索中决策程序不完备，减轻追究",
        None,
    ),
]
SANCTION_WITH_CLOSED_CASE = 7  # the 2022 记过 followed a closed investigation
SANCTION_WITH_REVOKED_AWARD = 3  # the 2025 记大过: his 2024 嘉奖 was revoked (公务员法 art. 56)


@dataclass
class DemoData:
    units: list
    users: list
    cadres: list
    family: list
    assessments: list
    sanctions: list
    investigations: list
    awards: list
    promotions: list
    secondments: list
    post_history: list = field(default_factory=list)
    health_checks: list = field(default_factory=list)
    trainings: list = field(default_factory=list)
    post_quotas: list = field(default_factory=list)


def build():
    return Builder().build()
