"""The site's routes with the report routes under /supervision/ (namespace ``supervision``), for the report tests
until the app's own ``supervision.urls`` includes ``report_urls``."""

from django.urls import include, path

from jingzhun import urls as site
from jingzhun.supervision import report_urls

urlpatterns = [path("supervision/", include((report_urls.urlpatterns, "supervision"))), *site.urlpatterns]

handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500
