"""Issue 13: history, documents, awards and objections are tamper-evident and append-only.

History events and issued documents form hash chains (``workflows.chain``: one per case, one per
issuer for documents without a case). A row changed behind the application's back — even a PDF
replaced together with a recomputed ``sha256`` column — is reported by ``manage.py
verify_history`` and by the public verification (page and API); the admin can neither change nor
delete an award or an objection; an out-of-scope download answers 404.
"""

import datetime
import hashlib
import importlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from documents.models import IssuedDocument
from notices.models import Objection, ObjectionOutcome
from permissions.roles import Role
from records.models import Award
from tests import factories as f
from tests.merit_helpers import QT_CLEAN, approve_through, at, cadre, load_world, person, start_and_nominate, unit, unit_decides
from tests.test_api_helpers import anonymous
from workflows import chain, clock
from workflows.models import ChainHead, HistoryAction, HistoryEvent

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")


@pytest.fixture
def awarded():
    """A merit case run to its award: history, a notice (no case), decision, certificate and form."""
    load_world()
    with clock.frozen_at(MONDAY):
        case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0])))
    return approve_through(case, "county")


def verify_history():
    """(output, exit status) of ``manage.py verify_history``."""
    out = io.StringIO()
    try:
        call_command("verify_history", stdout=out)
    except CommandError as exc:
        return out.getvalue() + str(exc), exc.returncode
    return out.getvalue(), 0


def execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def decision_of(case):
    return IssuedDocument.objects.defer(None).get(instance=case, kind="award_decision")


def verify_page(client, **query):
    return client.get(reverse("documents:verify"), query).content.decode()


def upload(client, pdf, number):
    file = io.BytesIO(pdf)
    file.name = "decision.pdf"
    return client.post(reverse("documents:verify"), {"file": file, "number": number}).content.decode()


def api_status(sha256, number=""):
    return anonymous().get("/api/v1/documents/verify/", {"sha256": sha256, "number": number}).json()["status"]


# --------------------------------------------------------------------------- the chains


def test_an_untouched_database_verifies_clean(awarded, client):
    case = awarded
    output, status = verify_history()
    assert status == 0 and "OK" in output and "BROKEN" not in output
    # The case's chain holds its history and its documents, in order, ending at the head.
    events = list(HistoryEvent.objects.filter(instance=case))
    documents = list(IssuedDocument.objects.filter(instance=case))
    seqs = sorted(e.chain_seq for e in events + documents)
    assert seqs == list(range(1, len(events) + len(documents) + 1))
    head = ChainHead.objects.get(key=chain.case_key(case.pk))
    assert head.length == len(seqs)
    # The notice lists cases, has none of its own: it is in its issuer's chain.
    notice = IssuedDocument.objects.get(kind="notice")
    assert notice.instance_id is None and ChainHead.objects.filter(key=chain.issuer_key(notice.issuer_id)).exists()
    decision = decision_of(case)
    assert "核验通过" in verify_page(client, number=decision.number, sha256=decision.sha256)
    assert "核验通过" in upload(client, bytes(decision.pdf), decision.number)
    assert "登记记录存在" in verify_page(client, number=decision.number, id=str(decision.verification_code))
    assert api_status(decision.sha256) == "genuine"


def test_a_history_row_changed_with_raw_sql_is_reported(awarded, client):
    case = awarded
    event = HistoryEvent.objects.get(instance=case, action=HistoryAction.COMPLETE, task_bpmn_id="Task_review")
    execute("UPDATE workflows_historyevent SET opinion = %s WHERE id = %s", ["不同意公示", event.pk])

    output, status = verify_history()
    assert status == 1
    assert f"BROKEN case:{case.pk}: history #{event.pk} (entry {event.chain_seq}): content changed" in output
    assert "1 of" in output  # only the case's chain is broken
    # The case's documents can no longer be confirmed: their chain is broken.
    decision = decision_of(case)
    page = verify_page(client, number=decision.number, sha256=decision.sha256)
    assert "核验未通过" in page and "核验通过：" not in page
    assert "核验未通过" in upload(client, bytes(decision.pdf), decision.number)
    assert api_status(decision.sha256, decision.number) == "not_genuine"
    # A document of another chain (the notice: its issuer's) still verifies.
    notice = IssuedDocument.objects.get(kind="notice")
    assert "核验通过" in verify_page(client, sha256=notice.sha256)


def test_a_pdf_replaced_with_a_recomputed_sha256_is_not_genuine(awarded, client):
    case = awarded
    decision = decision_of(case)
    forged = bytes(decision.pdf).replace(b"%%EOF", b"% forged\n%%EOF")
    digest = hashlib.sha256(forged).hexdigest()
    assert forged != bytes(decision.pdf)
    execute(
        "UPDATE documents_issueddocument SET pdf = %s, sha256 = %s, size = %s WHERE id = %s",
        [forged, digest, len(forged), decision.pk],
    )

    output, status = verify_history()
    assert status == 1
    assert f"BROKEN case:{case.pk}: document #{decision.pk} (entry {decision.chain_seq}): content changed" in output
    # The forged file matches the row's sha256 column, but not the chain: not genuine, anywhere.
    page = verify_page(client, number=decision.number, sha256=digest)
    assert "核验未通过" in page and "核验通过：" not in page
    assert "核验未通过" in upload(client, forged, decision.number)
    assert "核验通过：" not in verify_page(client, number=decision.number, id=str(decision.verification_code))
    assert api_status(digest, decision.number) == "not_genuine"


def test_a_pdf_changed_without_its_hash_is_reported_as_not_matching(awarded):
    decision = decision_of(awarded)
    execute("UPDATE documents_issueddocument SET pdf = %s WHERE id = %s", [bytes(decision.pdf) + b"\n%x", decision.pk])
    output, status = verify_history()
    assert status == 1 and f"document #{decision.pk}" in output and "PDF not matching its recorded hash" in output


def test_a_recomputed_entry_hash_breaks_the_next_link_and_a_deleted_row_leaves_a_gap(awarded):
    case = awarded
    events = list(HistoryEvent.objects.filter(instance=case).order_by("chain_seq"))
    first = events[0]
    # Rewrite the content and recompute the row's own hash: the next entry no longer links to it.
    execute("UPDATE workflows_historyevent SET opinion = %s WHERE id = %s", ["改写", first.pk])
    changed = HistoryEvent.objects.get(pk=first.pk)
    recomputed = chain.entry_hash(chain.history_content(changed), chain.case_key(case.pk), changed.chain_seq, changed.prev_hash)
    execute("UPDATE workflows_historyevent SET entry_hash = %s WHERE id = %s", [recomputed, first.pk])
    output, status = verify_history()
    assert status == 1 and f"(entry {first.chain_seq + 1}): link broken" in output

    execute("UPDATE workflows_historyevent SET opinion = %s, entry_hash = %s WHERE id = %s", [first.opinion, first.entry_hash, first.pk])
    assert verify_history()[1] == 0
    middle = events[len(events) // 2]
    execute("DELETE FROM workflows_historyevent WHERE id = %s", [middle.pk])
    output, status = verify_history()
    assert status == 1 and f"(entry {middle.chain_seq + 1}): link broken: expected entry {middle.chain_seq}" in output


def test_deleting_the_last_entries_shows_at_the_head(awarded):
    case = awarded
    newest = max(
        list(HistoryEvent.objects.filter(instance=case)) + list(IssuedDocument.objects.filter(instance=case)), key=lambda e: e.chain_seq
    )
    table = "workflows_historyevent" if isinstance(newest, HistoryEvent) else "documents_issueddocument"
    execute(f"DELETE FROM {table} WHERE id = %s", [newest.pk])  # noqa: S608 - a constant table name
    output, status = verify_history()
    assert status == 1 and f"case:{case.pk}: head: chain head does not match its last entry" in output


def test_the_data_migration_chains_rows_written_before_the_chains(awarded):
    """Rows without chain fields (as before migration documents 0005) get the same chain back."""
    before = {("h", e.pk): e.entry_hash for e in HistoryEvent.objects.all()}
    before.update({("d", d.pk): d.entry_hash for d in IssuedDocument.objects.all()})
    heads = set(ChainHead.objects.values_list("key", "last_hash", "length"))
    execute("UPDATE workflows_historyevent SET chain_seq = NULL, prev_hash = '', entry_hash = ''", [])
    execute("UPDATE documents_issueddocument SET chain_seq = NULL, prev_hash = '', entry_hash = ''", [])
    execute("DELETE FROM workflows_chainhead", [])
    output, status = verify_history()
    assert status == 1 and "entry without chain fields" in output

    migration = importlib.import_module("documents.migrations.0005_fill_chains")
    state = MigrationExecutor(connection).loader.project_state(("documents", "0005_fill_chains"))
    migration.fill(state.apps, None)
    assert verify_history()[1] == 0
    after = {("h", e.pk): e.entry_hash for e in HistoryEvent.objects.all()}
    after.update({("d", d.pk): d.entry_hash for d in IssuedDocument.objects.all()})
    assert after == before and set(ChainHead.objects.values_list("key", "last_hash", "length")) == heads


# --------------------------------------------------------------------------- append-only


def an_objection(case):
    return Objection.objects.create(
        instance=case, content="反映其虚报转移人数", received_on=datetime.date(2026, 9, 30), recorded_by=person("ls_gs")
    )


def test_the_admin_cannot_change_or_delete_an_award(awarded, admin_client):
    award = Award.objects.get(cadre=cadre(QT_CLEAN[0]))
    number = award.decision_number
    assert number
    change = reverse("admin:records_award_change", args=[award.pk])
    assert admin_client.get(change).status_code == 200  # shown, read-only
    response = admin_client.post(
        change,
        {"cadre": award.cadre_id, "kind": award.kind, "awarded_on": "2026-10-12", "decision_number": "伪造〔2026〕1号", "revoked": "on"},
    )
    assert response.status_code == 403
    assert admin_client.post(reverse("admin:records_award_delete", args=[award.pk]), {"post": "yes"}).status_code == 403
    award.refresh_from_db()
    assert award.decision_number == number and not award.revoked
    with pytest.raises(PermissionError):
        award.delete()
    assert Award.objects.filter(pk=award.pk).exists()
    # Deleting the cadre would take the award with it: refused for want of the award's delete permission.
    cadre_delete = admin_client.post(reverse("admin:records_cadre_delete", args=[award.cadre_id]), {"post": "yes"})
    assert cadre_delete.status_code in (200, 403) and Award.objects.filter(pk=award.pk).exists()


def test_the_admin_cannot_change_or_delete_an_objection(awarded, admin_client):
    objection = an_objection(awarded)
    change = reverse("admin:notices_objection_change", args=[objection.pk])
    assert admin_client.get(change).status_code == 200
    response = admin_client.post(change, {"content": "改写的异议", "outcome": ObjectionOutcome.UNTRUE, "received_on": "2026-09-30"})
    assert response.status_code == 403
    assert admin_client.post(reverse("admin:notices_objection_delete", args=[objection.pk]), {"post": "yes"}).status_code == 403
    objection.refresh_from_db()
    assert objection.content == "反映其虚报转移人数" and objection.outcome == ObjectionOutcome.PENDING
    with pytest.raises(PermissionError):
        objection.delete()
    assert Objection.objects.filter(pk=objection.pk).exists()


def test_history_is_read_only_in_the_case_admin(awarded, admin_client, rf):
    from django.contrib import admin

    from workflows.admin import HistoryInline
    from workflows.models import ProcessInstance

    request = rf.get("/")
    request.user = person("admin")
    inline = HistoryInline(ProcessInstance, admin.site)
    assert request.user.is_superuser
    assert not inline.has_change_permission(request, awarded) and not inline.has_delete_permission(request, awarded)
    assert admin_client.get(reverse("admin:workflows_processinstance_change", args=[awarded.pk])).status_code == 200
    with pytest.raises(PermissionError):
        HistoryEvent.objects.filter(instance=awarded).first().delete()


# --------------------------------------------------------------------------- out of scope


def test_an_out_of_scope_document_download_answers_404(awarded, client):
    decision = decision_of(awarded)
    url = reverse("documents:download", args=[decision.pk])
    outsider = f.user("outsider_bf", (Role.NOMINATOR, unit("HA-PDS-BF")))
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("documents:download", args=[10**6])).status_code == 404  # the same as a missing id
    client.force_login(person("ls_sh"))
    response = client.get(url)
    assert response.status_code == 200 and response.content[:5] == b"%PDF-"
