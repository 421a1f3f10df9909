"""The site's routes with the report routes under /supervision/ (namespace ``supervision``), for the report tests
while the app's own ``supervision.urls`` does not include ``report_urls``: its routes (if the module exists) and
the report routes are mounted together first, so that every ``supervision:`` name resolves in one namespace.
Once ``supervision.urls`` includes the report routes this is the site's urlconf as it is."""

from importlib.util import find_spec

from django.urls import URLPattern, URLResolver, include, path

from jingzhun import urls as site
from jingzhun.supervision import report_urls

patterns: list[URLPattern | URLResolver] = list(report_urls.urlpatterns)
if find_spec("jingzhun.supervision.urls") is not None:
    from jingzhun.supervision import urls as app_urls

    reports = {getattr(p, "name", None) for p in patterns}
    patterns = [p for p in app_urls.urlpatterns if getattr(p, "name", None) not in reports] + patterns

urlpatterns = [path("supervision/", include((patterns, "supervision"))), *site.urlpatterns]

handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500
