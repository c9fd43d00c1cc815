"""Template tags showing the grassroots priority list where officials look: the cadre page, the
promotion proposal, the list's case page (seed 004 art. 8(四); DOMAIN.md §4.4)."""

from django import template

from grassroots import rules
from grassroots.models import ListStatus, PriorityEntry

register = template.Library()


@register.inclusion_tag("grassroots/cadre_listings.html")
def cadre_priority_listings(cadre, inline=False):
    """The approved lists naming ``cadre``, newest first (``inline``: as a ``dt``/``dd`` pair)."""
    entries = (
        PriorityEntry.objects.filter(cadre=cadre, list__status=ListStatus.APPROVED)
        .select_related("list__department")
        .order_by("-list__year", "list__pk")
        if cadre is not None
        else []
    )
    return {"entries": entries, "inline": inline}


@register.inclusion_tag("grassroots/share_table.html")
def leader_share_table(area):
    rows, total = rules.leader_shares(area)
    return {"rows": rows, "total": total, "aim": rules.SHARE_AIM}
