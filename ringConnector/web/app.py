"""The Flask application factory."""

from __future__ import annotations

import atexit

from flask import Flask

from ringConnector.config import Settings, load_settings
from ringConnector.connector import Connector
from ringConnector.watch.watcher import Watcher
from ringConnector.web import downloads, library, openapi, status, watch
from ringConnector.web.api_key import require_api_key
from ringConnector.web.bodies import JsonRequest
from ringConnector.web.browsers import guard_browsers
from ringConnector.web.json_errors import invalid_request, register_error_handlers
from ringConnector.web.schemas import ErrorBody

# Skip lists are small; anything near this is not a skip list.
MAX_BODY_BYTES = 1 << 20


def create_app(
    config: Settings | None = None, *, connector: Connector | None = None, watcher: Watcher | None = None
) -> Flask:
    """Build the app around one Connector (made from `config`, or from the environment), and the
    watcher that watches through it, if any."""
    settings = config or load_settings()
    # flask-openapi3's Flask: views declare their path, query and body models, which it
    # validates (a refusal is our 400 JSON) and documents at /openapi.json.
    app = openapi.DocumentedApp(
        __name__,
        info=openapi.INFO,
        security_schemes=openapi.SECURITY_SCHEMES,  # type: ignore[arg-type]
        openapi_extensions={"security": openapi.SECURITY},
        validation_error_status=400,
        validation_error_model=ErrorBody,
        validation_error_callback=invalid_request,
        doc_ui=False,  # /docs and /openapi.json are ours (web/openapi.py): at the paths we promise
    )
    app.request_class = JsonRequest
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # Flask would answer OPTIONS itself with an empty text/html body; no browser calls this API
    # (no CORS), so OPTIONS is a 405 like any other method a route does not take.
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    # werkzeug answers "//" in a path with an HTML 308 to the merged path, which bypasses the
    # error handlers (found by the fuzz test): such a path is simply not one of ours.
    app.url_map.merge_slashes = False
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the article's field order
    if connector is None:
        connector = Connector(settings)
        atexit.register(connector.close)
    app.extensions["ringConnector"] = connector
    app.extensions["ringConnector.watcher"] = watcher
    app.extensions["ringConnector.settings"] = settings
    register_error_handlers(app)
    guard_browsers(app, settings)  # first: a page of another site learns nothing, not even "401"
    require_api_key(app, settings.api_key)
    status.require_writable_data_dir(app)  # after the key: a caller without it learns nothing
    for blueprint in (downloads.bp, library.bp, status.bp, watch.bp, openapi.bp):
        app.register_api(blueprint)
    app.register_blueprint(openapi.assets)
    return app
