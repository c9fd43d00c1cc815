"""deploy_processes (issue 2): versioning by content, refusal of invalid files with the reason,
and running instances staying on the version they started with."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from permissions.roles import Role
from tests import factories as f
from workflows import services
from workflows.deploy import DeployError, deploy_directory
from workflows.models import HumanTask, InstanceStatus, ProcessDefinition, ProcessDefinitionSource, ProcessInstance

pytestmark = pytest.mark.django_db

SOURCE = f.TEST_BPMN / "engine" / "two_lanes_timer.bpmn"


@pytest.fixture
def folder(tmp_path):
    shutil.copy(SOURCE, tmp_path / "two_lanes_timer.bpmn")
    return tmp_path


def edit(folder, old, new, name="two_lanes_timer.bpmn"):
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_unchanged_files_make_no_new_version(folder):
    first = deploy_directory(folder)
    assert [(d.process_id, d.version) for d in first.created] == [("test_two_lanes", 1)]
    second = deploy_directory(folder)
    assert second.created == [] and second.unchanged == ["test_two_lanes"]
    assert ProcessDefinition.objects.count() == 1
    definition = ProcessDefinition.objects.get()
    assert definition.start_role == Role.NOMINATOR and len(definition.content_hash) == 64
    assert "two_lanes_timer.bpmn" in definition.deployed_files()
    # The spec and files are stored once per version, apart from the definition row lists join.
    assert ProcessDefinitionSource.objects.get().definition == definition
    assert definition.spec_json()["spec"]["name"] == "test_two_lanes"


def test_changed_file_makes_a_new_version_and_running_instances_keep_theirs(folder):
    deploy_directory(folder)
    tree = f.small_tree()
    nominator = f.user("n", (Role.NOMINATOR, tree["township"]))
    approver = f.user("a", (Role.APPROVER, tree["county"]))
    old_case = services.start_process(
        nominator,
        "test_two_lanes",
        unit=tree["township"],
        data={"approving_unit_id": tree["county"].pk, "approve_deadline": "2030-01-01T00:00:00+08:00"},
    )

    edit(folder, 'name="审批"', 'name="审批（新版）"')
    result = deploy_directory(folder)
    assert [(d.process_id, d.version) for d in result.created] == [("test_two_lanes", 2)]

    new_case = services.start_process(
        nominator,
        "test_two_lanes",
        unit=tree["township"],
        data={"approving_unit_id": tree["county"].pk, "approve_deadline": "2030-01-01T00:00:00+08:00"},
    )
    assert (old_case.definition.version, new_case.definition.version) == (1, 2)
    for case in (old_case, new_case):
        services.complete_task(nominator, HumanTask.objects.get(instance=case).pk)
    assert HumanTask.objects.get(instance=old_case).name == "审批"
    assert HumanTask.objects.get(instance=new_case).name == "审批（新版）"
    services.complete_task(approver, HumanTask.objects.get(instance=old_case).pk)
    assert ProcessInstance.objects.get(pk=old_case.pk).status == InstanceStatus.WAITING
    assert ProcessInstance.objects.get(pk=old_case.pk).definition.version == 1


def test_malformed_file_is_refused_with_file_line_and_reason_and_nothing_is_deployed(folder):
    (folder / "broken.bpmn").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">\n'
        '  <bpmn:process id="broken" isExecutable="true">\n'
        '    <bpmn:startEvent id="s">\n'
        "  </bpmn:process>\n"
        "</bpmn:definitions>\n",
        encoding="utf-8",
    )
    with pytest.raises(DeployError) as caught:
        deploy_directory(folder)
    assert caught.value.file_name == "broken.bpmn"
    assert caught.value.line == 5
    assert "startEvent" in caught.value.reason or "mismatch" in caught.value.reason
    assert not ProcessDefinition.objects.exists()  # the valid file beside it was not deployed either


def test_schema_violation_is_refused_with_its_line(folder):
    edit(folder, '<bpmn:userTask id="Task_submit" name="填报">', '<bpmn:userTask id="Task_submit" name="填报" bogus="1">')
    with pytest.raises(DeployError) as caught:
        deploy_directory(folder)
    assert caught.value.file_name == "two_lanes_timer.bpmn" and caught.value.line == 26
    assert "bogus" in caught.value.reason
    assert not ProcessDefinition.objects.exists()


def test_unknown_lane_is_refused(folder):
    edit(folder, 'name="approver"', 'name="清洁工"')
    with pytest.raises(DeployError, match="清洁工"):
        deploy_directory(folder)
    assert not ProcessDefinition.objects.exists()


@pytest.mark.parametrize(
    "escape",
    [
        "__import__('os')",
        "open('/etc/hostname')",
        "().__class__.__base__.__subclasses__()",
    ],
)
def test_diagram_with_a_sandbox_escape_is_refused(folder, escape):
    edit(folder, '<bpmn:timeDuration>"P1D"</bpmn:timeDuration>', f"<bpmn:timeDuration>{escape}</bpmn:timeDuration>")
    with pytest.raises(DeployError) as caught:
        deploy_directory(folder)
    assert "Timer_wait" in str(caught.value)
    assert not ProcessDefinition.objects.exists()


def test_command_reports_the_refusal(folder):
    (folder / "broken.dmn").write_text("<definitions>", encoding="utf-8")
    with pytest.raises(CommandError, match="broken.dmn"):
        call_command("deploy_processes", str(folder))
    assert not ProcessDefinition.objects.exists()


def test_unsafe_unit_expression_is_refused(folder):
    edit(folder, 'value="approving_unit_id"', "value=\"open('/etc/hostname')\"")
    with pytest.raises(DeployError, match="办理单位"):
        deploy_directory(folder)
    assert not ProcessDefinition.objects.exists()
