"""Session timeouts (等保三级: 登录连接超时自动退出): idle and absolute, checked on every request.

Settings (seconds): ``SESSION_IDLE_TIMEOUT`` — logged out after this long without a request (default 30 min);
``SESSION_ABSOLUTE_TIMEOUT`` — logged out this long after logging in, however active (default 8 h).
The times are kept in the session as POSIX timestamps under the keys below.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

LOGIN_AT = "jingzhun_login_at"
SEEN_AT = "jingzhun_seen_at"
# Writing the session on every request would cost a database write per page; a minute's precision is enough.
SEEN_AT_PRECISION = 60


def session_start(request: HttpRequest) -> None:
    now = timezone.now().timestamp()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


def session_expiry_reason(request: HttpRequest) -> str | None:
    """``"idle"`` or ``"absolute"`` when the session has run out, else None (and the last-seen time is renewed)."""
    now = timezone.now().timestamp()
    session = request.session
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT)
    if login_at is None or seen_at is None:  # a session from before these keys existed
        session_start(request)
        return None
    if now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT:
        return "absolute"
    if now - seen_at > settings.SESSION_IDLE_TIMEOUT:
        return "idle"
    if now - seen_at >= SEEN_AT_PRECISION:
        session[SEEN_AT] = now
    return None
