"""The REST endpoints: the article's two download endpoints (docs/ring-apis.md §5), jobs, record on demand."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, jsonify, url_for
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.types import ResponseDict

from ringConnector.connector import Connector
from ringConnector.download.day import DayReport
from ringConnector.download.jobs import KEEP_JOBS
from ringConnector.errors import NotFound, shown
from ringConnector.web.openapi import DEVICES, DOWNLOADS, STATUS
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


@bp.get("/", tags=[STATUS], responses={200: Liveness}, security=[{}])
def liveness() -> dict[str, Any]:
    """Liveness: the process answers; says nothing about Ring."""
    return {"status": "ok", "service": "ringConnector"}


@bp.get("/connector/download/today", tags=[DOWNLOADS], responses=_DOWNLOAD)
def download_today() -> Response:
    """Download today's (in TIME_ZONE, at request time) new ready recordings."""
    return report_response(connector().download_day())


@bp.get("/connector/download/<day>", tags=[DOWNLOADS], responses=_DOWNLOAD)
def download_day(path: DownloadDayPath, body: SkipList) -> Response:
    """Download a day's new ready recordings and answer what this call downloaded (for a cron
    job or a person with curl; a body, if sent, is a list of ids not to fetch, as a POST's)."""
    return report_response(connector().download_day(path.day, skip=body.ids))


@bp.post("/connector/download/<day>", tags=[DOWNLOADS], responses=_DOWNLOAD)
def download_day_skipping(path: DownloadDayPath, body: SkipList) -> Response:
    """The article's call: the body lists the ring ids the caller has for the day, and the answer
    is every event of the day it does not have (on disk already, or downloaded now), oldest
    first. Without a body, what this call downloaded, as GET.

    `today` is a day here too.
    """
    if not body.sent:
        return report_response(connector().download_day(path.day))
    report, missing = connector().missing_from(path.day, body.ids)
    return report_response(report, answer=missing)


@bp.post(
    "/connector/record/<device_id>", tags=[DEVICES], responses={200: Event, **errors(400, 401, 404, 502, 503)}
)
def record_on_demand(path: DevicePath, query: RecordQuery) -> dict[str, Any]:
    """Record `seconds` on a device now through a live view (Partner API), then answer its event JSON."""
    return connector().record(path.device_id, query.seconds)


@bp.post("/connector/jobs", tags=[DOWNLOADS], responses={202: Job, **errors(400, 401, 429)})
def start_job(body: JobRequest) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Download a day in the background: 202 with the job and its Location.

    The same day and skip list already running is the same job.
    """
    job = connector().start_job(body.date, skip=body.skip)
    return job.snapshot(), 202, {"Location": url_for(".job", job_id=job.id)}


@bp.get("/connector/jobs/<job_id>", tags=[DOWNLOADS], responses={200: Job, **errors(401, 404)})
def job(path: JobIdPath) -> dict[str, Any]:
    """A job's state and progress (events done and total, bytes)."""
    found = connector().jobs.get(path.job_id)
    if found is None:
        raise NotFound(f"no job {shown(path.job_id)} (jobs are kept in memory; the last {KEEP_JOBS})")
    return found.snapshot()


def report_response(report: DayReport, *, answer: list[dict[str, Any]] | None = None) -> Response:
    """`answer` (default: the events this call downloaded) as the body; what else happened is
    told in headers (and 503 on auth, when nothing is to be answered)."""
    events = report.downloaded if answer is None else answer
    if report.fatal is not None and not events:
        raise report.fatal
    response = jsonify(events)
    failed_ids = [failure.ring_id for failure in report.failed if failure.ring_id]
    failed_devices = [f.device_id for f in report.failed if f.ring_id is None and not f.unreadable]
    unreadable = [f for f in report.failed if f.unreadable]
    fetched = {str(body["ringId"]) for body in report.downloaded}
    response.headers["X-Download-Complete"] = "true" if report.complete else "false"
    response.headers["X-Events-Downloaded"] = str(len(report.downloaded))
    response.headers["X-Events-From-Disk"] = str(sum(str(b.get("ringId")) not in fetched for b in events))
    response.headers["X-Events-Skipped"] = str(len(report.skipped))
    response.headers["X-Events-Failed"] = str(len(failed_ids))
    if failed_ids:
        response.headers["X-Events-Failed-Ids"] = header_ids(failed_ids)
    if failed_devices:
        response.headers["X-Devices-Failed"] = header_ids(failed_devices)
    if unreadable:
        response.headers["X-Items-Unreadable"] = str(len(unreadable))
    if report.late:
        # Other days' recordings, pending since their day's download (not in the body: it lists
        # this day's events); the pipeline finds them under their own day.
        response.headers["X-Late-Downloaded-Ids"] = header_ids(str(b["ringId"]) for b in report.late)
    if report.fatal is not None:
        response.headers["X-Ring-Authorization-Required"] = "true"
    return response


def header_ids(ids: Iterable[str]) -> str:
    """Ids from Ring as one header value: each percent-encoded as in file names (a Partner id is
    an opaque string; a newline or a non-latin-1 character in a header would turn the whole
    answer into a 500 after its files were written), comma-separated. Ring's numeric ids are
    unchanged."""
    return ",".join(quote(str(ring_id), safe="") for ring_id in ids)
