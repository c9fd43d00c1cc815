"""Attachments to a nomination: PDF/JPEG/PNG checked by content, size-limited (issue 3)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from permissions.roles import Role
from tests import factories as f
from workflows import services
from workflows.attachments import add_attachment
from workflows.errors import ActionNotAllowed, InvalidAction
from workflows.models import Attachment

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def case():
    f.deploy_test_diagrams("engine/two_lanes_timer.bpmn")
    tree = f.small_tree()
    nominator = f.user("n", (Role.NOMINATOR, tree["township"]))
    f.user("stranger", (Role.APPROVER, tree["other_county"]))
    return services.start_process(
        nominator,
        "test_two_lanes",
        unit=tree["township"],
        data={"approving_unit_id": tree["county"].pk, "approve_deadline": "2030-01-01T00:00:00+08:00"},
    )


def test_png_pdf_jpeg_accepted_by_content(case):
    for name, content in [("a.png", PNG), ("b.pdf", b"%PDF-1.7\n..."), ("c.jpg", b"\xff\xd8\xff\xe0rest")]:
        add_attachment(case.started_by, case.pk, SimpleUploadedFile(name, content))
    assert list(Attachment.objects.values_list("content_type", flat=True)) == ["image/png", "application/pdf", "image/jpeg"]


def test_a_renamed_executable_is_refused(case):
    with pytest.raises(InvalidAction, match="PDF"):
        add_attachment(case.started_by, case.pk, SimpleUploadedFile("deeds.pdf", b"MZ\x90\x00 not a pdf"))
    assert not Attachment.objects.exists()


def test_too_large_is_refused(case, settings):
    settings.MERITFLOW_ATTACHMENT_MAX_BYTES = 32
    with pytest.raises(InvalidAction, match="MB"):
        add_attachment(case.started_by, case.pk, SimpleUploadedFile("a.png", PNG))
    assert not Attachment.objects.exists()


def test_a_stranger_cannot_attach(case):
    from django.contrib.auth import get_user_model

    with pytest.raises(ActionNotAllowed):
        add_attachment(get_user_model().objects.get(username="stranger"), case.pk, SimpleUploadedFile("a.png", PNG))
