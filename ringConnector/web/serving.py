"""Serving the app with waitress, a production WSGI server."""

from __future__ import annotations

import logging

import waitress

from ringConnector.config import Settings
from ringConnector.web.app import create_app

_LOGGER = logging.getLogger(__name__)
# Each download request holds a thread for its whole run; keep room for liveness checks.
THREADS = 8


def serve(settings: Settings) -> None:
    """Build the app and serve it on HOST:PORT until interrupted; OSError if it cannot listen."""
    app = create_app(settings)
    _LOGGER.info("serving on http://%s:%d (time zone %s)", settings.host, settings.port, settings.zone.key)
    waitress.serve(app, host=settings.host, port=settings.port, threads=THREADS, ident="ringConnector")
