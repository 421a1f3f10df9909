"""``{% if user|can:"view_people" %}``: what the templates may show a user, from the role's capabilities."""

from __future__ import annotations

from typing import Any

from django import template

from jingzhun.accounts.permissions import Capability, user_can

register = template.Library()


@register.filter
def can(user: Any, capability: str) -> bool:
    return user_can(user, Capability(capability))
