"""Every error the API answers is JSON: {"error": code, "message": text}, with the right status."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, Response, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from ringConnector.errors import SHOWN, Busy, ConnectorError

_LOGGER = logging.getLogger(__name__)
# What a caller is told to wait when DATA_DIR cannot be used (a locked database waits 30 s itself).
STORAGE_RETRY_AFTER = 30.0


def error_response(status: int, error: str, message: str) -> Response:
    """A JSON error body with `status`."""
    response = jsonify({"error": error, "message": message})
    response.status_code = status
    return response


def invalid_request(error: ValidationError) -> Response:
    """A request its models refused (flask-openapi3 calls this): 400 with what is wrong, in words.

    pydantic's own text repeats the input; this names where (`seconds`, `skip.3`) and why, and
    our validators' messages come through as they are.
    """
    reasons = []
    for problem in error.errors(include_url=False, include_input=False)[:3]:
        where = ".".join(str(part) for part in problem["loc"]) or "the body"
        if problem["type"] == "value_error":  # raised by our own validators: a whole sentence
            reasons.append(problem["msg"].removeprefix("Value error, "))
        else:
            reasons.append(f"{where if len(where) <= SHOWN else where[: SHOWN - 1] + '…'}: {problem['msg']}")
    more = error.error_count() - len(reasons)
    message = "; ".join(reasons) + (f" (and {more} more)" if more > 0 else "")
    return error_response(400, "bad_request", message)


def register_error_handlers(app: Flask) -> None:
    """Turn connector errors, HTTP errors (404, 405, 413...) and anything else into JSON."""

    @app.errorhandler(ConnectorError)
    def connector_error(error: ConnectorError) -> Response:
        if error.status >= 500:
            _LOGGER.error("%s: %s", error.code, error)
        response = error_response(error.status, error.code, str(error))
        if error.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="ringConnector"'
        if isinstance(error, Busy):
            response.headers["Retry-After"] = f"{error.retry_after:.0f}"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        code = (error.name or "error").lower().replace(" ", "_")
        response = error_response(error.code or 500, code, error.description or code)
        if error.code == 405 and error.response is None:
            allowed = getattr(error, "valid_methods", None)
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(OSError)
    def storage_error(error: OSError) -> Response:
        # DATA_DIR or the state database failing under the request (full, locked, gone): the
        # request is fine and may succeed later. Files are named, never their folders.
        _LOGGER.error("storage: %s", error)
        why = error.strerror or type(error).__name__
        where = f": {Path(error.filename).name}" if error.filename else ""
        response = error_response(
            503, "storage_unavailable", f"DATA_DIR cannot be used now ({why}{where}); try again later"
        )
        response.headers["Retry-After"] = f"{STORAGE_RETRY_AFTER:.0f}"
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        _LOGGER.exception("unexpected error")
        return error_response(500, "internal_error", "the connector failed unexpectedly; see its log")
