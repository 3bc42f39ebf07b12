"""Who may call the API: with CONNECTOR_API_KEY set, every endpoint but liveness wants it."""

from __future__ import annotations

import hmac

from flask import Flask, current_app, request

from ringConnector.errors import Unauthorized

# Endpoints anyone may call (probes carry no key): they say nothing about the videos.
OPEN_ENDPOINTS = frozenset(
    {"connector.liveness", "status.healthz", "status.readyz", "docs.openapi_json", "docs.docs"}
    | {"swagger_ui.static"}  # Swagger UI's script and style sheet, for /docs
    # Ring cannot send our key; it signs the body instead (checked in the view, 401 if wrong).
    | {"watch.ring_webhook"}
)


# app.config: True when the app asks for a key (views that answer differently behind one read it).
KEYED = "RINGCONNECTOR_KEYED"


def require_api_key(app: Flask, api_key: str) -> None:
    """Check `Authorization: Bearer <key>` on every request but liveness, in constant time."""
    app.config[KEYED] = bool(api_key)
    app.extensions[_KEY] = api_key.encode()
    if not api_key:
        return

    @app.before_request
    def check_key() -> None:
        if request.endpoint in OPEN_ENDPOINTS:
            return
        if not key_presented():
            raise Unauthorized("this endpoint needs the header Authorization: Bearer <CONNECTOR_API_KEY>")


def key_presented() -> bool:
    """This request may see what the key guards: no key is set, or it carries the key. (Open
    endpoints ask, to say more to a caller with the key than to anyone.)"""
    expected: bytes = current_app.extensions[_KEY]
    if not expected:
        return True
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    # compare_digest takes the same time whatever the key's first wrong byte is.
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), expected)


_KEY = "ringConnector.api_key"  # app.extensions: the key's bytes (empty: none set)
