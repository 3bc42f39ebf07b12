"""For operators and the pipeline: health, readiness, metrics, and the account's devices."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ringConnector.storage.partner_link import read_link_term
from ringConnector.web.api_key import key_presented
from ringConnector.web.downloads import connector
from ringConnector.web.schemas import DeviceList, Liveness, Readiness, errors, media
from ringConnector.web.watch import watcher

bp = APIBlueprint("status", __name__)
# An absolute path in a message (a token file's location, say).
_PATH = re.compile(r"(?<![\w.])/[^\s:'\"]+")


@bp.get("/healthz", responses={200: Liveness}, security=[{}])
def healthz() -> dict[str, Any]:
    """Alive: the process answers (nothing about Ring)."""
    return {"status": "ok"}


@bp.get("/readyz", responses={200: Readiness, 503: Readiness}, security=[{}])
def readyz() -> tuple[dict[str, Any], int]:
    """Ready: a token is present and Ring answers; 503 with the reason when not."""
    ready, reason = connector().readiness()
    answer: dict[str, Any] = {}
    found = watcher()
    if found is not None:
        # Watch mode on: a watcher that stopped is not ready (nothing is downloaded); push down
        # is ready (polling still finds every event), and says so.
        push = found.push_status()
        answer["watch"] = {"running": found.running, "push": push["state"], "pushSince": push.get("since")}
        if key_presented():  # when the doorbell last rang is for the key's holders, not any probe
            answer["watch"]["lastMessage"] = push.get("lastMessage")
        if not found.running:
            ready, reason = False, f"{reason}; but the watcher is not running (WATCH=true)"
        elif push["state"] not in ("connected", "webhooks"):
            reason = f"{reason}; push is {push['state']}: {push.get('reason', 'polling only')}"
    term = read_link_term(connector().settings)  # RING_SOURCE=partner: a week before it runs out
    if term is not None and (warning := term.warning(connector().now().timestamp())) is not None:
        answer["warning"] = warning
    # Open without the API key: the reason names files by name only, never where they are.
    public = _PATH.sub(lambda match: Path(match[0]).name, reason)
    return {"status": "ready" if ready else "not_ready", "reason": public, **answer}, 200 if ready else 503


@bp.get("/metrics", responses={200: media("text/plain", "Prometheus text format"), **errors(401)})
def metrics() -> Response:
    """Prometheus metrics."""
    return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)


@bp.get("/connector/devices", responses={200: DeviceList, **errors(401, 502, 503)})
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
