"""A household's tier and its assessment flags as badges: ``{% tier_badge tier %}`` and ``{% flag_badges … %}``.

Tags, not included templates: the household search shows them on each of its fifty rows, and two includes a row
were a third of the page's time.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

_TIERS = {
    "fragile": "easily relapsing",
    "general": "general",
    "stable": "stably out of poverty",
    "high_quality": "high-quality exit",
}


@register.simple_tag
def tier_badge(tier: str | None) -> SafeString:
    """The tier as a coloured tag; a dash (with why) for a household that is not tiered."""
    if tier in _TIERS:
        return format_html('<span class="tag tag--{}">{}</span>', tier, gettext(_TIERS[tier]))
    return format_html(
        '<span class="muted" data-testid="tier-none" title="{}">—</span>', gettext("Only exited households are tiered")
    )


@register.simple_tag
def flag_badges(
    *,
    r_exit: bool = False,
    r_identify: bool = False,
    r_relapse: bool = False,
    r_monitor: bool = False,
    excluded: str | None = "",
) -> SafeString:
    """The run's flags of a household as badges, "not assessed" first (its reason as the title)."""
    badges = [
        ("muted", gettext("not assessed"), excluded) if excluded else None,
        ("good", gettext("may exit"), "") if r_exit else None,
        ("warn", gettext("possibly missed poor household"), "") if r_identify else None,
        ("bad", gettext("possibly relapsed"), "") if r_relapse else None,
        ("alert", gettext("monitoring alert"), "") if r_monitor else None,
    ]
    return format_html_join(
        "",
        '<span class="badge badge--{}"{}>{}</span>',
        (
            (kind, format_html(' title="{}"', title) if title else "", label)
            for kind, label, title in filter(None, badges)
        ),
    )
