"""Bad input gets a clear 4xx and changes nothing (issue 13 item 4): an oversized body, text a
database cannot hold (NUL, a lone surrogate), an import beyond its limits, one attachment too many."""

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.authtoken.models import Token

from records import importing
from records.models import Cadre
from tests.merit_helpers import QT_CLEAN, cadre, load_world, nomination, person, start_and_nominate
from workflows import attachments
from workflows.errors import InvalidAction
from workflows.models import Attachment, ProcessInstance

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world():
    load_world()


@pytest.fixture
def api(client, world):
    token = Token.objects.create(user=person("ls_qt_jbr")).key
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    return client


def start_body(**fields):
    return {"process_type": "merit_citation", "cadre": cadre(QT_CLEAN[0]).pk, **nomination(**fields)}


def test_a_body_over_the_upload_limit_is_a_json_413_and_starts_nothing(api):
    """Was a 500 (RequestDataTooBig escaped the API's error format)."""
    body = json.dumps(start_body(deeds="事迹" * 1_500_000))
    assert len(body.encode()) > 2.5 * 1024 * 1024
    answer = api.post("/api/v1/processes/", body, content_type="application/json")
    assert answer.status_code == 413
    assert answer.json()["code"] == "request_too_large" and answer.json()["message"]
    assert not ProcessInstance.objects.exists()


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\u0000"])
def test_unstorable_text_in_a_json_field_is_a_field_error_and_starts_nothing(api, escape):
    """A lone surrogate was a 500 (UTF-8 cannot encode it); a NUL fails on PostgreSQL. Both are
    refused where they are, naming the field."""
    text = json.dumps(start_body())
    text = text.replace('"deeds": "', f'"deeds": "{escape}', 1)
    answer = api.post("/api/v1/processes/", text, content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert list(answer.json()["errors"]) == ["deeds"]
    assert not ProcessInstance.objects.exists()


def test_unstorable_text_in_a_nested_field_or_key_is_named(api):
    body = '{"process_type": "merit_citation", "attachments": [1, "a\\ud800"], "x\\u0000": 1}'
    answer = api.post("/api/v1/processes/", body, content_type="application/json")
    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == {"attachments.1", "non_field_errors"}


def test_nul_in_a_query_string_or_form_field_is_a_400(client, world):
    client.force_login(person("ls_qt_jbr"))
    assert client.get("/", {"q": "张\x00三"}).status_code == 400
    assert client.get("/records/", {"q": "\x00"}).status_code == 400
    token = Token.objects.create(user=person("ls_sh")).key
    answer = client.get("/api/v1/tasks/", {"q": "a\x00"}, HTTP_AUTHORIZATION=f"Token {token}")
    assert answer.status_code == 400 and answer.json()["code"] == "validation_error"
    assert client.get("/", {"q": "张三"}).status_code == 200


@pytest.mark.postgres
def test_nul_in_a_query_string_is_a_400_not_a_database_error_on_postgresql(client, world):
    """PostgreSQL refuses NUL in a text parameter: a search with one was a 500."""
    client.force_login(person("ls_qt_jbr"))
    for path in ("/", "/records/", "/notices/"):
        assert client.get(path, {"q": "\x00"}).status_code == 400, path


@override_settings(MERITFLOW_ATTACHMENTS_PER_CASE=2)
def test_attachments_per_case_are_limited(world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    jbr = person("ls_qt_jbr")
    for n in range(2):
        attachments.add_attachment(jbr, case.pk, SimpleUploadedFile(f"材料{n}.pdf", PDF))
    with pytest.raises(InvalidAction, match="最多上传2个附件"):
        attachments.add_attachment(jbr, case.pk, SimpleUploadedFile("材料3.pdf", PDF))
    assert Attachment.objects.filter(instance=case).count() == 2


def test_an_attachment_name_loses_what_no_column_can_hold(world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    stored = attachments.add_attachment(person("ls_qt_jbr"), case.pk, SimpleUploadedFile("事迹\x00材料.pdf", PDF))
    assert stored.file_name == "事迹材料.pdf"


def workbook(rows):
    """A 干部信息 workbook whose rows all miss their required cells (each row: errors)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "干部信息"
    sheet.append([c.header for c in importing._COLUMNS[importing.CADRES]])
    for n in range(rows):
        sheet.append([f"姓名{n}"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def test_an_import_lists_at_most_200_errors_and_counts_them_all(world):
    """300,000 bad rows answered a 100 MB page: the report lists the first 200 and counts all."""
    report = importing.import_cadres(workbook(150), dry_run=True)
    assert report.error_count > importing.MAX_LISTED_ERRORS
    assert len(report.errors) == importing.MAX_LISTED_ERRORS
    assert f"发现{report.error_count}处错误，以下列出前200处" in report.summary()


@override_settings(MERITFLOW_IMPORT_MAX_ROWS=50)
def test_an_import_beyond_its_row_limit_is_refused_and_imports_nothing(world):
    before = Cadre.objects.count()
    report = importing.import_cadres(workbook(51))
    assert not report.ok and "超过50行" in report.summary() + "".join(e.message for e in report.errors)
    assert Cadre.objects.count() == before


@override_settings(MERITFLOW_IMPORT_MAX_BYTES=4096)
def test_an_import_file_over_the_size_limit_is_refused_on_the_page(client, world):
    client.force_login(person("ls_qt_jbr"))
    upload = SimpleUploadedFile("干部.xlsx", workbook(400).getvalue())
    assert upload.size > 4096
    page = client.post("/records/import/", {"kind": importing.CADRES, "file": upload})
    assert page.status_code == 200
    assert "文件超过" in page.content.decode()
    report = importing.import_cadres(workbook(400))
    assert not report.ok and "文件超过" in report.errors[0].message
