"""Adding and deleting common opinions, with who may do it (pages and API share these)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _

from workflows.forms import UNSTORABLE_TEXT

from .models import OPINION_MAX_LENGTH, PERSONAL_LIMIT, CommonOpinion, managed_units


def clean_text(text):
    text = " ".join(str(text or "").split())
    if not text:
        raise ValidationError(_("请填写意见内容"))
    if UNSTORABLE_TEXT.search(text):
        raise ValidationError(_("意见内容含有无法保存的字符"))
    if len(text) > OPINION_MAX_LENGTH:
        raise ValidationError(_("意见内容不能超过 %(n)d 个字") % {"n": OPINION_MAX_LENGTH})
    return text


def add(user, text, *, unit=None):
    """A personal opinion (``unit`` None) or one of a unit the user maintains."""
    text = clean_text(text)
    if unit is None:
        existing = CommonOpinion.objects.filter(owner=user)
        if existing.count() >= PERSONAL_LIMIT:
            raise ValidationError(_("个人常用意见最多 %(n)d 条，请先删除不用的") % {"n": PERSONAL_LIMIT})
        owner = user
    else:
        if not managed_units(user).filter(pk=unit.pk).exists():
            raise PermissionDenied(_("只有该单位的审核、审批人员可以维护单位常用意见"))
        existing = CommonOpinion.objects.filter(unit=unit)
        owner = None
    if existing.filter(text=text).exists():
        raise ValidationError(_("已有相同的常用意见"))
    position = (existing.aggregate(m=Max("position"))["m"] or 0) + 1
    return CommonOpinion.objects.create(owner=owner, unit=unit, text=text, position=position)


def deletable(user):
    """The opinions the user may delete: their own and those of the units they maintain."""
    return CommonOpinion.objects.filter(owner=user) | CommonOpinion.objects.filter(unit__in=managed_units(user))


def delete(user, pk):
    """Delete one; False when it is not the user's to delete (or does not exist)."""
    deleted, _rows = deletable(user).filter(pk=pk).delete()
    return bool(deleted)
