"""How an award is worded in its decision and certificate (DOMAIN.md §1.1).

- 授予称号: "授予…“人民满意的公务员”称号" (the title's name in quotation marks);
- 追授 [practice]: a posthumous merit is "追记一等功", a posthumous commendation or title
  "追授嘉奖" / "追授…“…”称号";
- otherwise "给予…记三等功".

A collective (DOMAIN.md §1.1 "a unit, or a task team") is "给予…集体嘉奖", "给予…记集体三等功",
"授予…“人民满意的公务员集体”称号"; it is never posthumous.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from records.models import AwardKind

MERITS = {AwardKind.MERIT_3: gettext_lazy("三等功"), AwardKind.MERIT_2: gettext_lazy("二等功"), AwardKind.MERIT_1: gettext_lazy("一等功")}


@dataclass(frozen=True)
class Wording:
    verb: str  # 给予 / 授予 / 追记 / 追授
    award: str  # what follows the name: 记三等功 / 一等功 / 嘉奖 / “人民满意的公务员”称号

    @property
    def phrase(self):
        """The award as one phrase, for lists and notices: "追记一等功", "授予“人民满意的公务员”称号"."""
        if self.verb == _("给予"):
            return self.award
        return f"{self.verb}{self.award}"


COLLECTIVE_MERITS = {
    AwardKind.COMMENDATION: gettext_lazy("集体嘉奖"),
    AwardKind.MERIT_3: gettext_lazy("记集体三等功"),
    AwardKind.MERIT_2: gettext_lazy("记集体二等功"),
    AwardKind.MERIT_1: gettext_lazy("记集体一等功"),
}


def wording(kind, title_name="", posthumous=False, collective=False):
    kind = AwardKind(kind)
    if collective:
        if kind == AwardKind.TITLE:
            return Wording(_("授予"), _("“%(title)s”称号") % {"title": title_name} if title_name else _("荣誉称号"))
        return Wording(_("给予"), str(COLLECTIVE_MERITS[kind]))
    if kind == AwardKind.TITLE:
        award = _("“%(title)s”称号") % {"title": title_name} if title_name else _("荣誉称号")
        return Wording(_("追授") if posthumous else _("授予"), award)
    if posthumous:
        if kind in MERITS:
            return Wording(_("追记"), str(MERITS[kind]))
        return Wording(_("追授"), str(kind.label))
    return Wording(_("给予"), str(kind.label))


def of_nomination(nomination):
    return wording(nomination.award_kind, nomination.title_name, nomination.posthumous, collective=nomination.is_collective)


def decision_title(name, words, collective=False):
    """关于给予张三同志记三等功的决定 / 关于追记张三同志一等功的决定 / 关于授予张三同志“…”称号的决定;
    a collective without 同志: 关于给予郏县财政局记集体三等功的决定."""
    if collective:
        return _("关于%(verb)s%(name)s%(award)s的决定") % {"verb": words.verb, "name": name, "award": words.award}
    return _("关于%(verb)s%(name)s同志%(award)s的决定") % {"verb": words.verb, "name": name, "award": words.award}
