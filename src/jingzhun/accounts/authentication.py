"""API token authentication (``Authorization: Bearer jz_…``) for scripts and other systems.

The token stands for its user: the API's permission and the selectors' area scope apply to that user as to a
session; the token may narrow it further (full ID numbers). Checking, logging each use and each refusal are
the service's (:func:`~jingzhun.accounts.services.api_token_authenticate`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from .models import ApiToken, User
from .services import TokenRefused, api_token_authenticate

KEYWORD = b"bearer"


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None  # no token: the session may authenticate the request
        if len(parts) != 2:
            raise AuthenticationFailed("令牌格式有误，应为 Authorization: Bearer <令牌>。")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("令牌无效。") from None
        try:
            token = api_token_authenticate(secret=secret, request=request._request)
        except TokenRefused as refused:
            raise AuthenticationFailed(str(refused)) from None
        user = token.user
        user.api_token = token
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema, as an HTTP bearer scheme."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 - the scheme's name
        )
        scheme["description"] = "安全管理员签发、用户本人领取的接口令牌：Authorization: Bearer jz_…"
        return scheme
