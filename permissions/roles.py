"""The roles of the product brief and the registry that maps BPMN lane names to them.

A lane in a diagram names the role that acts in it. Lanes may be written with the role code
(``reviewer``) or with its Chinese name (``组织人事部门审核``); anything else is refused at deploy.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    NOMINATOR = "nominator", _("推荐单位经办人")
    UNIT_LEADER = "unit_leader", _("单位党组织")
    DISCIPLINE = "discipline", _("纪检监察")
    REVIEWER = "reviewer", _("组织人事部门审核")
    PUBLICITY_OFFICER = "publicity_officer", _("公示经办人")
    APPROVER = "approver", _("审批机关")
    ADMIN = "admin", _("系统管理员")


# Extra lane spellings accepted in diagrams, besides the role codes themselves.
LANE_ALIASES = {
    "推荐单位": Role.NOMINATOR,
    "推荐单位经办人": Role.NOMINATOR,
    "单位党组织": Role.UNIT_LEADER,
    "单位领导": Role.UNIT_LEADER,
    "纪检监察": Role.DISCIPLINE,
    "纪检监察机关": Role.DISCIPLINE,
    "组织人事部门": Role.REVIEWER,
    "组织人事部门审核": Role.REVIEWER,
    "公示": Role.PUBLICITY_OFFICER,
    "公示经办人": Role.PUBLICITY_OFFICER,
    "审批机关": Role.APPROVER,
    "系统管理员": Role.ADMIN,
}


class UnknownLane(ValueError):
    pass


def role_for_lane(lane_name):
    """Return the role a lane stands for, or raise UnknownLane."""
    if lane_name is None:
        raise UnknownLane(_("任务不在任何泳道中，无法确定办理角色"))
    name = lane_name.strip()
    if name in Role.values:
        return Role(name)
    if name in LANE_ALIASES:
        return LANE_ALIASES[name]
    raise UnknownLane(_("泳道“%(lane)s”不对应任何角色（可用：%(roles)s）") % {"lane": name, "roles": "、".join(Role.values)})
