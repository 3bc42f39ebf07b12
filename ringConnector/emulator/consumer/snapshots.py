"""The consumer API's picture of an event: GET /clients_api/snapshots/uuid?uuid=<uuid>, the uuid
the push's `img.snapshot_uuid` names (ring-client-api's getSnapshotByUuid, ring-camera.ts, with
`accept: image/jpeg`; its cleanSnapshotUuid drops what follows ":"; the push shape is
python-ring-doorbell's fixture tests/fixtures/listen/camera_motion_img.json).

What Ring answers for a uuid it has no picture of (yet) has no public source: a 404 here, as
the API answers other unknown things (an assumption; the connector takes any failure as "none").
"""

from __future__ import annotations

from aiohttp import web

from ..http.gate import GATE, json_error
from ..http.stills import corrupt_jpeg, still_jpeg


async def snapshot_by_uuid(request: web.Request) -> web.Response:
    """GET /clients_api/snapshots/uuid?uuid=...: the event's JPEG, or 404."""
    state = request.app[GATE].state
    wanted = request.query.get("uuid", "").split(":", 1)[0]
    event = state.event_by_snapshot_uuid(wanted) if wanted else None
    status = state.still_status(event) if event is not None else "none"
    if event is None or status not in ("ready", "corrupt"):
        return json_error(404, {"error": "Not Found"})
    body = still_jpeg(str(event.id)) if status == "ready" else corrupt_jpeg(str(event.id))
    return web.Response(body=body, content_type="image/jpeg")
