"""What every API endpoint shares: the page size, one shape for errors, the schema (the people-data permission
is ``accounts.api.CanViewPeople``).

Scope is not checked here: endpoints read through selectors that apply the user's area scope, and a record
outside it is simply not found (404), so the API never tells whether it exists.

Every error under ``/api/`` is JSON of one shape, ``{"detail": "原因"}`` (plus ``errors``, field by field, for
a 400 on input), whether DRF, Django's URL resolver or an unexpected exception produced it; the OpenAPI schema
documents those answers on every operation, so a client generated from it knows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler

from .params import query_page_key

API_PREFIX = "/api/"


class PeoplePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class KeysetPagination(BasePagination):
    """Pages by key instead of by number, for a list too long to count or to sort whole: ``next`` and ``previous``
    are links with ``after`` / ``before`` (an opaque key: follow the links), ``page_size`` as :class:`PeoplePagination`
    (50, at most 500). No ``count``: a page costs the same wherever it is, without reading every row before it.

    A view with this class builds its :class:`~jingzhun.core.paging.KeysetPage` itself (a selector that reads a page)
    and answers with :meth:`response`."""

    page_size = PeoplePagination.page_size
    max_page_size = PeoplePagination.max_page_size

    def size(self, request: Request) -> int:
        text = request.query_params.get("page_size", "")
        size = int(text) if text.isascii() and text.isdigit() and len(text) < 6 else 0
        return min(size, self.max_page_size) if size > 0 else self.page_size

    def keys(self, request: Request) -> tuple[str, str]:
        """``after`` and ``before``; a page number is refused (400), so that a client counting pages up to a 404
        does not read the first page forever."""
        if "page" in request.query_params:
            raise exceptions.ValidationError({"page": ["此列表按页键分页，没有页码：请沿答复中的 next 链接翻页。"]})
        return query_page_key(request.query_params, "after"), query_page_key(request.query_params, "before")

    def response(self, request: Request, page: Any, results: Any) -> Response:
        url = request.build_absolute_uri()
        url = remove_query_param(remove_query_param(url, "after"), "before")
        return Response(
            {
                "next": replace_query_param(url, "after", page.next_after) if page.next_after else None,
                "previous": replace_query_param(url, "before", page.previous_before) if page.previous_before else None,
                "results": results,
            }
        )

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        raise NotImplementedError("a keyset-paged view reads its page itself and answers with response()")

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {**link, "description": "下一页（没有下一页时为空）"},
                "previous": {**link, "description": "上一页（第一页时为空）"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        def parameter(name: str, kind: str, description: str) -> dict[str, Any]:
            return {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": kind},
            }

        return [
            parameter("after", "string", "从这一页键之后开始（取自上一答复的 next 链接）"),
            parameter("before", "string", "到这一页键之前为止（取自上一答复的 previous 链接）"),
            parameter("page_size", "integer", f"每页条数，默认 {self.page_size}，最多 {self.max_page_size}"),
        ]


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file sent as a ``multipart/form-data`` part: ``format: binary`` in the schema (DRF's own FileField is
    described as a URI, which a generated client then sends as a string)."""


# --- errors ----------------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """接口的每一种错误答复：detail 为原因；400 另有 errors 逐个列出参数的错误。"""

    detail = serializers.CharField(help_text="原因（中文）")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="仅 400：逐个参数的错误，键为参数名",
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with a validation error brought to the one shape: a ``detail`` naming the first problem,
    and ``errors`` by field. Exceptions DRF does not handle go on to :func:`server_error` (500)."""
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.ValidationError):
        return response
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"} and isinstance(data["detail"], str):
        return response  # a refusal with its reason, e.g. a monitoring step out of order
    errors = dict(_flatten(data))
    field, messages = next(iter(errors.items()), ("", ["请求有误。"]))
    summary = messages[0] if field in ("", "detail", "non_field_errors") else f"参数 {field}：{messages[0]}"
    response.data = {"detail": summary, "errors": errors}
    return response


def _flatten(data: Any, prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """``{"risk_types": {0: ["…"]}}`` as ``("risk_types.0", ["…"])``: one level of field names, lists of text."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list) and data and not all(isinstance(item, str) for item in data):
        for index, value in enumerate(data):
            yield from _flatten(value, f"{prefix}.{index}" if prefix else str(index))
    elif isinstance(data, list):
        if data:
            yield prefix, [str(item) for item in data]
    else:
        yield prefix, [str(data)]


# Django's own error views, for what DRF never sees: a path no route matches, an exception DRF does not handle.
# Under /api/ they answer JSON like the rest of the API; elsewhere, the site's pages.


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "请求有误。"}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "无权访问。"}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "接口不存在。"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "服务器内部错误，已记录；请稍后再试或联系管理员。"}, status=500)
    return defaults.server_error(request)


# --- schema ----------------------------------------------------------------------------------------------


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


class ApiSchema(AutoSchema):
    """drf-spectacular's schema, with the error answers each operation can give (all of one shape).

    401 and 403 on every operation (every one needs a user whose role may view people data); 404 where a path
    names a record or a list has pages; 400 where the operation reads query parameters or a body; and what a
    view declares in ``error_responses`` (e.g. ``{"429": "why"}`` where a search is limited).
    """

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        errors = {
            "401": _error("未登录、会话已过期，或接口令牌无效、已撤销、已过期"),
            "403": _error("当前角色无权进行此操作（或须先修改密码）"),
        }
        if self._reads_input():
            errors["400"] = _error("参数或请求体有误；errors 逐个列出")
        if "{" in self.path or getattr(self.view, "pagination_class", None):
            errors["404"] = _error("记录不存在或不在用户的区划范围内；或页码超出范围")
        for code, description in getattr(self.view, "error_responses", {}).items():
            errors[str(code)] = _error(description)
        for code, response in sorted(errors.items()):
            responses.setdefault(code, self._get_response_for_code(response, code, direction=direction))
        return responses

    def _reads_input(self) -> bool:
        if self.method in ("POST", "PUT", "PATCH"):
            return True
        return any(
            isinstance(parameter, serializers.Serializer)
            or (isinstance(parameter, type) and issubclass(parameter, serializers.Serializer))
            for parameter in self.get_override_parameters()
        )
