"""For operators and the pipeline: health, readiness, and the account's devices."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template_string
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ringConnector.connector import Connector
from ringConnector.web.openapi import document

bp = Blueprint("status", __name__)
# An absolute path in a message (a token file's location, say).
_PATH = re.compile(r"(?<![\w.])/[^\s:'\"]+")


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
    # Open without the API key: the reason names files by name only, never where they are.
    public = _PATH.sub(lambda match: Path(match[0]).name, reason)
    return {"status": "ready" if ready else "not_ready", "reason": public}, 200 if ready else 503


@bp.get("/openapi.json")
def openapi_json() -> dict[str, Any]:
    """This API as an OpenAPI 3.1 document."""
    return document()


@bp.get("/docs")
def docs() -> Response:
    """A readable page of the API, rendered here from the OpenAPI document (no CDN)."""
    return Response(render_template_string(_DOCS, doc=document()), mimetype="text/html")


_DOCS = """<!doctype html><html lang="en"><meta charset="utf-8"><title>{{ doc.info.title }} API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
code{background:#f3f3f3;padding:0 .25em}h2{margin-top:2rem}.m{font-weight:bold;width:5em;display:inline-block}
</style><h1>{{ doc.info.title }} API</h1><p>{{ doc.info.description }}</p>
<p>The machine-readable document: <a href="/openapi.json">/openapi.json</a>.</p>
{% for path, item in doc.paths.items() %}<h2><code>{{ path }}</code></h2>{% for method, op in item.items()
 if method != "parameters" %}<p><span class="m">{{ method|upper }}</span>{{ op.summary }}</p><ul>
{% for status, answer in op.responses.items() %}<li><code>{{ status }}</code> {{ answer.description }}</li>
{% endfor %}</ul>{% endfor %}{% endfor %}</html>"""


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
