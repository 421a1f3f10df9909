"""The API's permission classes, from the role's capabilities."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from .permissions import Capability, user_can


class CanViewPeople(BasePermission):
    """The role may view people data (households, members, assessments); the three administrators and
    department clerks may not."""

    message = "当前角色无权查看建档立卡数据。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return user_can(request.user, Capability.VIEW_PEOPLE)
