"""``{% select_options field %}``: the ``<option>`` elements of a filter's select, the chosen one selected.

Written in Python, not with a template loop: a county's village select has hundreds of options (thousands in a
county of a million households), and the template loop over them was most of a list page's time.
"""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeData, SafeString, mark_safe

register = template.Library()


def _text(value: Any) -> str:
    return str(value) if isinstance(value, SafeData) else html.escape(str(value), quote=True)


@register.simple_tag
def select_options(field: BoundField) -> SafeString:
    """Every choice of ``field`` as an option; the one equal to the field's value (as text) is selected."""
    current = field.value()
    current = "" if current is None else str(current)
    options = [
        f'<option value="{_text(value)}"{" selected" if str(value) == current else ""}>{_text(label)}</option>'
        for value, label in field.field.choices  # type: ignore[attr-defined]
    ]
    return mark_safe("".join(options))  # noqa: S308 - every value and label escaped above
