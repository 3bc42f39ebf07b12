"""The local library: events already downloaded, their status, and their videos."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, send_file

from ringConnector.connector import Connector
from ringConnector.errors import BadRequest, NotFound, shown
from ringConnector.model.days import day_text, parse_day
from ringConnector.model.events import STATUSES
from ringConnector.storage.library import EventLibrary
from ringConnector.web.api_key import KEYED
from ringConnector.web.bodies import json_body

bp = Blueprint("events", __name__)


def events() -> EventLibrary:
    """The event files of the app's Connector."""
    connector: Connector = current_app.extensions["ringConnector"]
    return connector.library


@bp.get("/connector/events")
def list_events() -> Response:
    """The events downloaded for a day (?date=YYYYMMDD, default today), oldest first."""
    raw = request.args.get("date")
    connector: Connector = current_app.extensions["ringConnector"]
    day = parse_day(raw) if raw is not None else connector.today()
    return jsonify(events().day(day_text(day)))


@bp.get("/connector/events/<ring_id>")
def get_event(ring_id: str) -> dict[str, Any]:
    """One downloaded event's JSON."""
    return _found(events().read(ring_id), ring_id)


@bp.patch("/connector/events/<ring_id>")
def patch_event(ring_id: str) -> dict[str, Any]:
    """Set an event's status ({"status": "PROCESSED"}); the JSON on disk follows."""
    body = json_body()
    if not isinstance(body, dict) or set(body) != {"status"} or body["status"] not in STATUSES:
        raise BadRequest(f'the body must be {{"status": one of {", ".join(STATUSES)}}}')
    # An unknown id is a 404 before anything touches the disk (the update takes a lock file).
    _found(events().read(ring_id), ring_id)
    return _found(events().set_status(ring_id, body["status"]), ring_id)


@bp.get("/connector/videos/<ring_id>")
def get_video(ring_id: str) -> Response:
    """The event's MP4, with Range (seeking), ETag and Last-Modified."""
    video = events().video(ring_id)
    if video is None:
        raise NotFound(f"no downloaded video for event {shown(ring_id)}")
    # The path comes from our own index, never from the request; and it stays in DATA_DIR.
    connector: Connector = current_app.extensions["ringConnector"]
    if not video.resolve().is_relative_to(connector.library.videos_dir.resolve()):
        raise NotFound(f"no downloaded video for event {shown(ring_id)}")
    response = send_file(video, mimetype="video/mp4", conditional=True, etag=True, max_age=3600)
    if current_app.config[KEYED]:
        # Behind the API key a shared cache must not keep the video for others.
        response.cache_control.public = False
        response.cache_control.private = True
    return response


def _found(body: dict[str, Any] | None, ring_id: str) -> dict[str, Any]:
    if body is None:
        raise NotFound(f"no downloaded event {shown(ring_id)}")
    return body
