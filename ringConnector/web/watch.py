"""Watch mode over HTTP: its state (GET /connector/watch) and Ring's webhooks
(POST /connector/webhooks/ring, open without the API key: Ring signs them instead)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask_openapi3.blueprint import APIBlueprint

from ringConnector.config import Settings
from ringConnector.watch.watcher import Watcher
from ringConnector.watch.webhooks import SIGNATURE_HEADER, receive
from ringConnector.web.downloads import connector
from ringConnector.web.openapi import WATCH
from ringConnector.web.schemas import WatchState, errors

bp = APIBlueprint("watch", __name__)


def watcher() -> Watcher | None:
    """The app's watcher, when it watches (WATCH=true)."""
    found: Watcher | None = current_app.extensions.get("ringConnector.watcher")
    return found


@bp.get("/connector/watch", tags=[WATCH], responses={200: WatchState, **errors(401)})
def watch_state() -> dict[str, Any]:
    """Running or not, the last poll, pending events, what found them, the callback outbox."""
    found = watcher()
    if found is None:
        return {"running": False, "reason": "watch mode is off (WATCH=false)"}
    return found.status()


@bp.post(
    "/connector/webhooks/ring",
    tags=[WATCH],
    responses={
        204: {"description": "acted on (duplicates and types we ignore are acknowledged too)"},
        **errors(400, 401, 503),
    },
    security=[{}],
    openapi_extensions={
        # Documented by hand, not validated by a model: the signature is checked over the raw
        # bytes in the view, and a missing one is a 401 (Ring's retry rules), not a 400.
        "parameters": [
            {"name": SIGNATURE_HEADER, "in": "header", "required": True, "schema": {"type": "string"}}
        ],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
    },
)
def ring_webhook() -> Response:
    """Ring's signed Partner API webhooks: 204 once acted on (a ding or motion kept for the
    watcher, or, without watch mode, today's download started); 503 when it cannot be now (Ring
    retries), 400 for one older than the 80 h dedupe window (a replay)."""
    body = request.get_data(cache=False)  # the raw bytes: the signature is over them
    settings: Settings = current_app.extensions["ringConnector.settings"]
    receive(settings, connector(), watcher(), body, request.headers.get(SIGNATURE_HEADER))
    return Response(status=204)
