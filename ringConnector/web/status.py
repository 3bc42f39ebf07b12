"""For operators and the pipeline: health, readiness, metrics, and the account's devices."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request
from flask_openapi3.blueprint import APIBlueprint
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ringConnector.errors import DataDirUnwritable
from ringConnector.storage.data_dir import check_writable
from ringConnector.storage.partner_link import read_link_term
from ringConnector.web.api_key import key_presented
from ringConnector.web.downloads import connector
from ringConnector.web.openapi import DEVICES, STATUS
from ringConnector.web.schemas import DeviceList, Liveness, Readiness, errors, media
from ringConnector.web.watch import watcher

bp = APIBlueprint("status", __name__)
# An absolute path in a message (a token file's location, say).
_PATH = re.compile(r"(?<![\w.])/[^\s:'\"]+")
# The blueprints whose endpoints read or write DATA_DIR (liveness aside).
DATA_BLUEPRINTS = frozenset({"connector", "events", "watch"})
# Endpoints of those that answer whatever DATA_DIR's state: the watcher's own state says why its
# rounds fail (a full disk, say), which is when it is wanted most.
ANSWER_ANYWAY = frozenset({"connector.liveness", "watch.watch_state"})


def require_writable_data_dir(app: Flask) -> None:
    """With DATA_DIR not writable, the endpoints that use it answer 503 saying so (before, a
    download failed half-way with a 500); it is checked on each request, so fixing the folder's
    permissions needs no restart."""

    @app.before_request
    def check_data_dir() -> None:
        if request.blueprint in DATA_BLUEPRINTS and request.endpoint not in ANSWER_ANYWAY:
            settings = connector().settings
            check_writable(settings.data_dir, settings.videos_dir)


@bp.get("/healthz", tags=[STATUS], responses={200: Liveness}, security=[{}])
def healthz() -> dict[str, Any]:
    """Alive: the process answers (nothing about Ring)."""
    return {"status": "ok"}


@bp.get("/readyz", tags=[STATUS], responses={200: Readiness, 503: Readiness}, security=[{}])
def readyz() -> tuple[dict[str, Any], int]:
    """Ready: DATA_DIR can be written, a token is present and Ring answers; 503 with the reason
    when not."""
    settings = connector().settings
    try:
        check_writable(settings.data_dir, settings.videos_dir)
    except DataDirUnwritable as ex:
        ready, reason = False, str(ex)
    else:
        ready, reason = connector().readiness()
    answer: dict[str, Any] = {}
    found = watcher()
    if found is not None:
        # Watch mode on: a watcher that stopped, fails its rounds (it retries them) or is hung is
        # not ready (nothing is downloaded); push down is ready (polling still finds every
        # event), and says so.
        push = found.push_status()
        state, why = found.state()
        answer["watch"] = {
            "running": found.running,
            "state": state,
            "push": push["state"],
            "pushSince": push.get("since"),
        }
        if key_presented():  # when the doorbell last rang is for the key's holders, not any probe
            answer["watch"]["lastMessage"] = push.get("lastMessage")
        if state == "stopped":
            ready, reason = False, f"{reason}; but {why} (WATCH=true)"
        elif why is not None:
            ready, reason = False, f"{reason}; but {why}"
        elif push["state"] not in ("connected", "webhooks"):
            reason = f"{reason}; push is {push['state']}: {push.get('reason', 'polling only')}"
    term = read_link_term(connector().settings)  # RING_SOURCE=partner: a week before it runs out
    if term is not None and (warning := term.warning(connector().now().timestamp())) is not None:
        answer["warning"] = warning
    # Open without the API key: the reason names files by name only, never where they are.
    public = _PATH.sub(lambda match: Path(match[0]).name, reason)
    return {"status": "ready" if ready else "not_ready", "reason": public, **answer}, 200 if ready else 503


@bp.get(
    "/metrics", tags=[STATUS], responses={200: media("text/plain", "Prometheus text format"), **errors(401)}
)
def metrics() -> Response:
    """Prometheus metrics."""
    return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)


@bp.get("/connector/devices", tags=[DEVICES], responses={200: DeviceList, **errors(401, 502, 503)})
def devices() -> Response:
    """The account's video devices: id, name, kind, type, time zone, has recordings."""
    return jsonify(
        [
            {
                "id": d.id,
                "name": d.name,
                "kind": d.kind,
                "type": d.device_type,
                "timeZone": d.time_zone,
                "hasRecordings": d.has_recordings,
            }
            for d in connector().devices()
        ]
    )
