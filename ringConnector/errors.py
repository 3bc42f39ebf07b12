"""The connector's exceptions: each carries the HTTP status and error code it is reported with.

    ConnectorError            500 connector_error        base of everything reported to a caller
    ├── ConfigError           500 configuration_error    a setting is missing or invalid
    ├── BadRequest            400 bad_request            the caller's input (a date, a body)
    ├── Unauthorized          401 unauthorized           no or wrong CONNECTOR_API_KEY
    ├── CrossSiteRequest      403 cross_site_request     a browser says another site sent it (Origin, ...)
    ├── NotJson               415 unsupported_media_type a body that is not Content-Type: application/json
    ├── UnknownHost           421 unknown_host           a Host the server does not answer to (ALLOWED_HOSTS)
    ├── NotFound              404 not_found              a device or event the caller named
    ├── Busy                  429 too_busy               background work is full: .retry_after
    │   └── TryAgainLater     503 try_again_later        a webhook cannot be acted on now (Ring retries 5xx)
    ├── NoFootage             404 no_footage             the camera recorded nothing then (Partner 416)
    ├── AuthorizationRequired 503 ring_authorization_required   no usable Ring token: sign in again
    ├── SessionRefused        503 ring_session_refused   Ring refuses new sessions from this address (406)
    ├── DataDirUnwritable     503 data_dir_unwritable    DATA_DIR cannot be written: nothing can be saved
    ├── LoginRejected         401 ring_login_rejected    Ring refused the user, password or 2FA code
    ├── RingUnavailable       502 ring_unavailable       Ring failed and retrying did not help
    ├── TransientError        502 ring_transient_error   worth retrying: .cause, .retry_after
    └── DownloadFailed        502 download_failed        one recording, permanently

Where they come from and go: Ring's answers and the network's failures become these in
`sources/http.py` (one status table per API) and in each source's call wrapper; `retry.py`
retries TransientError; `web/json_errors.py` answers every one as JSON, and `cli/run.py` as
one line and an exit status.
"""

from __future__ import annotations

AUTH_FIX = "run ./startCreateAuthFile.py to sign in to Ring again"
PARTNER_AUTH_FIX = "link the account again: run ./startCreateAuthFile.py --partner"
# How much of a caller's input an error message repeats.
SHOWN = 60


def shown(value: str) -> str:
    """`value` as an error message quotes it: repr, cut to SHOWN characters."""
    text = repr(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


class ConnectorError(Exception):
    """Base of every error the connector reports to a caller."""

    status = 500
    code = "connector_error"


class ConfigError(ConnectorError):
    """A setting is missing or invalid."""

    code = "configuration_error"


class BadRequest(ConnectorError):
    """The caller sent something the connector cannot use (a bad date, a bad body)."""

    status = 400
    code = "bad_request"


class Unauthorized(ConnectorError):
    """The caller did not present the connector's API key (CONNECTOR_API_KEY)."""

    status = 401
    code = "unauthorized"


class CrossSiteRequest(ConnectorError):
    """A browser sent a state-changing request from a page of another site (its Origin or
    Sec-Fetch-Site says so): a web page the owner opened is not the owner."""

    status = 403
    code = "cross_site_request"


class NotJson(ConnectorError):
    """A request body that is not declared JSON: a form or text/plain body is what a web page may
    send to another site without asking (no CORS preflight)."""

    status = 415
    code = "unsupported_media_type"


class UnknownHost(ConnectorError):
    """A request for a Host name the server does not answer to: a DNS rebinding page's, or a
    proxy's name missing from ALLOWED_HOSTS."""

    status = 421
    code = "unknown_host"


class AuthorizationRequired(ConnectorError):
    """No usable Ring token: missing, corrupt, or its refresh token was rejected."""

    # 503, not 401: the caller's request is fine, the connector itself is not signed in.
    status = 503
    code = "ring_authorization_required"


class LoginRejected(ConnectorError):
    """Ring refused the user name, password or 2FA code while creating a token."""

    status = 401
    code = "ring_login_rejected"


class RingUnavailable(ConnectorError):
    """Ring (or the network to it) failed and retrying did not help."""

    status = 502
    code = "ring_unavailable"


class TransientError(ConnectorError):
    """A failure worth retrying: not prepared yet, rate limited, 5xx, dropped, short body."""

    status = 502
    code = "ring_transient_error"

    def __init__(self, message: str, *, cause: str, retry_after: float | None = None) -> None:
        """Record why the call failed and how long Ring asked us to wait, if it did."""
        super().__init__(message)
        self.cause = cause
        self.retry_after = retry_after


class Busy(ConnectorError):
    """The connector has as much background work as it takes; the caller may try again later."""

    status = 429
    code = "too_busy"

    def __init__(self, message: str, *, retry_after: float) -> None:
        """Say how long the caller should wait (Retry-After)."""
        super().__init__(message)
        self.retry_after = retry_after


class TryAgainLater(Busy):
    """A webhook that cannot be acted on now (the job limit is full, the state database cannot
    be written): 503 with Retry-After, which Ring retries; it retries no 4xx (docs/ring-apis.md
    §2.10), so a 429 would lose the event's announcement."""

    status = 503
    code = "try_again_later"


class NoFootage(ConnectorError):
    """The camera has no recording for the requested time (Partner API: 416 TIMESTAMP_NOT_FOUND)."""

    status = 404
    code = "no_footage"


class NotFound(ConnectorError):
    """Something the caller named does not exist (a device id, an event id)."""

    status = 404
    code = "not_found"


class DownloadFailed(ConnectorError):
    """One recording could not be downloaded (permanently, or after every retry)."""

    status = 502
    code = "download_failed"


class SessionRefused(ConnectorError):
    """Ring refuses to open a session from this address (HTTP 406): not retried, wait a day."""

    # 503, not 502: Ring's answer is a clear, temporary refusal, not a broken reply; the
    # connector cannot serve until it lifts (docs/ring-apis.md §3).
    status = 503
    code = "ring_session_refused"


class DataDirUnwritable(ConnectorError):
    """DATA_DIR (or its videos folder) cannot be created or written by this process."""

    # 503, not 500: the request is fine and so is the code; the connector cannot serve until
    # the folder is fixed (readiness says so too).
    status = 503
    code = "data_dir_unwritable"
