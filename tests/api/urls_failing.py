"""The site's URLs plus views under /api/ that fail the ways DRF does not handle, for the JSON error tests."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from jingzhun.urls import handler400, handler403, handler404, handler500
from jingzhun.urls import urlpatterns as site

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


@api_view(["GET"])
@permission_classes([AllowAny])
def broken(request: Request) -> Response:
    raise RuntimeError("a defect")


def refused(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


urlpatterns = [path("api/broken/", broken), path("api/refused/", refused), *site]
