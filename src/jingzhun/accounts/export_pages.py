"""The three pages every browser export has, declared once: starting it (a POST from the page's button, which
queues a job of :mod:`jingzhun.core.uploads` and goes to its page), its progress (rows written of the total, a
fragment for htmx's polling) with the download link once it is written, and the download, logged.

An app declares each export with :class:`ExportPages` — the export kind (registered with
``core.uploads.export_kind_register``), its title, the guard of the routes (the same capability as the page it is
started from), how the page's filters become the job's parameters, the URL name it is started at and the page to
go back to — and routes to its three views with :meth:`ExportPages.urls`. The filters are those of the page the
button is on: the button posts to the page's query string (``?year=…``), and a form's fields come in its body; the
POST's fields win. A job is read through ``upload_job_or_404``: another user's (or another kind's) job is "not
found". The download is logged as an export with the target and detail that the writer gives (what the export
logged when it was written inside the request), plus the job. Here, above ``core``, because the access log is the
accounts app's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_POST

from jingzhun.core.models import UploadJob
from jingzhun.core.scope import scope_prefix
from jingzhun.core.uploads import export_file, export_job_create, upload_job_or_404, upload_job_progress

from .models import AccessLog
from .services import access_log_record

View = Callable[..., HttpResponseBase]
Params = Callable[..., dict[str, Any]]


def export_query(request: HttpRequest) -> QueryDict:
    """The filters an export was started with: the page's query string, overlaid with the form's fields."""
    query = request.GET.copy()
    for key in request.POST:
        if key != "csrfmiddlewaretoken":
            query.setlist(key, request.POST.getlist(key))
    return query


@dataclass(frozen=True)
class ExportPages:
    kind: str  # the export kind (core.uploads.export_kind_register)
    title: str  # what is being exported, as the page's heading: "防止返贫监测对象台账"
    guard: Callable[[View], View]  # the routes' guard, as the page's: capability_required(Capability.EXPORT_PEOPLE)
    # The job's parameters from the request, its filters (export_query) and the start URL's arguments; raises
    # PermissionDenied or Http404 to refuse, as the download in the request did.
    params: Params
    url_name: str  # "monitoring:export_monitoring": the start; its job's page and file add "_job" and "_download"
    back: Callable[[UploadJob], str]  # the URL of the page the export is started from

    @property
    def job_url(self) -> str:
        return f"{self.url_name}_job"

    @property
    def download_url(self) -> str:
        return f"{self.url_name}_download"

    def urls(self, route: str, job_route: str | None = None) -> list[URLPattern]:
        """The three routes: ``route`` starts it (it may take arguments, e.g. ``<int:distribution_id>/export/``);
        the job's page and its file are under ``job_route`` (default ``route``)."""
        name = self.url_name.rsplit(":", 1)[-1]
        jobs = route if job_route is None else job_route
        return [
            path(route, self.start, name=name),
            path(f"{jobs}<uuid:job_id>/", self.detail, name=f"{name}_job"),
            path(f"{jobs}<uuid:job_id>/download/", self.download, name=f"{name}_download"),
        ]

    @property
    def start(self) -> View:
        @self.guard
        @require_POST
        def export_start(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
            if not scope_prefix(request.user):
                raise PermissionDenied  # no area: an empty prefix would mean every area
            params = self.params(request, export_query(request), **kwargs)
            job = export_job_create(kind=self.kind, user=request.user, params=params)
            return redirect(self.job_url, job_id=job.pk)

        return export_start

    @property
    def detail(self) -> View:
        @self.guard
        @require_GET
        def export_detail(request: HttpRequest, job_id: Any) -> HttpResponse:
            job = upload_job_or_404(user=request.user, kind=self.kind, job_id=job_id)
            context = {
                "job": job,
                "title": self.title,
                "progress": upload_job_progress(job=job),
                "job_url": reverse(self.job_url, args=[job.pk]),
                "download_url": reverse(self.download_url, args=[job.pk]) if export_file(job) else "",
                "back": self.back(job),
                "keep_days": settings.EXPORT_KEEP_DAYS,
            }
            part = "progress" if request.headers.get("HX-Request") else "detail"
            return render(request, f"accounts/export_{part}.html", context)

        return export_detail

    @property
    def download(self) -> View:
        @self.guard
        @require_GET
        def export_download(request: HttpRequest, job_id: Any) -> FileResponse:
            job = upload_job_or_404(user=request.user, kind=self.kind, job_id=job_id)
            file = export_file(job)
            if file is None:
                raise Http404
            log = job.summary.get("log", {})
            access_log_record(
                user=request.user,
                action=AccessLog.Action.EXPORT,
                target=log.get("target", f"{self.kind}:{job.area_prefix}"),
                detail={**log.get("detail", {}), "job": str(job.pk)},
            )
            return FileResponse(file.open("rb"), as_attachment=True, filename=file.name)

        return export_download
