"""Locust scenarios of bench/bench_http.py (run by it; loopback only, bounded users and time).

Environment (set by bench_http.py): BENCH_SESSION (session cookie of the reviewer), BENCH_TOKEN
(API token of the reviewer), BENCH_DESK_SESSION (session cookie of the county's notice desk),
BENCH_NOMINATOR_TOKEN and BENCH_TASKS (a file of task ids at 填报推荐材料, one per line, each
completed at most once; the number left unused is written to BENCH_TASKS + ".left" on quitting —
the ids taken are from the end of the file).
"""

import os
from pathlib import Path

from locust import HttpUser, constant, events, task
from locust.exception import StopUser

NOMINATION = {
    "award_kind": "commendation",
    "deeds": "在2026年汛期防汛抢险中连续奋战七昼夜，组织转移群众三百余人，无一伤亡，表现突出。",
    "period_from": "2026-07-01",
    "period_to": "2026-08-31",
    "deed_reference": "",
}
TASKS = [line.strip() for line in Path(os.environ["BENCH_TASKS"]).read_text().split()] if os.environ.get("BENCH_TASKS") else []


class WebInbox(HttpUser):
    """The workbench (待办 tab, the home page) of a county reviewer, logged in by session."""

    wait_time = constant(0)

    def on_start(self):
        self.client.cookies.set("sessionid", os.environ["BENCH_SESSION"])

    @task
    def inbox(self):
        with self.client.get("/", name="GET / (workbench inbox)", catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200 or "待办" not in r.text:
                r.failure(f"status {r.status_code}")


class ApiInbox(HttpUser):
    """GET /api/v1/tasks/ (the inbox, 20 per page) with a token."""

    wait_time = constant(0)

    @task
    def inbox(self):
        self.client.get("/api/v1/tasks/", name="GET /api/v1/tasks/", headers={"Authorization": f"Token {os.environ['BENCH_TOKEN']}"})


class NoticeDesk(HttpUser):
    """The notice desk (公示管理) of the county's publicity officer, logged in by session: the cases
    waiting at 发布公示 and the last notices with their cases."""

    wait_time = constant(0)

    def on_start(self):
        self.client.cookies.set("sessionid", os.environ["BENCH_DESK_SESSION"])

    @task
    def desk(self):
        with self.client.get("/notices/", name="GET /notices/ (notice desk)", catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200 or "公示" not in r.text:
                r.failure(f"status {r.status_code}")


class ApiComplete(HttpUser):
    """POST /api/v1/tasks/{id}/complete/: submit a nomination; each task once, then stop."""

    wait_time = constant(0)
    request_name = "POST /api/v1/tasks/{id}/complete/"
    prefer = ""  # an RFC 7240 preference the answer must say it applied

    @task
    def complete(self):
        if not TASKS:
            raise StopUser()
        task_id = TASKS.pop()
        headers = {"Authorization": f"Token {os.environ['BENCH_NOMINATOR_TOKEN']}"}
        if self.prefer:
            headers["Prefer"] = self.prefer
        with self.client.post(
            f"/api/v1/tasks/{task_id}/complete/", json=NOMINATION, name=self.request_name, headers=headers, catch_response=True
        ) as r:
            if r.status_code != 200 or (self.prefer and r.headers.get("Preference-Applied") != self.prefer):
                r.failure(f"status {r.status_code}: {r.text[:200]}")


class ApiCompleteMinimal(ApiComplete):
    """The same completion asking for the minimal answer."""

    request_name = "POST /api/v1/tasks/{id}/complete/ (Prefer: return=minimal)"
    prefer = "return=minimal"


@events.quitting.add_listener
def _left(environment, **kwargs):
    if os.environ.get("BENCH_TASKS"):
        Path(os.environ["BENCH_TASKS"] + ".left").write_text(str(len(TASKS)))
