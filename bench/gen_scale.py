"""Data generator for the inbox benchmark: N merit-citation cases over a province-sized unit tree.

    python bench/gen_scale.py --cases 1000000 [--regenerate]

Creates (or reuses, when it already holds the same generation) the PostgreSQL database
``bench_scale_<N>`` on the bench cluster (MERITFLOW_BENCH_PG_URL), runs the migrations and
``deploy_processes`` through Django, then writes the rows directly with COPY:

* a province tree: 1 province, 18 cities, 9 counties per city (162 counties); each area has its
  party committee, government, organisation department, discipline body and HR bureau, plus work
  departments (40 provincial, 30 per city, 20 per county) and 15 townships per county —
  7,200 units with materialised paths;
* users and grants as in the demo data: a nominator and a unit leader per department/township/
  government/HR bureau; per area two reviewers, an approver, a discipline officer and a
  publicity officer holding their role on their office and on the area's party committee (no
  subordinates); review-side users have a cadre record (recusal is part of the inbox query);
* a quarter as many cadres as cases, spread over the nominating units;
* N cases of ``merit_citation`` over 2022–2026: 88 % completed (various outcomes), 1 %
  terminated, 9 % running with one open task somewhere between 填报 and 审批 (created in the
  last 60 days), 2 % waiting for a notice period's timer; each with its history (start, one
  event per step done, the timer; ~7 per case), the units it involved (CaseUnit), its open
  task (HumanTask) bound to the unit the diagram routes it to;
* ``state``: a representative ~3 KB JSON text (the benchmark's queries never read it);
* the supervision facts the alerts dashboard (``supervision.alerts``) and the statistics page
  (``stats.queries``) read, for every cadre: the time in the current post (``post_since``,
  exponential with a 5-year mean, capped by the career: 31 % at ≥ 5 years, 10 % at ≥ 10), sex and birth date (ages
  23–61, so some reach retirement within the year), a rank by unit level, hardship posts (15 % in
  townships, 3 % elsewhere), the post history (the current post and up to three earlier ones,
  township cadres mostly in the county's townships), yearly health checks and trainings
  2024–2026 (each ~85 % / ~55 % of years), annual grades 2021–2025 (15 % 优秀), sanctions (2 %,
  and 0.2 % ending within 30 days), promotions with open probations (half of the ranked cadres
  whose post began after 2022), secondments (1 %); an award for every 已奖励 case; post quotas
  (职数) for every unit; and per area a cadre supervisor (the reviewer role on the area's party
  committee with its subordinates, like the tests' supervisors) for the statistics page.

Secondary indexes are dropped during the load and re-created after it, then ANALYZE.
Prints the row counts, the time taken and the database size.
"""

import argparse
import bisect
import datetime
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

GENERATION = 3  # bump when the generated data changes (2: the supervision facts of issue 16; 3: CaseUnit.case_created_at)
REFERENCE = datetime.datetime(2026, 11, 21, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
START = datetime.datetime(2022, 1, 1, 9, 0, tzinfo=REFERENCE.tzinfo)
PASSWORD = "md5$bench$0123456789abcdef0123456789abcdef"  # unusable login: the benchmark never logs in

STEPS = [  # bpmn id, name, role, which unit: "unit" (nominating), "jw", "zzb", "committee"
    ("Task_nominate", "填报推荐材料", "nominator", "unit"),
    ("Task_unit_decision", "单位集体研究", "unit_leader", "unit"),
    ("Task_integrity", "廉政意见", "discipline", "jw"),
    ("Task_review", "审核", "reviewer", "zzb"),
    ("Task_publish", "发布公示", "publicity_officer", "zzb"),
    ("Task_approve", "审批", "approver", "committee"),
]
OPEN_STEP_WEIGHTS = [10, 15, 15, 20, 15, 25]
OUTCOMES = [  # (end event, label, steps done before it, weight)
    ("End_awarded", "已奖励", 6, 85),
    ("End_not_approved", "未予批准", 6, 5),
    ("End_review_rejected", "审核未通过", 4, 5),
    ("End_cancelled", "已撤销推荐", 1, 5),
]


def database_name(cases):
    return f"bench_scale_{cases}"


# --------------------------------------------------------------------------- the tree


class Tree:
    def __init__(self):
        self.units = []  # dicts with id, code, name, parent, level, kind, path, prefix
        self.areas = []  # dicts: level, committee, gov, zzb, jw, hr, depts, townships, parent_area
        self.nominating = []  # (unit, area) of units that nominate

    def add(self, code, name, parent, level, kind, prefix=""):
        unit = {
            "id": len(self.units) + 1,
            "code": code,
            "name": name,
            "parent": parent["id"] if parent else None,
            "level": level,
            "kind": kind,
            "prefix": prefix,
        }
        unit["path"] = (parent["path"] if parent else "/") + f"{unit['id']}/"
        self.units.append(unit)
        return unit

    def area(self, code, name, parent_committee, level, departments, townships):
        committee = self.add(code, f"中共{name}委", parent_committee, level, "party_committee", f"{code}发")
        area = {
            "level": level,
            "code": code,
            "committee": committee,
            "gov": self.add(f"{code}-GOV", f"{name}人民政府", committee, level, "government", f"{code}政"),
            "zzb": self.add(f"{code}-ZZB", f"中共{name}委组织部", committee, level, "organisation_dept", f"{code}组"),
            "jw": self.add(f"{code}-JW", f"{name}纪委监委", committee, level, "discipline", f"{code}纪"),
            "hr": self.add(f"{code}-RS", f"{name}人力资源和社会保障局", committee, level, "hr_bureau", f"{code}人社"),
        }
        area["depts"] = [
            self.add(f"{code}-D{i:02d}", f"{name}工作部门{i:02d}", committee, level, "department", f"{code}D{i}")
            for i in range(departments)
        ]
        area["townships"] = [
            self.add(f"{code}-T{i:02d}", f"{name}乡镇{i:02d}", committee, "township", "township") for i in range(townships)
        ]
        self.areas.append(area)
        # Townships and the area's own bodies and departments nominate; townships' cases go to the area.
        for unit in [area["gov"], area["hr"], *area["depts"], *area["townships"]]:
            self.nominating.append((unit, area))
        return area


def build_tree():
    tree = Tree()
    province = tree.area("HA", "河南省", None, "province", 40, 0)
    for c in range(18):
        city = tree.area(f"HA-C{c:02d}", f"第{c + 1:02d}市", province["committee"], "city", 30, 0)
        for k in range(9):
            tree.area(f"HA-C{c:02d}-K{k}", f"第{c + 1:02d}市第{k + 1}县", city["committee"], "county", 20, 15)
    return tree


# --------------------------------------------------------------------------- COPY helpers


def column_defaults(cursor, table):
    """Values for NOT NULL columns a generator row leaves out (Django sets no database defaults)."""
    cursor.execute(
        """SELECT column_name, data_type, is_nullable FROM information_schema.columns
                      WHERE table_name = %s ORDER BY ordinal_position""",
        [table],
    )
    defaults = {}
    for name, data_type, nullable in cursor.fetchall():
        if nullable == "YES":
            defaults[name] = None
        elif data_type in ("character varying", "text"):
            defaults[name] = ""
        elif data_type == "boolean":
            defaults[name] = False
        elif data_type in ("integer", "bigint", "smallint", "numeric"):
            defaults[name] = 0
        elif data_type == "jsonb":
            defaults[name] = "{}"
        elif data_type == "date":
            defaults[name] = datetime.date(2000, 1, 1)
        elif data_type.startswith("timestamp"):
            defaults[name] = REFERENCE
        else:
            defaults[name] = None
    return defaults


class Copier:
    """COPY rows into a table on a connection of its own (so that several tables load side by
    side), with foreign-key triggers off (the generator makes consistent rows by construction);
    columns not given take the table's defaults above. ``close`` commits."""

    def __init__(self, url, table, columns):
        import psycopg

        self.conn = psycopg.connect(url)
        cursor = self.conn.cursor()
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET session_replication_role = replica")
        self.cursor, self.table = cursor, table
        defaults = column_defaults(cursor, table)
        self.columns = list(columns)
        self.extra = [(name, value) for name, value in defaults.items() if name not in self.columns and name != "id"]
        if "id" in defaults and "id" not in self.columns:
            pass  # serial ids
        names = self.columns + [name for name, _ in self.extra]
        quoted = ", ".join(f'"{name}"' for name in names)
        self.copy_cm = cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN')
        self.copy = self.copy_cm.__enter__()
        self.extra_values = tuple(value for _, value in self.extra)
        self.count = 0

    def row(self, *values):
        self.copy.write_row(values + self.extra_values)
        self.count += 1

    def close(self):
        self.copy_cm.__exit__(None, None, None)
        self.conn.commit()
        self.conn.close()
        return self.count


TABLES = [
    "permissions_unit",
    "auth_user",
    "permissions_grant",
    "records_cadre",
    "workflows_processinstance",
    "workflows_humantask",
    "workflows_caseunit",
    "workflows_historyevent",
    "records_posthistory",
    "records_healthcheck",
    "records_training",
    "records_annualassessment",
    "records_sanction",
    "records_promotion",
    "records_secondment",
    "records_award",
    "quotas_postquota",
]


def secondary_indexes(cursor):
    cursor.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
                      WHERE i.tablename = ANY(%s) AND i.schemaname = 'public'
                        AND i.indexname NOT IN (SELECT conname FROM pg_constraint)""",
        [TABLES],
    )
    return cursor.fetchall()


# --------------------------------------------------------------------------- supervision facts

TODAY = REFERENCE.date()
YEAR = 365.25
# The cadres' rank levels by their unit's level (weights).
RANKS_BY_LEVEL = {
    "province": [("bureau_principal", 1), ("bureau_deputy", 3), ("county_principal", 6), ("county_deputy", 10), ("none", 80)],
    "city": [("bureau_principal", 1), ("bureau_deputy", 3), ("county_principal", 6), ("county_deputy", 10), ("none", 80)],
    "county": [("county_principal", 1), ("county_deputy", 4), ("township_principal", 8), ("township_deputy", 12), ("none", 75)],
    "township": [("township_principal", 5), ("township_deputy", 15), ("none", 80)],
}
RANK_BELOW = {
    "township_deputy": "none",
    "township_principal": "township_deputy",
    "county_deputy": "township_principal",
    "county_principal": "county_deputy",
    "bureau_deputy": "county_principal",
    "bureau_principal": "bureau_deputy",
}
# Post quotas (职数) of a unit by its level: (level, posts) for principals and deputies.
QUOTAS_BY_LEVEL = {
    "province": [("bureau_principal", 1), ("bureau_deputy", 4)],
    "city": [("county_principal", 1), ("county_deputy", 4)],
    "county": [("township_principal", 1), ("township_deputy", 3)],
    "township": [("township_principal", 2), ("township_deputy", 4)],
}
GRADES = [("excellent", 15), ("competent", 80), ("basic", 2.5), ("incompetent", 0.5), ("not_graded", 2)]
ASSESSMENT_YEARS = range(2021, 2026)  # graded after the year ends: 2026's grades are not in yet
CHECK_YEARS = TRAINING_YEARS = (2024, 2025, 2026)
SANCTIONS = [  # kind, months of effect (DOMAIN.md §3), weight
    ("warning", 6, 6),
    ("demerit", 12, 4),
    ("major_demerit", 18, 2),
    ("demotion", 24, 1),
    ("admonishment", 6, 10),
    ("org_adjustment", 12, 2),
]
AWARD_KINDS = [("commendation", 70), ("merit_3", 25), ("merit_2", 4), ("merit_1", 0.8), ("title", 0.2)]


def _add_months(day, months):
    from records.models import add_months

    return add_months(day, months)


def _cumulative(pairs):
    total, cum = 0, []
    for _value, weight in pairs:
        total += weight
        cum.append(total)
    return [value for value, _weight in pairs], cum


class Facts:
    """The records of each cadre that supervision and the statistics read, COPYed alongside the
    cadres (own random generator: the cases come out exactly as before)."""

    def __init__(self, url, tree, seed):
        self.rng = random.Random(seed * 1000 + 16)
        self.tree = tree
        self.ranks = {level: _cumulative(pairs) for level, pairs in RANKS_BY_LEVEL.items()}
        self.grades = _cumulative(GRADES)
        self.sanction_kinds = _cumulative([((kind, months), weight) for kind, months, weight in SANCTIONS])
        self.award_kinds = _cumulative(AWARD_KINDS)
        self.area_of = {}
        for area in tree.areas:
            for unit in [area["committee"], area["gov"], area["zzb"], area["jw"], area["hr"], *area["depts"], *area["townships"]]:
                self.area_of[unit["id"]] = area
        self.county_units = [unit for unit, area in tree.nominating if area["level"] == "county"]
        self.posts = Copier(url, "records_posthistory", ["cadre_id", "post_unit_id", "post", "start", "end"])
        self.checks = Copier(url, "records_healthcheck", ["cadre_id", "date", "standard", "result", "institution", "note"])
        self.trainings = Copier(url, "records_training", ["cadre_id", "course", "organiser", "start", "end", "hours", "professional"])
        self.assessments = Copier(url, "records_annualassessment", ["cadre_id", "year", "grade", "unit_id", "key_targets_missed"])
        self.sanctions = Copier(
            url, "records_sanction", ["cadre_id", "kind", "decision_date", "effect_end", "effect_end_override_reason", "description"]
        )
        self.promotions = Copier(
            url,
            "records_promotion",
            [
                "cadre_id",
                "promoted_on",
                "from_level",
                "to_level",
                "post",
                "exceptional",
                "probation_end",
                "probation_result",
                "broken_items",
            ],
        )
        self.secondments = Copier(
            url, "records_secondment", ["cadre_id", "host_unit_id", "position", "start", "planned_end", "ended_on", "assessment_grade"]
        )
        self.awards = Copier(
            url,
            "records_award",
            [
                "cadre_id",
                "kind",
                "awarded_on",
                "decision_number",
                "approving_unit_id",
                "deed_reference",
                "approving_level",
                "nominating_unit_id",
                "medal",
                "revoked",
                "revoked_on",
            ],
        )

    def pick(self, table):
        values, cum = table
        return values[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def cadre(self, cadre_id, unit):
        """The cadre's own columns (sex, birth date, work start, post, rank, rank since, post since,
        hardship post, probation end); writes the cadre's records."""
        r = self.rng
        level = unit["level"]
        area = self.area_of[unit["id"]]
        sex = "female" if r.random() < 0.4 else "male"
        birth = TODAY - datetime.timedelta(days=r.uniform(23, 61 if sex == "male" else 58) * YEAR)
        work_start = min(birth + datetime.timedelta(days=(22 + r.uniform(0, 3)) * YEAR), TODAY - datetime.timedelta(days=200))
        career = (TODAY - work_start).days
        post_since = TODAY - datetime.timedelta(days=min(int(r.expovariate(1 / 5) * YEAR), career))
        rank = self.pick(self.ranks[level])
        post = "科员" if rank == "none" else "副职" if rank.endswith("deputy") else "正职"
        hardship = r.random() < (0.15 if level == "township" else 0.03)
        probation_end = None
        if rank != "none" and post_since >= datetime.date(2022, 1, 1) and r.random() < 0.5:
            ends = _add_months(post_since, 12) - datetime.timedelta(days=1)
            result = "confirmed" if ends < TODAY else ""
            probation_end = ends if not result else None
            exceptional = r.random() < 0.03
            self.promotions.row(cadre_id, post_since, RANK_BELOW[rank], rank, post, exceptional, ends, result, "[]")
        # the post history: the current post and up to three before it since the work start
        self.posts.row(cadre_id, unit["id"], post, post_since, None)
        span = (post_since - work_start).days
        if span >= 180:
            parts = 1 + (span > 6 * YEAR) + (span > 12 * YEAR)
            edges = [work_start + datetime.timedelta(days=span * i // parts) for i in range(parts + 1)]
            for start, end in zip(edges, edges[1:]):
                where = unit
                if area["townships"] and (r.random() < (0.8 if level == "township" else 0.3)):
                    where = r.choice(area["townships"])
                elif level == "township" or r.random() < 0.3:
                    where = r.choice(area["depts"])
                self.posts.row(cadre_id, where["id"], "科员", start, end - datetime.timedelta(days=1))
        for year in CHECK_YEARS:
            if r.random() < 0.85:
                day = datetime.date(year, 1, 1) + datetime.timedelta(days=r.randrange(324 if year == TODAY.year else 365))
                standard = "higher" if hardship else "ordinary"
                self.checks.row(cadre_id, day, standard, "normal", "县人民医院", "")
        for year in TRAINING_YEARS:
            if r.random() < 0.55:
                start = datetime.date(year, 1, 1) + datetime.timedelta(days=r.randrange(300))
                professional = r.random() < (0.6 if rank != "none" else 0.3)
                course = f"{year}年{'专业能力专题' if professional else '理论'}培训班"
                self.trainings.row(cadre_id, course, "党校", start, start + datetime.timedelta(days=4), 40, professional)
        for year in ASSESSMENT_YEARS:
            if work_start.year <= year:
                self.assessments.row(cadre_id, year, self.pick(self.grades), unit["id"], False)
        roll = r.random()
        if roll < 0.022:
            kind, months = self.pick(self.sanction_kinds)
            if roll < 0.002:  # ends within 30 days
                effect_end = TODAY + datetime.timedelta(days=r.randrange(31))
                decision = _add_months(effect_end + datetime.timedelta(days=1), -months)
            else:
                decision = TODAY - datetime.timedelta(days=r.randrange(3 * 365))
                effect_end = _add_months(decision, months) - datetime.timedelta(days=1)
            self.sanctions.row(cadre_id, kind, decision, effect_end, "", "违反工作纪律")
        if r.random() < 0.01:
            start = TODAY - datetime.timedelta(days=r.randrange(4 * 365))
            planned = _add_months(start, 12 * r.choice((1, 2))) - datetime.timedelta(days=1)
            ended = planned if planned < TODAY else None
            grade = ("excellent" if r.random() < 0.3 else "competent") if ended else ""
            host = r.choice(self.county_units)
            self.secondments.row(cadre_id, host["id"], "挂职副镇长", start, planned, ended, grade)
        return sex, birth, work_start, post, rank, post_since, post_since, hardship, probation_end

    def award(self, case_id, cadre_id, unit, area, business_key, at):
        r = self.rng
        kind = self.pick(self.award_kinds)
        day = at.date()
        revoked = r.random() < 0.003
        self.awards.row(
            cadre_id,
            kind,
            day,
            f"{area['committee']['prefix']}〔{day.year}〕{case_id}号",
            area["committee"]["id"],
            business_key,
            area["level"],
            unit["id"],
            kind.startswith("merit"),
            revoked,
            day + datetime.timedelta(days=90) if revoked else None,
        )

    def quotas(self, url):
        quotas = Copier(url, "quotas_postquota", ["unit_id", "level", "posts", "valid_from", "basis"])
        for unit in self.tree.units:
            for level, posts in QUOTAS_BY_LEVEL[unit["level"]]:
                quotas.row(unit["id"], level, posts, datetime.date(2024, 1, 1), f"{unit['code']}编〔2024〕1号")
        return quotas.close()

    def close(self):
        return {
            "post history": self.posts.close(),
            "health checks": self.checks.close(),
            "trainings": self.trainings.close(),
            "annual grades": self.assessments.close(),
            "sanctions": self.sanctions.close(),
            "promotions": self.promotions.close(),
            "secondments": self.secondments.close(),
        }


# --------------------------------------------------------------------------- generation


def representative_state(rng):
    tasks = {}
    for i in range(12):
        tid = str(uuid.UUID(int=rng.getrandbits(128)))
        tasks[tid] = {
            "id": tid,
            "parent": None,
            "children": [],
            "last_state_change": 1.7e9 + i,
            "state": 64,
            "task_spec": STEPS[i % len(STEPS)][0],
            "triggered": False,
            "internal_data": {},
            "data": {"decision": "approve", "last_opinion": "同意"} if i % 3 == 0 else {},
            "typename": "Task",
        }
    return json.dumps(
        {
            "data": {"award_kind": "commendation", "deeds": "在防汛抢险中表现突出" * 8},
            "correlations": {},
            "last_task": None,
            "success": True,
            "tasks": tasks,
            "root": next(iter(tasks)),
            "subprocesses": {},
            "bpmn_events": [],
            "typename": "BpmnWorkflow",
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def generate(cases, seed=8):
    import psycopg

    rng = random.Random(seed)
    tree = build_tree()
    url = os.environ["DATABASE_URL"]
    timings = {}
    t0 = time.monotonic()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SELECT id FROM workflows_processdefinition WHERE process_id = 'merit_citation' ORDER BY version DESC LIMIT 1")
        definition_id = cur.fetchone()[0]
        indexes = secondary_indexes(cur)
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        conn.commit()

        # units
        copier = Copier(
            url,
            "permissions_unit",
            ["id", "name", "short_name", "code", "parent_id", "level", "kind", "path", "document_prefix", "issuer_mark"],
        )
        for u in tree.units:
            copier.row(u["id"], u["name"], u["name"][:30], u["code"], u["parent"], u["level"], u["kind"], u["path"], u["prefix"], "")
        copier.close()

        # users, grants, review users' cadres
        users = Copier(
            url,
            "auth_user",
            ["id", "username", "password", "first_name", "last_name", "email", "is_superuser", "is_staff", "is_active", "date_joined"],
        )
        grants = Copier(url, "permissions_grant", ["user_id", "unit_id", "role", "include_subordinates", "created_at"])
        next_user = [0]
        unit_users = {}  # unit id → {"nominator": uid, "unit_leader": uid}
        area_users = {}  # committee id → {role: [uid, ...]}
        review_cadres = []  # (user id, unit)

        def user(username, grants_of, subordinates=False):
            next_user[0] += 1
            uid = next_user[0]
            users.row(uid, username, PASSWORD, username, "", "", False, False, True, REFERENCE)
            for role, unit_id in grants_of:
                grants.row(uid, unit_id, role, subordinates, REFERENCE)
            return uid

        for unit, _area in tree.nominating:
            unit_users[unit["id"]] = {
                "nominator": user(f"u{unit['id']}_jbr", [("nominator", unit["id"])]),
                "unit_leader": user(f"u{unit['id']}_ld", [("unit_leader", unit["id"])]),
            }
        for area in tree.areas:
            committee = area["committee"]["id"]
            roles = {}
            for role, office, count in (
                ("reviewer", "zzb", 2),
                ("approver", "committee", 1),
                ("discipline", "jw", 1),
                ("publicity_officer", "zzb", 1),
            ):
                roles[role] = []
                for n in range(count):
                    uid = user(
                        f"{area['code']}_{role}{n}".lower(),
                        [(role, area[office]["id"])] + ([(role, committee)] if office != "committee" else []),
                    )
                    roles[role].append(uid)
                    review_cadres.append((uid, area[office]))
            area_users[committee] = roles
        # Cadre supervisors (干部监督): the reviewer role on the area's committee with everything
        # below it, as the tests' supervisors hold it — the alerts and statistics of a whole area.
        # Made after everybody else, so the other users' ids are those of generation 1.
        for area in tree.areas:
            user(f"{area['code']}_supervisor".lower(), [("reviewer", area["committee"]["id"])], subordinates=True)
        user_count, grant_count = users.close(), grants.close()

        # cadres: a quarter as many as cases over the nominating units, then the review users' own
        per_unit = max(1, cases // 4 // len(tree.nominating))
        facts = Facts(url, tree, seed)
        cadres = Copier(
            url,
            "records_cadre",
            [
                "id",
                "name",
                "id_number",
                "unit_id",
                "user_id",
                "sex",
                "birth_date",
                "work_start_date",
                "current_post",
                "rank_level",
                "current_rank_since",
                "post_since",
                "hardship_post",
                "probation_end",
            ],
        )
        cadre_id = 0
        for unit, _area in tree.nominating:
            for _ in range(per_unit):
                cadre_id += 1
                cadres.row(cadre_id, f"干部{cadre_id}", None, unit["id"], None, *facts.cadre(cadre_id, unit))
        for uid, unit in review_cadres:
            cadre_id += 1
            cadres.row(cadre_id, f"审核干部{uid}", None, unit["id"], uid, *facts.cadre(cadre_id, unit))
        cadre_count = cadres.close()
        fact_counts = facts.close()
        fact_counts["post quotas"] = facts.quotas(url)
        timings["tree, users, grants, cadres and their records"] = time.monotonic() - t0

        # cases
        t1 = time.monotonic()
        state = representative_state(rng)
        instances = Copier(
            url,
            "workflows_processinstance",
            [
                "id",
                "definition_id",
                "business_key",
                "status",
                "state",
                "subject_cadre_id",
                "nominating_unit_id",
                "started_by_id",
                "created_at",
                "updated_at",
                "completed_at",
                "next_timer_due",
                "error_message",
                "outcome",
                "outcome_label",
                "version",
            ],
        )
        tasks = Copier(
            url,
            "workflows_humantask",
            [
                "instance_id",
                "task_uuid",
                "bpmn_id",
                "name",
                "lane",
                "role",
                "unit_id",
                "unit_path",
                "claimed_by_id",
                "created_at",
                "due_at",
                "return_to",
                "definition_id",
            ],
        )
        involved = Copier(url, "workflows_caseunit", ["instance_id", "unit_id", "unit_path", "nominating_unit_id", "case_created_at"])
        history = Copier(
            url,
            "workflows_historyevent",
            ["instance_id", "actor_id", "at", "action", "task_bpmn_id", "task_name", "opinion", "changed_fields"],
        )
        span = (REFERENCE - datetime.timedelta(days=75) - START).total_seconds()
        keys = {}
        outcome_weights = [o[3] for o in OUTCOMES]
        for case_id in range(1, cases + 1):
            unit_index = rng.randrange(len(tree.nominating))
            unit, area = tree.nominating[unit_index]
            authority = area
            bodies = {"unit": unit, "jw": authority["jw"], "zzb": authority["zzb"], "committee": authority["committee"]}
            people = {**unit_users[unit["id"]], **{r: rng.choice(u) for r, u in area_users[authority["committee"]["id"]].items()}}
            roll = rng.random()
            if roll < 0.88:
                kind, (outcome, label, done, _w) = "completed", rng.choices(OUTCOMES, outcome_weights)[0]
            elif roll < 0.89:
                kind, outcome, label, done = "terminated", "", "", rng.randrange(1, 6)
            elif roll < 0.98:
                kind, outcome, label = "running", "", ""
                done = rng.choices(range(len(STEPS)), OPEN_STEP_WEIGHTS)[0]
            else:
                kind, outcome, label, done = "waiting", "", "", 5
            if kind in ("running", "waiting"):
                created = REFERENCE - datetime.timedelta(seconds=rng.uniform(3600, 60 * 86400))
            else:
                created = START + datetime.timedelta(seconds=rng.uniform(0, span))
            step_gap = datetime.timedelta(hours=rng.uniform(4, 72))
            year = created.year
            keys[year] = keys.get(year, 0) + 1
            subject = 1 + unit_index * per_unit + rng.randrange(per_unit)
            # history: start, then each step done (and the notice timer before 审批)
            at = created
            events = [(people["nominator"], at, "start", "", "", "")]
            for step_index in range(done):
                bpmn_id, name, role, _where = STEPS[step_index]
                at = at + step_gap
                if bpmn_id == "Task_approve":
                    events.append((None, at, "timer", "", "公示期满", ""))
                    at = at + step_gap
                opinion = "同意" if role in ("reviewer", "approver", "unit_leader") else ""
                events.append((people[role], at, "complete", bpmn_id, name, opinion))
            if kind == "waiting":
                events.append((None, at, "message", "", "公示期间", ""))
            if kind == "terminated":
                at = at + step_gap
                events.append((None, at, "terminate", "", "", "管理员终止"))
            finished = kind in ("completed", "terminated")
            instances.row(
                case_id,
                definition_id,
                f"JL-{year}-{keys[year]:06d}",
                kind,
                state,
                subject,
                unit["id"],
                people["nominator"],
                created,
                at,
                at if finished else None,
                REFERENCE + datetime.timedelta(days=rng.uniform(0.5, 7)) if kind == "waiting" else None,
                "",
                outcome,
                label,
                len(events),
            )
            for actor, when, action, bpmn_id, name, opinion in events:
                history.row(case_id, actor, when, action, bpmn_id, name, opinion, "{}")
            if outcome == "End_awarded":
                facts.award(case_id, subject, unit, area, f"JL-{year}-{keys[year]:06d}", at)
            reached = {"unit"} | {STEPS[i][3] for i in range(min(done + (0 if finished else 1), len(STEPS)))}
            for where in ("unit", "jw", "zzb", "committee"):
                if where in reached:
                    involved.row(case_id, bodies[where]["id"], bodies[where]["path"], unit["id"], created)
            if kind == "running":
                bpmn_id, name, role, where = STEPS[done]
                bound = bodies[where]
                claimed = people[role] if role == "reviewer" and rng.random() < 0.1 else None
                tasks.row(
                    case_id,
                    uuid.UUID(int=rng.getrandbits(128)),
                    bpmn_id,
                    name,
                    role,
                    role,
                    bound["id"],
                    bound["path"],
                    claimed,
                    at,
                    at + datetime.timedelta(days=10),
                    "",
                    definition_id,
                )
            if case_id % 100000 == 0:
                print(f"  {case_id} cases written ({time.monotonic() - t1:.0f} s)", flush=True)
        counts = {
            "units": len(tree.units),
            "users": user_count,
            "grants": grant_count,
            "cadres": cadre_count,
            "cases": instances.close(),
            "open tasks": tasks.close(),
            "case units": involved.close(),
            "history events": history.close(),
            "awards": facts.awards.close(),
            **fact_counts,
        }
        timings["cases, tasks, case units, history (COPY)"] = time.monotonic() - t1

        t2 = time.monotonic()
        for table in TABLES:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM \"{table}\"))")
        for year, last in keys.items():
            cur.execute("INSERT INTO workflows_businesskeysequence (prefix, year, last_value) VALUES ('JL', %s, %s)", [year, last])
        conn.commit()
        cur.execute("SET maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cur.execute(definition)
        conn.commit()
        timings["secondary indexes re-created"] = time.monotonic() - t2
        t3 = time.monotonic()
        conn.autocommit = True
        cur.execute("VACUUM (ANALYZE)")
        timings["VACUUM ANALYZE"] = time.monotonic() - t3
        cur.execute("CREATE TABLE IF NOT EXISTS bench_scale_info (generation int, cases int, seconds float, counts text)")
        cur.execute("INSERT INTO bench_scale_info VALUES (%s, %s, %s, %s)", [GENERATION, cases, time.monotonic() - t0, json.dumps(counts)])
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cur.fetchone()[0]
    return counts, timings, size


def existing(cases):
    """The info row of a database generated earlier with the same parameters, or None."""
    import psycopg

    name = database_name(cases)
    if not common.pg_database_exists(name):
        return None
    try:
        with psycopg.connect(common.with_database(common.pg_base_url(), name)) as conn:
            row = conn.execute("SELECT generation, cases, seconds, counts FROM bench_scale_info").fetchone()
    except psycopg.Error:
        return None
    if row and row[0] == GENERATION and row[1] == cases:
        return {"seconds": row[2], "counts": json.loads(row[3])}
    return None


def ensure(cases, regenerate=False):
    """Make sure bench_scale_<cases> exists; return (url, info dict with seconds/counts/timings/size)."""
    name = database_name(cases)
    url = common.with_database(common.pg_base_url(), name)
    info = None if regenerate else existing(cases)
    if info is not None:
        info["reused"] = True
        return url, info
    args = [str(Path(__file__).resolve()), "--cases", str(cases), "--regenerate", "--json"]
    return url, common.run_child(args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100000)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.regenerate and existing(args.cases):
        print(f"{database_name(args.cases)} already generated (use --regenerate)")
        return
    started = time.monotonic()
    os.environ["DATABASE_URL"] = common.create_pg_database(database_name(args.cases))
    os.environ.setdefault("MERITFLOW_VAR_DIR", "/tmp")
    common.django_setup()
    from django.core.management import call_command

    call_command("deploy_processes", verbosity=0)
    from django.db import connection

    connection.close()
    setup = time.monotonic() - started
    counts, timings, size = generate(args.cases)
    timings = {"migrate + deploy_processes": setup, **timings}
    total = time.monotonic() - started
    if args.json:
        print(json.dumps({"seconds": total, "counts": counts, "timings": timings, "size": size, "reused": False}))
    else:
        for name, seconds in timings.items():
            print(f"{name:45} {seconds:8.1f} s")
        print(f"{'total':45} {total:8.1f} s; database size {size}")
        print(", ".join(f"{k}: {v:,}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
