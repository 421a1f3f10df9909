"""Benchmark: the monitoring ledger exported from the browser as a background job (issue 26).

    uv run python bench/exports.py --households 1000000
    uv run python bench/exports.py --data bench/out/assess/county-1000000/imported --households 1000000

On a copy of a county — ``bench/assess.py``'s (generated and imported when missing), or the imported data
directory given with ``--data``, which is only read — with its assessment and the monitoring cases it opens
(``jingzhun assess --year 2020``, ``jingzhun monitor open --year 2020``; kept under
``bench/out/exports/county-N/cases`` for the next run unless ``--fresh``), as a county office user, each lane in
its own process:

- start: the POST of the case list's button (``monitoring:export_monitoring``) through Django's test client, with
  the real task backend (django_tasks_db): the request's time, and the job it queued;
- job: ``jingzhun db_worker --batch``, the worker ``jingzhun serve`` runs, takes it from the queue: the job's own
  time (started → finished), the worker process's wall time and peak RSS (GNU time), and the rows written as the
  progress page would show them, read every second from the job's progress file;
- pages: the job's page as htmx polls it, and the download of the file (read to the end), each request timed.

Figures go to ``bench/out/exports/exports-N.json`` and are summarised on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assess import OUT as ASSESS_OUT  # noqa: E402
from bench.assess import child_result, county_prepare, jingzhun, say, timed  # noqa: E402

OUT = ROOT / "bench" / "out" / "exports"
YEAR = 2020
USER = "bench-export-county"
# Django's test client asks for the host "testserver".
ENV = {"JINGZHUN_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}


def child(kind: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, *args]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()


def _client() -> Any:
    from django.test import Client

    from jingzhun.accounts.models import Role, User
    from jingzhun.areas.models import Area, Level

    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    assert county is not None
    user, _ = User.objects.get_or_create(username=USER, defaults={"role": Role.COUNTY, "area": county})
    client = Client()
    client.force_login(user)
    return client


def lane_start() -> dict[str, Any]:
    """The button's POST: what the office's browser waits for."""
    _setup()
    from django.urls import reverse

    from jingzhun.core.models import UploadJob

    client = _client()
    client.get(reverse("monitoring:case_list"))  # warm: the first request loads the URL conf and templates
    started = time.perf_counter()
    response = client.post(reverse("monitoring:export_monitoring"))
    seconds = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    job = UploadJob.objects.get(kind="monitoring_ledger", status=UploadJob.Status.QUEUED)
    from django_tasks_db.models import DBTaskResult

    return {
        "request_ms": seconds * 1000,
        "status": response.status_code,
        "job": str(job.pk),
        "queued_tasks": DBTaskResult.objects.filter(status="READY").count(),
    }


def lane_pages(job_id: str) -> dict[str, Any]:
    """The job's page as htmx polls it, then the download read to the end."""
    _setup()
    from django.urls import reverse

    from jingzhun.core.models import UploadJob

    client = _client()
    job = UploadJob.objects.get(pk=job_id)
    page_url = reverse("monitoring:export_monitoring_job", args=[job.pk])
    client.get(page_url)  # warm
    started = time.perf_counter()
    page = client.get(page_url, HTTP_HX_REQUEST="true")
    page_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    download = client.get(reverse("monitoring:export_monitoring_download", args=[job.pk]))
    size = sum(len(chunk) for chunk in download.streaming_content)
    download_s = time.perf_counter() - started
    return {
        "status": job.status,
        "message": job.message,
        "rows": job.summary.get("rows"),
        "job_seconds": (job.finished_at - job.started_at).total_seconds(),
        "queue_wait_seconds": (job.started_at - job.created_at).total_seconds(),
        "page_ms": page_ms,
        "page_status": page.status_code,
        "download_status": download.status_code,
        "download_seconds": download_s,
        "file_mb": size / 1024**2,
        "file_name": Path(job.report_path).name,
    }


def lane_cases() -> dict[str, Any]:
    _setup()
    from jingzhun.monitoring.models import MonitoringCase

    cases = MonitoringCase.objects
    return {"cases": cases.count(), "open": cases.filter(closed_on__isnull=True).count()}


CHILDREN = {"start": lane_start, "pages": lane_pages, "cases": lane_cases}


def _copy(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for item in ("jingzhun.sqlite3", "secret_key"):
        shutil.copy(source / item, target / item)


def cases_prepare(households: int, data: Path | None, *, fresh: bool) -> tuple[Path, dict[str, Any]]:
    """A copy of the county with its assessment and monitoring cases (made once, then reused)."""
    if data is None:
        county_prepare(households, seed=1, events_per_1000=10, fresh=False)
        data = ASSESS_OUT / f"county-{households}" / "imported"
    prepared = OUT / f"county-{households}" / "cases"
    meta_path = prepared.parent / "cases.json"
    if not fresh and meta_path.exists() and (prepared / "jingzhun.sqlite3").exists():
        return prepared, {**json.loads(meta_path.read_text()), "cached": True}
    say(f"county {households:,}: copying {data} …")
    _copy(data, prepared)
    env = {"JINGZHUN_DATA_DIR": str(prepared)}
    meta: dict[str, Any] = {"source": str(data)}
    timed(jingzhun("migrate", "--verbosity", "0"), env)
    say(f"county {households:,}: jingzhun assess --year {YEAR} …")
    run = timed(jingzhun("assess", "--year", str(YEAR)), env)
    meta["assess"] = {"seconds": run["seconds"], "peak_rss_mb": run["peak_rss_mb"]}
    say(f"county {households:,}: jingzhun monitor open --year {YEAR} …")
    run = timed(jingzhun("monitor", "open", "--year", str(YEAR)), env)
    meta["monitor_open"] = {"seconds": run["seconds"], "peak_rss_mb": run["peak_rss_mb"], "output": run["stdout"]}
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    return prepared, meta


def _progress_samples(folder: Path, worker: subprocess.Popen[str]) -> list[dict[str, Any]]:
    """The job's progress file every second while the worker runs: what the progress page shows."""
    samples, started = [], time.perf_counter()
    while worker.poll() is None:
        try:
            data = json.loads((folder / "progress.json").read_text())
            samples.append({"t": round(time.perf_counter() - started, 1), **data})
        except (OSError, ValueError):
            pass
        time.sleep(1)
    return samples


def county_run(households: int, data: Path | None, *, fresh: bool) -> dict[str, Any]:
    prepared, meta = cases_prepare(households, data, fresh=fresh)
    work = OUT / f"county-{households}" / "run"
    _copy(prepared, work)
    env = {**ENV, "JINGZHUN_DATA_DIR": str(work)}
    figures: dict[str, Any] = {"households": households, "prepared": meta}
    figures["cases"] = child_result(timed(child("cases"), env))
    say(f"county {households:,}: {figures['cases']['open']:,} open cases; the button's POST …")
    figures["start"] = child_result(timed(child("start"), env))
    job = figures["start"]["job"]
    say(f"  answered in {figures['start']['request_ms']:.0f} ms; jingzhun db_worker --batch runs the job …")
    folder = work / "jobs" / "monitoring_ledger" / job.replace("-", "")
    command = ["/usr/bin/time", "-f", "%M", *jingzhun("db_worker", "--batch", "--no-startup-delay")]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    worker = subprocess.Popen(
        command, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    samples = _progress_samples(folder, worker)
    _out, err = worker.communicate()
    wall = time.perf_counter() - started
    if worker.returncode != 0:
        sys.exit(f"db_worker failed ({worker.returncode}):\n{err}")
    figures["worker"] = {
        "seconds": wall,
        "peak_rss_mb": int(err.strip().splitlines()[-1]) / 1024,
        "progress": samples,
        # The machine may be shared: the 1-minute load average when the worker started and when it ended.
        "load_average": [load_before, os.getloadavg()[0]],
    }
    figures["pages"] = child_result(timed(child("pages", job), env))
    return figures


def summary(figures: dict[str, Any]) -> str:
    start, worker, pages = figures["start"], figures["worker"], figures["pages"]
    progress = worker["progress"]
    shown = ", ".join(f"{p['t']:.0f} s: {p['done']:,}/{p['total']:,}" for p in progress[:: max(len(progress) // 6, 1)])
    return "\n".join(
        [
            f"county of {figures['households']:,} households, {figures['cases']['open']:,} open monitoring cases",
            f"  start (POST):      {start['request_ms']:.0f} ms, HTTP {start['status']}, job queued",
            f"  job:               {pages['status']}, {pages['rows']:,} rows in {pages['job_seconds']:.1f} s "
            f"(waited {pages['queue_wait_seconds']:.1f} s in the queue); {pages['file_mb']:.1f} MB",
            f"  worker process:    {worker['seconds']:.1f} s wall (Django start included), "
            f"peak RSS {worker['peak_rss_mb']:.0f} MB; load average {worker['load_average'][0]:.1f} → "
            f"{worker['load_average'][1]:.1f} on {os.cpu_count()} CPUs",
            f"  progress shown:    {shown}",
            f"  job page (htmx):   {pages['page_ms']:.0f} ms; download {pages['download_seconds']:.2f} s",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--data", type=Path, help="an imported county's data directory (copied, never written)")
    parser.add_argument("--fresh", action="store_true", help="assess and open the cases again")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](*rest), default=str, ensure_ascii=False))
        return
    figures = county_run(args.households, args.data, fresh=args.fresh)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"exports-{args.households}.json").write_text(json.dumps(figures, indent=2, default=str, ensure_ascii=False))
    print(summary(figures))


if __name__ == "__main__":
    main()
