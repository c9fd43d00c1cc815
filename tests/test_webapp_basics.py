"""The login page, a demo login, the workbench's inbox, and the Chinese admin (issue 2)."""

import pytest
from django.urls import reverse

from permissions.roles import Role
from tests import factories as f
from workflows import services
from workflows.models import HumanTask

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_even_for_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert "登录" in response.content.decode() and response["Content-Language"] == "zh-hans"


def test_language_switcher_gives_english_admin(client, admin_user):
    client.force_login(admin_user)
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    assert "Site administration" in client.get("/admin/").content.decode()


def test_admin_is_in_chinese(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/admin/").content.decode()
    assert "站点管理" in page and "单位" in page and "干部" in page


def test_login_then_inbox_shows_only_my_tasks(client):
    f.deploy_test_diagrams("engine/two_lanes_timer.bpmn")
    tree = f.small_tree()
    nominator = f.user("nominator", (Role.NOMINATOR, tree["township"]))
    f.user("approver", (Role.APPROVER, tree["county"]))
    f.user("stranger", (Role.APPROVER, tree["other_county"]))
    case = services.start_process(
        nominator,
        "test_two_lanes",
        unit=tree["township"],
        data={"approving_unit_id": tree["county"].pk, "approve_deadline": "2030-01-01T00:00:00+08:00"},
    )
    services.complete_task(nominator, HumanTask.objects.get(instance=case).pk)

    assert client.post(reverse("login"), {"username": "approver", "password": "pw-12345678"}).status_code == 302
    assert case.business_key in client.get("/").content.decode()
    client.logout()
    client.post(reverse("login"), {"username": "stranger", "password": "pw-12345678"})
    assert case.business_key not in client.get("/").content.decode()


def test_wrong_password_is_refused_with_a_message(client):
    f.user("someone")
    response = client.post(reverse("login"), {"username": "someone", "password": "nope"})
    assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
