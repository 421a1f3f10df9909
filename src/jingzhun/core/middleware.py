"""Language: Simplified Chinese unless the user has chosen another language; no response is cached.

Django's LocaleMiddleware would follow the browser's Accept-Language, which shows an English page to an
office whose computers happen to have English browsers. Here only an explicit choice (the language
cookie) changes the language; everyone else gets ``LANGUAGE_CODE``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers


class ChosenLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (and ``Pragma: no-cache``) on every response of the application.

    Pages, API answers and exports carry people data; a browser or proxy must not keep them, or the next user
    of a shared office computer finds them in its cache or with the Back button after logging out. Every
    response gets it, whether or not the user is logged in: which answers carry people data cannot be told
    from the request (an API token authenticates only in the view), and a login page or an error page gains
    nothing from a cache. Static files are served by WhiteNoise, placed before this middleware, and stay
    cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Django's own helper: no-cache, no-store, must-revalidate, private, max-age=0 (lowering any max-age a
        # view set) and an Expires in the past.
        add_never_cache_headers(response)
        response.headers["Pragma"] = "no-cache"
        return response


class NoNulInPathMiddleware:
    """A path with a NUL names nothing: 404, before any view looks it up.

    A URL parameter taken as text (a household number) would reach the database, and PostgreSQL refuses text
    holding a NUL with an error (a server error, 500); SQLite would merely find nothing. Query parameters are
    read through :mod:`jingzhun.core.params`, which reads such a value as absent.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            raise Http404("no such page")
        return self.get_response(request)
