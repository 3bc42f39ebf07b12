"""For operators and the pipeline: health, readiness, and the account's devices."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ringConnector.service import Connector

bp = Blueprint("status", __name__)


def connector() -> Connector:
    """The app's Connector."""
    found: Connector = current_app.extensions["ringConnector"]
    return found


@bp.get("/healthz")
def healthz() -> dict[str, Any]:
    """Alive: the process answers (nothing about Ring)."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    """Ready: a token is present and Ring answers; 503 with the reason when not."""
    ready, reason = connector().readiness()
    return {"status": "ready" if ready else "not_ready", "reason": reason}, 200 if ready else 503


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus metrics, text format."""
    return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)


@bp.get("/connector/devices")
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
