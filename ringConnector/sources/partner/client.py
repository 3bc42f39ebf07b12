"""Ring's Partner API over requests: tokens, JSON:API reads, clip downloads and WHEP sessions.

This is the one edge where the Partner API's answers become the connector's errors. It is
synchronous (requests); the async partner source calls it from worker threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests

from ringConnector.config import Settings
from ringConnector.errors import (
    PARTNER_AUTH_FIX,
    AuthorizationRequired,
    ConfigError,
    DownloadFailed,
    NoFootage,
    RingUnavailable,
    TransientError,
)
from ringConnector.metrics import PARTNER_LINK_DAYS_LEFT, timed
from ringConnector.sources.http import (
    CHUNK_SIZE,
    PARTNER_API,
    TOKEN_ENDPOINT,
    BodyCopy,
    network_errors,
)
from ringConnector.sources.refresh import RefreshOnce
from ringConnector.storage.atomic import AtomicFile
from ringConnector.storage.partner_link import RELINK, link_term, read_link_term
from ringConnector.storage.tokens import TokenFile
from ringConnector.urls import Origin, UnsafeUrl, origin, redact

_LOGGER = logging.getLogger(__name__)

# Access tokens live about 4 hours (Playground ones 30 min); refresh this long before expiry.
REFRESH_MARGIN = 300.0
# The Partner API's longest clip per request (docs/ring-apis.md §2.5: duration <= 900,000 ms).
MAX_CLIP_MS = 900_000
REDIRECTS = (301, 302, 303, 307, 308)
# The image download's answers that mean Ring has no picture to give (docs/ring-apis.md §2.6).
NO_PICTURE = {416: "MEDIA_NOT_FOUND", 422: "CORRUPT_RECORDING", 403: "TIME_RANGE_NOT_AUTHORIZED"}
# ... and those worth another try: 425 RECORDING_NOT_READY, besides the API's own (503 busy).
IMAGE = PARTNER_API.retrying({425: "not_ready"})
MAX_REDIRECTS = 5
# What a token keeps across refreshes: when its link was made and the account it links.
KEPT = ("linked_at", "account_id")


@dataclass(frozen=True)
class Clip:
    """What the Partner API delivered for a requested window."""

    start_ms: int  # X-Media-Timestamp
    length_ms: int  # X-Media-Length
    partial: bool  # 206 Partial Content
    size: int


def device_path(device_id: str) -> str:
    """A device id as one escaped path segment (ids are opaque strings)."""
    return quote(device_id, safe="")


class PartnerClient:
    """A client of the Partner API for one linked account, shared by worker threads: token
    state is guarded by a lock; requests.Session is used as its connection pool."""

    def __init__(
        self,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """Read the partner token lazily; nothing is requested until first used."""
        self._settings = settings
        self._base = settings.partner_api_url + "/"
        self._origin = origin(self._base)  # config.py has refused an unsafe RING_PARTNER_API_URL
        self._http = session or _session(settings.download_concurrency)
        self.wall_clock = wall_clock
        self._timeout = (settings.http_timeout, settings.http_timeout)
        self.store = TokenFile(settings.partner_token_file, fix=PARTNER_AUTH_FIX, required=("access_token",))
        self._once = RefreshOnce(self.store, clock=wall_clock)
        self._lock = threading.Lock()
        self._token: dict[str, Any] | None = None
        self._warned = False  # the link's coming end was logged
        PARTNER_LINK_DAYS_LEFT.read = lambda: _days_left(settings, wall_clock)

    # --- tokens ------------------------------------------------------------------------

    def exchange_code(self, code: str) -> dict[str, Any]:
        """Exchange an account-linking authorization code for a token pair and save it, with the
        time of the link (its refresh tokens run out about RING_PARTNER_LINK_DAYS later)."""
        token = self._grant(
            {"grant_type": "authorization_code", "code": code}, {"linked_at": self.wall_clock()}
        )
        self._set(token)
        return token

    def keep(self, **fields: Any) -> None:
        """Save `fields` into the token (e.g. the account id the link is for), kept across refreshes."""
        with self.store.lock:
            token = {**(self.store.peek() or self._current()), **fields}
            self.store.save(token)
        self._set(token)

    def access_token(self) -> str:
        """A valid access token, refreshed first when it is about to expire."""
        token = self._current()
        expires, now = float(token.get("expires_at") or 0), self.wall_clock()
        # Refresh early when we can; a token without a refresh token (Playground) is used to
        # its last second.
        if expires - REFRESH_MARGIN <= now and (token.get("refresh_token") or expires <= now):
            self.refresh(stale=str(token["access_token"]))
            with self._lock:
                assert self._token is not None
                token = self._token
        return str(token["access_token"])

    def refresh(self, *, stale: str) -> None:
        """Refresh unless someone did since `stale` was in use; Ring rotates refresh tokens."""

        def refresh(refresh_token: str | None) -> None:
            if not refresh_token:
                raise AuthorizationRequired(
                    f"the partner access token expired and has no refresh token: {PARTNER_AUTH_FIX}"
                )
            _LOGGER.info("refreshing the partner access token")
            kept = {key: value for key, value in self._current().items() if key in KEPT}
            self._set(self._grant({"grant_type": "refresh_token", "refresh_token": refresh_token}, kept))

        self._once.run(stale, current=self._current, refresh=refresh, adopt=self._set)

    def _current(self) -> dict[str, Any]:
        """The token in use: the file's until a refresh, then the one Ring gave last."""
        with self._lock:
            if self._token is None:
                self._token = self.store.load()
            token = self._token
        self._mind_the_end(token)
        return token

    def _mind_the_end(self, token: dict[str, Any]) -> None:
        """Log once, from a week before, that the link runs out (scripts show it; /readyz says it)."""
        term = link_term(token, self._settings.partner_link_days)
        warning = term.warning(self.wall_clock()) if term is not None else None
        if warning is not None and not self._warned:
            self._warned = True
            _LOGGER.warning("%s", warning)

    def _set(self, token: dict[str, Any]) -> None:
        with self._lock:
            self._token = token

    def _grant(self, form: dict[str, str], kept: dict[str, Any] | None = None) -> dict[str, Any]:
        settings = self._settings
        if not settings.partner_client_id or not settings.partner_client_secret:
            raise ConfigError(
                "RING_PARTNER_CLIENT_ID and RING_PARTNER_CLIENT_SECRET must be set to link or refresh"
            )
        form = {
            **form,
            "client_id": settings.partner_client_id,
            "client_secret": settings.partner_client_secret,
        }
        what = "Ring's token endpoint"
        with network_errors(what, cause="token_endpoint"):
            response = self._http.post(settings.partner_token_url, data=form, timeout=self._timeout)
        if response.status_code == 429 or response.status_code >= 500:
            raise TOKEN_ENDPOINT.error(response.status_code, response.headers, what)
        body = _json(response)
        if response.status_code != 200 or not body.get("access_token"):
            error = body.get("error", f"HTTP {response.status_code}")
            if form["grant_type"] == "refresh_token":
                raise AuthorizationRequired(self._link_ended(str(error), kept or {}))
            raise AuthorizationRequired(f"Ring refused the partner credentials ({error}): {PARTNER_AUTH_FIX}")
        token: dict[str, Any] = {
            key: body[key] for key in ("access_token", "refresh_token", "token_type", "scope") if key in body
        }
        token["expires_at"] = self.wall_clock() + float(body.get("expires_in", 14400))
        token.update(kept or {})
        self.store.save(token)  # the store's file lock is re-entrant: fine inside refresh()
        return token

    def _link_ended(self, error: str, kept: dict[str, Any]) -> str:
        """Why Ring refused the refresh, and what the user does about it."""
        term = link_term({"refresh_token": "-", **kept}, self._settings.partner_link_days)
        made = f" ({term.describe()})" if term is not None else ""
        return f"Ring refused the partner refresh token ({error}): the account link has ended{made}; {RELINK}"

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    # --- requests ----------------------------------------------------------------------

    def request(self, method: str, path: str, *, what: str, **kwargs: Any) -> requests.Response:
        """One authorized request to the Partner API's own origin; a 401 refreshes the token and
        is retried once. A URL on any other origin is refused: the bearer token never leaves."""
        url = self.resolve(self._base, path, what=what)
        if self.judge(url, what=what) != self._origin:
            raise RingUnavailable(f"{what}: Ring pointed to {redact(url)}; not sending the token there")
        extra_headers = kwargs.pop("headers", None) or {}
        attempt = 1
        while True:
            token = self.access_token()
            headers = {**extra_headers, "Authorization": f"Bearer {token}"}
            with timed(f"partner {method} {_call_name(url)}"), network_errors(what):
                response = self._http.request(
                    method, url, headers=headers, timeout=self._timeout, allow_redirects=False, **kwargs
                )
            if response.status_code != 401 or attempt == 2:
                return response
            response.close()
            _LOGGER.info("%s: the Partner API answered 401; refreshing the token and retrying once", what)
            self.refresh(stale=token)
            attempt = 2

    def unauthenticated(self, method: str, url: str, *, what: str, stream: bool = False) -> requests.Response:
        """A request to another origin (a storage or session URL Ring handed out), without the token."""
        self.judge(url, what=what)
        with network_errors(what):
            return self._http.request(
                method, url, timeout=self._timeout, allow_redirects=False, stream=stream
            )

    def judge(self, url: str, *, what: str) -> Origin:
        """The origin a URL Ring handed back goes to, as urllib3 (which connects) reads it.

        RingUnavailable for an address two parsers could read differently (`http://A\\@B/`),
        with user-info or control characters: neither the token nor a request goes there."""
        try:
            return origin(url)
        except UnsafeUrl as ex:
            raise RingUnavailable(
                f"{what}: Ring handed back an address that is not plainly one host ({ex})"
            ) from None

    def resolve(self, base: str, reference: str, *, what: str) -> str:
        """`reference` (a link, Location or path Ring gave) made absolute against `base`, judged
        as given: urljoin quietly drops tabs and newlines that another parser might not."""
        if urlsplit(reference).scheme:
            self.judge(reference, what=what)
        return urljoin(base, reference)

    def full_url(self, path: str, params: Mapping[str, str] | None = None) -> str:
        """The URL a request for `path` with `params` goes to, as requests builds it."""
        return str(requests.Request("GET", urljoin(self._base, path), params=params).prepare().url)

    def same_origin(self, url: str, *, what: str) -> bool:
        """True for URLs on the Partner API's own scheme, host and port (see judge)."""
        return self.judge(url, what=what) == self._origin

    def get_json(self, path: str, *, what: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """GET a JSON:API document; errors are translated."""
        response = self.request("GET", path, what=what, params=params)
        if response.status_code != 200:
            raise partner_error(response, what)
        return _json(response)

    def download_clip(
        self, device_id: str, start_ms: int, duration_ms: int, out: AtomicFile, *, what: str
    ) -> Clip:
        """POST a clip request and stream the 200/206 body into `out` (following redirects)."""
        body: dict[str, Any] = {"timestamp": start_ms, "duration": duration_ms, **self._clip_options()}
        response = self.request(
            "POST",
            f"v1/devices/{device_path(device_id)}/media/video/download",
            json=body,
            stream=True,
            what=what,
        )
        response, media = self._follow(response, what)
        with response:
            if response.status_code == 416:
                raise NoFootage(f"{what}: the camera has no footage then (416 TIMESTAMP_NOT_FOUND)")
            if response.status_code not in (200, 206):
                raise partner_error(response, what)
            # X-Media-* may come on the redirect rather than from storage: keep the latest seen.
            media.update({k: v for k, v in response.headers.items() if k.lower().startswith("x-media-")})
            media_start = _int_header(media, "X-Media-Timestamp", start_ms, what)
            media_length = _int_header(media, "X-Media-Length", duration_ms, what)
            expected = _int_header(response.headers, "Content-Length", -1, what)
            copy = BodyCopy(out, expected if expected >= 0 else None, what)
            with network_errors(what, cause="short_body"):
                for chunk in response.iter_content(CHUNK_SIZE):
                    copy.write(chunk)
            copy.finish(response.url)
            return Clip(
                start_ms=media_start,
                length_ms=media_length,
                partial=response.status_code == 206 or media_length < duration_ms,
                size=out.written,
            )

    def download_image(self, device_id: str, at_ms: int, *, what: str) -> tuple[bytes, int]:
        """POST an image request for the picture at `at_ms` (type at_timestamp) and fetch it from
        where Ring redirects; returns (the image's bytes, its X-Media-Timestamp). Ring's answers
        (docs/ring-apis.md §2.6): 425 RECORDING_NOT_READY is retried as a recording being
        prepared; 416 MEDIA_NOT_FOUND, 422 CORRUPT_RECORDING and 403 TIME_RANGE_NOT_AUTHORIZED
        mean Ring has no picture to give (NoFootage); 503 SERVER_BUSY is retried."""
        response = self.request(
            "POST",
            f"v1/devices/{device_path(device_id)}/media/image/download",
            json={"type": "at_timestamp", "timestamp": at_ms},
            stream=True,
            what=what,
        )
        response, media = self._follow(response, what)
        with response:
            if response.status_code in NO_PICTURE:
                detail = _detail(response) or NO_PICTURE[response.status_code]
                raise NoFootage(f"{what}: Ring has no picture then (HTTP {response.status_code} {detail})")
            if response.status_code != 200:
                raise IMAGE.error(response.status_code, response.headers, what, _detail(response))
            media.update({k: v for k, v in response.headers.items() if k.lower().startswith("x-media-")})
            taken = _int_header(media, "X-Media-Timestamp", at_ms, what)
            with network_errors(what, cause="short_body"):
                body = b"".join(response.iter_content(CHUNK_SIZE))
        expected = _int_header(response.headers, "Content-Length", -1, what)
        if expected >= 0 and len(body) != expected:
            raise TransientError(f"{what}: got {len(body)} of {expected} bytes", cause="short_body")
        return body, taken

    def _follow(self, response: requests.Response, what: str) -> tuple[requests.Response, dict[str, str]]:
        """Follow redirects with GET; the bearer token goes only to the Partner API's own origin
        (scheme included: never over plain http). Returns the final response and the X-Media-*
        headers seen on the way."""
        media: dict[str, str] = {}
        for _ in range(MAX_REDIRECTS):
            if response.status_code not in REDIRECTS:
                return response, media
            media.update({k: v for k, v in response.headers.items() if k.lower().startswith("x-media-")})
            location = response.headers.get("Location")
            response.close()
            if not location:
                raise TransientError(f"{what}: a redirect without Location", cause="server_error")
            target = self.resolve(response.url, location, what=what)
            _LOGGER.debug("%s: following %d to %s", what, response.status_code, redact(target))
            if self.same_origin(target, what=what):
                response = self.request("GET", target, what=what, stream=True)
            else:
                response = self.unauthenticated("GET", target, what=what, stream=True)
        response.close()
        raise DownloadFailed(f"{what}: more than {MAX_REDIRECTS} redirects")

    def _clip_options(self) -> dict[str, Any]:
        settings = self._settings
        video: dict[str, Any] = {}
        if settings.clip_codec:
            video["codec"] = settings.clip_codec
        if settings.clip_frame_rate:
            video["frame_rate"] = settings.clip_frame_rate
        if settings.clip_width:
            video["resolution"] = {"width": settings.clip_width, "height": settings.clip_height}
        options: dict[str, Any] = {"video_options": video} if video else {}
        if settings.clip_audio is not None:
            options["audio_options"] = {"audio_enabled": settings.clip_audio}
        return options


def _days_left(settings: Settings, wall_clock: Callable[[], float]) -> float | None:
    """Days the saved link has left, for /metrics (None: no link with a known start)."""
    term = read_link_term(settings)
    return None if term is None else round(term.days_left(wall_clock()), 3)


def _call_name(url: str) -> str:
    """A fixed name for a Partner API path (metrics labels must not carry ids)."""
    path = urlsplit(url).path
    for marker, name in (
        ("/whep/", "whep"),
        ("/video/download", "clip"),
        ("/image/download", "image"),
        ("/history/", "history"),
        ("/devices", "devices"),
    ):
        if marker in path:
            return name
    return "other"


def _int_header(headers: Mapping[str, str], name: str, default: int, what: str) -> int:
    value = headers.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as ex:
        raise DownloadFailed(f"{what}: Ring sent a malformed {name} header") from ex


def _session(concurrency: int) -> requests.Session:
    """A session whose connection pools hold one connection per concurrent download."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=max(10, concurrency * 2))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def partner_error(response: requests.Response, what: str) -> Exception:
    """The connector error for an unexpected Partner API answer."""
    return PARTNER_API.error(response.status_code, response.headers, what, _detail(response))


def _detail(response: requests.Response) -> str:
    try:
        errors = response.json().get("errors") or []
        first = errors[0]
        return str(first.get("detail") or first.get("title") or "")
    except (ValueError, AttributeError, IndexError, TypeError):
        return ""


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as ex:
        raise RingUnavailable(f"the Partner API answered HTTP {response.status_code} without JSON") from ex
    if not isinstance(body, dict):
        raise RingUnavailable("the Partner API answered with something other than a JSON object")
    return body
