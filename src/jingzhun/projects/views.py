"""The project library pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.permissions import Capability

view_projects = capability_required(Capability.VIEW_PROJECTS)


@view_projects
def project_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")
