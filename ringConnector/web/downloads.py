"""The REST endpoints: the article's two download endpoints (docs/ring-apis.md §5), jobs, record on demand."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from ringConnector.connector import Connector
from ringConnector.download.day import DayReport
from ringConnector.download.jobs import KEEP_JOBS
from ringConnector.download.on_demand import check_seconds
from ringConnector.errors import BadRequest, NotFound, shown
from ringConnector.model.days import parse_day
from ringConnector.web.bodies import json_body

bp = Blueprint("connector", __name__)
# A day has at most a few hundred events; a skip list far longer is a caller's mistake.
MAX_SKIP_IDS = 10_000


def connector() -> Connector:
    """The app's Connector."""
    found: Connector = current_app.extensions["ringConnector"]
    return found


@bp.get("/")
def liveness() -> dict[str, Any]:
    """Liveness: the process answers; says nothing about Ring."""
    return {"status": "ok", "service": "ringConnector"}


@bp.get("/connector/download/today")
def download_today() -> Response:
    """Download today's (in TIME_ZONE, at request time) new ready recordings."""
    return report_response(connector().download_day())


@bp.route("/connector/download/<day>", methods=["POST", "GET"])
def download_day(day: str) -> Response:
    """Download a day's new ready recordings; a POST body lists ring ids the caller already has.

    GET (no skip list) is there for a person with curl; the article's callers POST.
    """
    wanted = None if day == "today" else parse_day(day)  # POST .../today may carry a skip list too
    return report_response(connector().download_day(wanted, skip=skip_list()))


@bp.post("/connector/record/<device_id>")
def record_on_demand(device_id: str) -> dict[str, Any]:
    """Record `seconds` (query) on a device through a live view, then answer the clip's event JSON."""
    raw = request.args.get("seconds", "")
    # [0-9] only: str.isdigit() also takes "²", which int() then refuses.
    # A length bound first: int() refuses more than 4,300 digits with a ValueError.
    if not raw or not raw.isascii() or not raw.isdecimal() or len(raw) > 6:
        raise BadRequest(f"seconds must be a whole number of seconds, e.g. ?seconds=10; got {shown(raw)}")
    return connector().record(device_id, check_seconds(int(raw)))


@bp.post("/connector/jobs")
def start_job() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Start a day's download in the background: {"date": "YYYYMMDD", "skip": [...]}, both
    optional. Answers 202 with the job and its Location."""
    body = json_body()
    body = {} if body is None else body  # no body: today, skipping nothing
    if not isinstance(body, dict) or set(body) - {"date", "skip"}:
        raise BadRequest('the body must be {"date": "YYYYMMDD", "skip": [ring ids]} (both optional)')
    raw_day = body.get("date")
    if raw_day is not None and not isinstance(raw_day, str):
        raise BadRequest("date must be a string YYYYMMDD")
    day = parse_day(raw_day) if raw_day is not None else None
    job = connector().start_job(day, skip=ring_ids(body.get("skip", [])))
    return job.snapshot(), 202, {"Location": url_for(".job", job_id=job.id)}


@bp.get("/connector/jobs/<job_id>")
def job(job_id: str) -> dict[str, Any]:
    """A job's state and progress (events done and total, bytes)."""
    found = connector().jobs.get(job_id)
    if found is None:
        raise NotFound(f"no job {shown(job_id)} (jobs are kept in memory; the last {KEEP_JOBS})")
    return found.snapshot()


def skip_list() -> list[str]:
    """The request body: a JSON list of ring ids (strings; integers accepted); empty means none."""
    body = json_body()
    return [] if body is None else ring_ids(body)


def ring_ids(body: Any) -> list[str]:
    """A JSON list of ring ids, validated."""
    if not isinstance(body, list):
        raise BadRequest('the body must be a JSON list of ring ids, e.g. ["7289369076883314527"]')
    if len(body) > MAX_SKIP_IDS:
        raise BadRequest(f"the list has {len(body)} ids; at most {MAX_SKIP_IDS} are accepted")
    ids = []
    for item in body:
        # bool is an int in Python, but true/false are no ring ids.
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise BadRequest(f"ring ids must be strings, got {json.dumps(item)}")
        ids.append(str(item))
    return ids


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
