"""The API described as an OpenAPI 3.1 document (its schemas are plain JSON Schema 2020-12)."""

from __future__ import annotations

from typing import Any

from ringConnector.model.events import ARTICLE_FIELDS, STATUSES

ERROR = {"$ref": "#/components/schemas/Error"}
EVENT = {"$ref": "#/components/schemas/Event"}
JOB = {"$ref": "#/components/schemas/Job"}
RING_ID = {"name": "ring_id", "in": "path", "required": True, "schema": {"type": "string"}}
DAY = {"type": "string", "pattern": "^[0-9]{8}$", "description": "YYYYMMDD, in TIME_ZONE"}
SKIP = {"type": "array", "items": {"type": ["string", "integer"]}, "maxItems": 10000}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    words = {
        400: "bad input",
        401: "no or wrong API key",
        404: "not found",
        429: "too many background downloads running; Retry-After says when to try again",
        502: "Ring failed",
        503: "Ring sign-in needed (or not ready)",
    }
    return {str(status): _json(ERROR, words[status]) for status in statuses}


_DOWNLOADED = _json(
    {"type": "array", "items": EVENT},
    "The events this call downloaded. Headers X-Download-Complete, X-Events-Downloaded, "
    "X-Events-Skipped, X-Events-Failed (and X-Events-Failed-Ids, X-Devices-Failed, X-Items-Unreadable, "
    "X-Ring-Authorization-Required) tell what else happened.",
)
_DOWNLOAD = {"responses": {"200": _DOWNLOADED, **_errors(400, 401, 502, 503)}}
_DOWNLOAD_BODY = {"required": False, "content": {"application/json": {"schema": SKIP}}}

PATHS: dict[str, Any] = {
    "/openapi.json": {
        "get": {"summary": "This document", "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")}}
    },
    "/docs": {
        "get": {
            "summary": "A readable page of this document",
            "responses": {
                "200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}
            },
        }
    },
    "/": {"get": {"summary": "Liveness", "responses": {"200": _json({"type": "object"}, "alive")}}},
    "/healthz": {"get": {"summary": "Alive", "responses": {"200": _json({"type": "object"}, "alive")}}},
    "/readyz": {
        "get": {
            "summary": "Ready: a token and Ring answering",
            "responses": {
                "200": _json({"$ref": "#/components/schemas/Readiness"}, "ready"),
                "503": _json({"$ref": "#/components/schemas/Readiness"}, "not ready, with the reason"),
            },
        }
    },
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics",
            "responses": {
                "200": {
                    "description": "text format",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                **_errors(401),
            },
        }
    },
    "/connector/download/today": {
        "get": {"summary": "Download today's new ready recordings", **_DOWNLOAD},
        "post": {
            "summary": "Download today's, skipping the ids given",
            "requestBody": _DOWNLOAD_BODY,
            **_DOWNLOAD,
        },
    },
    "/connector/download/{day}": {
        "parameters": [{"name": "day", "in": "path", "required": True, "schema": DAY}],
        "get": {"summary": "Download a day's new ready recordings", **_DOWNLOAD},
        "post": {
            "summary": "Download a day's, skipping the ids given",
            "requestBody": _DOWNLOAD_BODY,
            **_DOWNLOAD,
        },
    },
    "/connector/record/{device_id}": {
        "post": {
            "summary": "Record N seconds now (Partner API) and download them",
            "parameters": [
                {"name": "device_id", "in": "path", "required": True, "schema": {"type": "string"}},
                {
                    "name": "seconds",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 900},
                },
            ],
            "responses": {"200": _json(EVENT, "the recording's event"), **_errors(400, 401, 404, 502, 503)},
        }
    },
    "/connector/events": {
        "get": {
            "summary": "The events downloaded for a day, with their status",
            "parameters": [{"name": "date", "in": "query", "required": False, "schema": DAY}],
            "responses": {
                "200": _json({"type": "array", "items": EVENT}, "oldest first"),
                **_errors(400, 401),
            },
        }
    },
    "/connector/events/{ring_id}": {
        "parameters": [RING_ID],
        "get": {
            "summary": "One downloaded event",
            "responses": {"200": _json(EVENT, "the event"), **_errors(401, 404)},
        },
        "patch": {
            "summary": "Set the event's status",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["status"],
                            "additionalProperties": False,
                            "properties": {"status": {"enum": list(STATUSES)}},
                        }
                    }
                },
            },
            "responses": {"200": _json(EVENT, "the event, updated"), **_errors(400, 401, 404)},
        },
    },
    "/connector/videos/{ring_id}": {
        "parameters": [RING_ID],
        "get": {
            "summary": "The event's MP4 (Range, ETag, Last-Modified)",
            "responses": {
                "200": {"description": "the video", "content": {"video/mp4": {"schema": {"type": "string"}}}},
                "206": {
                    "description": "the requested range",
                    "content": {"video/mp4": {"schema": {"type": "string"}}},
                },
                "304": {"description": "not modified (If-None-Match)"},
                **_errors(401, 404),
            },
        },
    },
    "/connector/devices": {
        "get": {
            "summary": "The account's video devices",
            "responses": {
                "200": _json({"type": "array", "items": {"$ref": "#/components/schemas/Device"}}, "devices"),
                **_errors(401, 502, 503),
            },
        }
    },
    "/connector/jobs": {
        "post": {
            "summary": "Download a day in the background",
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"date": DAY, "skip": SKIP},
                        }
                    }
                },
            },
            "responses": {
                "202": _json(JOB, "started (or the same day and skip list already running); Location"),
                **_errors(400, 401, 429),
            },
        }
    },
    "/connector/jobs/{job_id}": {
        "get": {
            "summary": "A job's state and progress",
            "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": _json(JOB, "the job"), **_errors(401, 404)},
        }
    },
    "/connector/watch": {
        "get": {
            "summary": "Watch mode: running or not, the last poll, pending events, the callback outbox",
            "responses": {
                "200": _json({"$ref": "#/components/schemas/Watch"}, "the watcher"),
                **_errors(401),
            },
        }
    },
    "/connector/webhooks/ring": {
        "post": {
            "summary": "Ring's Partner API webhooks, signed (X-Signature: sha256=<HMAC>); no API key",
            "parameters": [
                {"name": "X-Signature", "in": "header", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "responses": {
                "204": {"description": "received (duplicates and ignored types too)"},
                **_errors(400, 401),
            },
        }
    },
}

SCHEMAS: dict[str, Any] = {
    "Watch": {
        "type": "object",
        "required": ["running"],
        "properties": {
            "running": {"type": "boolean"},
            "reason": {"type": "string"},
            "since": {"type": ["string", "null"]},
            "lastPoll": {"type": ["string", "null"]},
            "lastError": {"type": ["string", "null"]},
            "polls": {"type": "integer"},
            "pollInterval": {"type": "number"},
            "found": {"type": "object", "additionalProperties": {"type": "integer"}},
            "pending": {"type": "array", "items": {"type": "object"}},
            "lastAnnouncement": {"type": ["object", "null"]},
            "push": {"type": ["object", "null"]},
            "outbox": {"type": "integer", "description": "event JSON still to deliver to CALLBACK_URL"},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "additionalProperties": False,
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    },
    "Event": {
        "type": "object",
        "description": "The article's event JSON; sources add fields (deviceId, subType, clipStart ...).",
        "required": list(ARTICLE_FIELDS),
        "properties": {
            "ringId": {"type": "string"},
            "date": {"type": "string", "pattern": "^[0-9]{8}$"},
            "eventName": {"type": "string", "pattern": "^[0-9]{8}-[0-9]{6}$"},
            "createdAt": {"type": "string", "pattern": "Z$"},
            "answered": {"type": "boolean"},
            "kind": {"type": "string"},
            "duration": {"type": ["number", "null"]},
            "videoFileName": {"type": "string"},
            "status": {"type": "string"},
            "deviceId": {"type": "string"},
            "deviceName": {"type": "string"},
        },
    },
    "Device": {
        "type": "object",
        "required": ["id", "name", "kind", "type", "timeZone", "hasRecordings"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"type": "string"},
            # "video" on the Partner API, which has no device kind (docs/ring-apis.md §2.2).
            "type": {"enum": ["doorbots", "authorized_doorbots", "stickup_cams", "video"]},
            "timeZone": {"type": ["string", "null"]},
            "hasRecordings": {"type": "boolean"},
        },
    },
    "Job": {
        "type": "object",
        "required": [
            "id",
            "date",
            "state",
            "eventsTotal",
            "eventsDone",
            "eventsFailed",
            "bytes",
            "downloaded",
            "error",
            "startedAt",
            "finishedAt",
        ],
        "properties": {
            "id": {"type": "string"},
            "date": {"type": "string"},
            "state": {"enum": ["running", "done", "failed"]},
            "eventsTotal": {"type": ["integer", "null"]},
            "eventsDone": {"type": "integer"},
            "eventsFailed": {"type": "integer"},
            "bytes": {"type": "integer"},
            "downloaded": {"type": "array", "items": EVENT},
            "error": {"type": ["string", "null"]},
            "startedAt": {"type": "string"},
            "finishedAt": {"type": ["string", "null"]},
        },
    },
    "Readiness": {
        "type": "object",
        "required": ["status", "reason"],
        "properties": {"status": {"enum": ["ready", "not_ready"]}, "reason": {"type": "string"}},
    },
}


def document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ringConnector",
            "version": "0.1.0",
            "description": "Ring doorbell event videos for the programs that use them. With "
            "CONNECTOR_API_KEY set, every endpoint but /, /healthz and /readyz wants "
            "`Authorization: Bearer <key>`.",
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"apiKey": []}, {}],
        "paths": PATHS,
    }
