"""The REST endpoints: the article's two download endpoints (docs/ring-apis.md §5), jobs, record on demand."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, url_for
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.types import ResponseDict

from ringConnector.connector import Connector
from ringConnector.download.day import DayReport
from ringConnector.download.jobs import KEEP_JOBS
from ringConnector.errors import NotFound, shown
from ringConnector.web.schemas import (
    DevicePath,
    DownloadDayPath,
    Downloaded,
    Event,
    Job,
    JobIdPath,
    JobRequest,
    Liveness,
    RecordQuery,
    SkipList,
    errors,
)

bp = APIBlueprint("connector", __name__)
_DOWNLOAD: ResponseDict = {200: Downloaded, **errors(400, 401, 502, 503)}


def connector() -> Connector:
    """The app's Connector."""
    found: Connector = current_app.extensions["ringConnector"]
    return found


@bp.get("/", responses={200: Liveness}, security=[{}])
def liveness() -> dict[str, Any]:
    """Liveness: the process answers; says nothing about Ring."""
    return {"status": "ok", "service": "ringConnector"}


@bp.get("/connector/download/today", responses=_DOWNLOAD)
def download_today() -> Response:
    """Download today's (in TIME_ZONE, at request time) new ready recordings."""
    return report_response(connector().download_day())


@bp.get("/connector/download/<day>", responses=_DOWNLOAD)
def download_day(path: DownloadDayPath, body: SkipList) -> Response:
    """Download a day's new ready recordings (GET, for a person with curl; a body is read as a POST's)."""
    return download(path, body)


@bp.post("/connector/download/<day>", responses=_DOWNLOAD)
def download_day_skipping(path: DownloadDayPath, body: SkipList) -> Response:
    """Download a day's new ready recordings, skipping the ring ids the caller already has.

    The article's callers POST; `today` is a day here too, so today's download may skip as well.
    """
    return download(path, body)


@bp.post("/connector/record/<device_id>", responses={200: Event, **errors(400, 401, 404, 502, 503)})
def record_on_demand(path: DevicePath, query: RecordQuery) -> dict[str, Any]:
    """Record `seconds` on a device now through a live view (Partner API), then answer its event JSON."""
    return connector().record(path.device_id, query.seconds)


@bp.post("/connector/jobs", responses={202: Job, **errors(400, 401, 429)})
def start_job(body: JobRequest) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Download a day in the background: 202 with the job and its Location.

    The same day and skip list already running is the same job.
    """
    job = connector().start_job(body.date, skip=body.skip)
    return job.snapshot(), 202, {"Location": url_for(".job", job_id=job.id)}


@bp.get("/connector/jobs/<job_id>", responses={200: Job, **errors(401, 404)})
def job(path: JobIdPath) -> dict[str, Any]:
    """A job's state and progress (events done and total, bytes)."""
    found = connector().jobs.get(path.job_id)
    if found is None:
        raise NotFound(f"no job {shown(path.job_id)} (jobs are kept in memory; the last {KEEP_JOBS})")
    return found.snapshot()


def download(path: DownloadDayPath, body: SkipList) -> Response:
    """The day's download, answered."""
    return report_response(connector().download_day(path.day, skip=body.root))


def report_response(report: DayReport) -> Response:
    """The list of events this call downloaded; failures are told in headers (and 503 on auth)."""
    if report.fatal is not None and not report.downloaded:
        raise report.fatal
    response = jsonify(report.downloaded)
    failed_ids = [failure.ring_id for failure in report.failed if failure.ring_id]
    # Ids, not names: header values must be ASCII, and names may hold commas or umlauts.
    failed_devices = [f.device_id for f in report.failed if f.ring_id is None and not f.unreadable]
    unreadable = [f for f in report.failed if f.unreadable]
    response.headers["X-Download-Complete"] = "true" if report.complete else "false"
    response.headers["X-Events-Downloaded"] = str(len(report.downloaded))
    response.headers["X-Events-Skipped"] = str(len(report.skipped))
    response.headers["X-Events-Failed"] = str(len(failed_ids))
    if failed_ids:
        response.headers["X-Events-Failed-Ids"] = ",".join(failed_ids)
    if failed_devices:
        response.headers["X-Devices-Failed"] = ",".join(failed_devices)
    if unreadable:
        response.headers["X-Items-Unreadable"] = str(len(unreadable))
    if report.late:
        # Other days' recordings, pending since their day's download (not in the body: it lists
        # this day's events); the pipeline finds them under their own day.
        response.headers["X-Late-Downloaded-Ids"] = ",".join(str(b["ringId"]) for b in report.late)
    if report.fatal is not None:
        response.headers["X-Ring-Authorization-Required"] = "true"
    return response
