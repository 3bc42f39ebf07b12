"""The local library: events already downloaded, their status, and their videos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, current_app, jsonify, send_file
from flask_openapi3.blueprint import APIBlueprint

from ringConnector.errors import NotFound, shown
from ringConnector.model.days import day_text
from ringConnector.storage.library import EventLibrary
from ringConnector.web.api_key import KEYED
from ringConnector.web.downloads import connector
from ringConnector.web.openapi import LIBRARY
from ringConnector.web.schemas import Event, EventList, EventsQuery, RingIdPath, StatusChange, errors, media

bp = APIBlueprint("events", __name__)


def events() -> EventLibrary:
    """The event files of the app's Connector."""
    return connector().library


@bp.get("/connector/events", tags=[LIBRARY], responses={200: EventList, **errors(400, 401)})
def list_events(query: EventsQuery) -> Response:
    """The events downloaded for a day (default today), oldest first, with their status; with
    after=<seq>, the change feed: {events, next, more}, the events written after that number."""
    if query.after is not None:
        page = connector().feed.after(query.after, query.limit)
        return jsonify({"events": page.events, "next": page.next, "more": page.more})
    return jsonify(events().day(day_text(query.date or connector().today())))


@bp.get("/connector/events/<ring_id>", tags=[LIBRARY], responses={200: Event, **errors(401, 404)})
def get_event(path: RingIdPath) -> dict[str, Any]:
    """One downloaded event's JSON."""
    return _found(events().read(path.ring_id), path.ring_id)


@bp.patch("/connector/events/<ring_id>", tags=[LIBRARY], responses={200: Event, **errors(400, 401, 404)})
def patch_event(path: RingIdPath, body: StatusChange) -> dict[str, Any]:
    """Set an event's status; the JSON on disk follows."""
    # An unknown id is a 404 before anything touches the disk (the update takes a lock file).
    _found(events().read(path.ring_id), path.ring_id)
    return _found(events().set_status(path.ring_id, body.status), path.ring_id)


@bp.get(
    "/connector/videos/<ring_id>",
    tags=[LIBRARY],
    responses={
        200: media("video/mp4", "the video"),
        206: media("video/mp4", "the requested range"),
        304: {"description": "not modified (If-None-Match, If-Modified-Since)"},
        **errors(401, 404),
    },
)
def get_video(path: RingIdPath) -> Response:
    """The event's MP4, with Range (seeking), ETag and Last-Modified."""
    return _send(
        events().video(path.ring_id), "video/mp4", f"no downloaded video for event {shown(path.ring_id)}"
    )


@bp.get(
    "/connector/snapshots/<ring_id>",
    tags=[LIBRARY],
    responses={
        200: media("image/jpeg", "the event's still picture"),
        304: {"description": "not modified (If-None-Match, If-Modified-Since)"},
        **errors(401, 404),
    },
)
def get_snapshot(path: RingIdPath) -> Response:
    """The event's still (a JPEG: Ring's picture, or a frame of its video), with ETag and
    Last-Modified; there as soon as the first look has it, before the video."""
    return _send(events().still(path.ring_id), "image/jpeg", f"no still of event {shown(path.ring_id)}")


def _send(file: Path | None, mimetype: str, missing: str) -> Response:
    """A file of the library, conditional (ETag, Last-Modified, Range), or NotFound."""
    # The path comes from our own index, never from the request; and it stays in DATA_DIR.
    if file is None or not file.resolve().is_relative_to(events().videos_dir.resolve()):
        raise NotFound(missing)
    response = send_file(file, mimetype=mimetype, conditional=True, etag=True, max_age=3600)
    if current_app.config[KEYED]:
        # Behind the API key a shared cache must not keep the files for others.
        response.cache_control.public = False
        response.cache_control.private = True
    return response


def _found(body: dict[str, Any] | None, ring_id: str) -> dict[str, Any]:
    if body is None:
        raise NotFound(f"no downloaded event {shown(ring_id)}")
    return body
