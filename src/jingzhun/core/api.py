"""What every API endpoint shares: the people-data permission and the page size.

Scope is not checked here: endpoints read through selectors that apply the user's area scope, and a record
outside it is simply not found (404), so the API never tells whether it exists.
"""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission

from jingzhun.accounts.permissions import Capability, user_can


class CanViewPeople(BasePermission):
    """The role may view people data (households, members, assessments); the three administrators and
    department clerks may not."""

    message = "当前角色无权查看建档立卡数据。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return user_can(request.user, Capability.VIEW_PEOPLE)


class PeoplePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
