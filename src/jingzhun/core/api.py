"""What every API endpoint shares: the page size (the people-data permission is ``accounts.api.CanViewPeople``).

Scope is not checked here: endpoints read through selectors that apply the user's area scope, and a record
outside it is simply not found (404), so the API never tells whether it exists.
"""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class PeoplePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
