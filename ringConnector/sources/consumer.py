"""Ring's consumer API through ring_doorbell 0.9 (async): the one edge where its errors are translated."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from ring_doorbell import Auth, AuthenticationError, Ring, RingError, RingTimeout
from ring_doorbell.const import API_URI, OAuth
from ring_doorbell.doorbot import RingDoorBell
from ring_doorbell.ring import RingDevices

from ringConnector.config import Settings
from ringConnector.days import DayWindow, parse_ring_time
from ringConnector.errors import (
    AUTH_FIX,
    AuthorizationRequired,
    DownloadFailed,
    RingUnavailable,
    TransientError,
)
from ringConnector.events import Device, RingEvent
from ringConnector.files import AtomicFile
from ringConnector.retry import RetryPolicy
from ringConnector.tokens import TokenStore
from ringConnector.transfer import retry_after, stream_to_file

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

USER_AGENT = "ringConnector"
# Ring returns at most 100 history events a page, whatever `limit` asks (RING_APIS.md).
HISTORY_PAGE = 100
# The device list changes rarely; re-reading it on every cron call would only add a request.
DEVICE_LIST_TTL = 300.0


def point_library_at(settings: Settings) -> None:
    """Aim ring_doorbell at the configured hosts; it reads OAuth.ENDPOINT at call time."""
    OAuth.ENDPOINT = settings.ring_oauth_url
    if settings.plain_http_allowed:
        # oauthlib refuses http:// ("OAuth 2 MUST utilize https"); config.py allows http
        # only for loopback hosts, i.e. the emulator on this machine.
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


class ConnectorAuth(Auth):
    """ring_doorbell's Auth, refreshing once for concurrent callers and processes."""

    def __init__(
        self,
        store: TokenStore,
        token: dict[str, Any] | None,
        *,
        http: aiohttp.ClientSession | None,
    ) -> None:
        """Persist every new token through `store`, with this installation's hardware id."""
        super().__init__(
            USER_AGENT,
            token,
            store.save,
            store.hardware_id(),
            http_client_session=http,
        )
        self._store = store
        self._refresh_lock = asyncio.Lock()

    async def async_refresh_tokens(self) -> dict[str, Any]:
        """Refresh unless someone already did: Ring rotates refresh tokens, so a second
        refresh with the old one would be rejected (invalid_grant)."""
        stale = self._token.get("access_token")
        async with self._refresh_lock:
            if self._token.get("access_token") != stale:
                return self._token  # another task of this process refreshed meanwhile
            on_disk = await asyncio.to_thread(self._store.peek)
            if on_disk and on_disk.get("access_token") not in (None, stale):
                _LOGGER.info("using the token another process refreshed")
                self._token = on_disk
                self._oauth_client.token = on_disk
                self._oauth_client.populate_token_attributes(on_disk)
                return self._token
            _LOGGER.info("refreshing the Ring access token")
            token: dict[str, Any] = await super().async_refresh_tokens()
            return token


class ConfiguredRing(Ring):
    """ring_doorbell's Ring with RING_API_URL instead of the base URI frozen in its defaults."""

    def __init__(self, auth: Auth, api_url: str) -> None:
        super().__init__(auth)
        self._api_url = api_url

    async def _async_query(
        self,
        url: str,
        method: str = "GET",
        extra_params: dict[str, Any] | None = None,
        data: bytes | None = None,
        json: dict[Any, Any] | None = None,
        timeout: float | None = None,
        base_uri: str = API_URI,
    ) -> Auth.Response:
        if base_uri == API_URI:
            base_uri = self._api_url
        return await super()._async_query(url, method, extra_params, data, json, timeout, base_uri)


class ConsumerSource:
    """Devices, day history and recordings from Ring's consumer API."""

    def __init__(self, settings: Settings, http: aiohttp.ClientSession, policy: RetryPolicy) -> None:
        """Nothing is fetched until first used; the token is read then."""
        point_library_at(settings)
        self._settings = settings
        self._http = http
        self._policy = policy
        self._store = TokenStore(settings.oauth_file)
        self._ring: Ring | None = None
        self._devices: dict[str, RingDoorBell] = {}
        self._devices_read_at = -DEVICE_LIST_TTL

    async def devices(self) -> list[Device]:
        """The account's video devices of the configured types (RING_DEVICE_TYPES)."""
        ring = await self._connect()
        if time.monotonic() - self._devices_read_at >= DEVICE_LIST_TTL:
            await self._retrying(ring.async_update_devices, what="device list")
            self._devices_read_at = time.monotonic()
        listing = RingDevices(ring, ring.devices_data)
        found = []
        for device_type in self._settings.device_types:
            for library_device in listing[device_type]:
                assert isinstance(library_device, RingDoorBell)  # video device lists hold doorbells and cams
                device = Device(
                    id=str(library_device.device_api_id),
                    name=library_device.name,
                    kind=library_device.kind,
                    device_type=device_type,
                    has_recordings=library_device.has_subscription,
                )
                self._devices[device.id] = library_device
                found.append(device)
        return found

    async def events(self, device: Device, window: DayWindow) -> AsyncIterator[RingEvent]:
        """The device's events of the configured kinds on `window`'s day, newest first.

        History is paged with `older_than` and stops at the first event older than the day.
        """
        library_device = self._devices[device.id]
        older_than: int | None = None
        while True:
            what = f"history of {device.name} (older than {older_than})"
            page: list[dict[str, Any]] = await self._retrying(
                library_device.async_history,
                limit=HISTORY_PAGE,
                older_than=older_than,
                convert_timezone=False,
                what=what,
            )
            if not page:
                return
            for item in page:
                created = parse_ring_time(item["created_at"])
                if created < window.start:
                    return  # newest first: the rest is older still
                if created < window.end and item.get("kind") in self._settings.event_kinds:
                    yield _event(item, device, created)
            last = int(page[-1]["id"])
            if last == older_than:
                return  # no progress: never loop on a misbehaving server
            older_than = last

    async def fetch_recording(self, event: RingEvent, out: AtomicFile) -> dict[str, Any]:
        """One attempt: ask Ring for the recording's pre-signed URL and stream it into `out`."""
        library_device = self._devices[event.device.id]
        what = f"recording of event {event.id}"
        url = await self._call(
            library_device.async_recording_url, int(event.id), what=what, not_found_is_transient=True
        )
        if not url:
            raise DownloadFailed(f"{what}: {event.device.name} has no recordings (no Ring Protect plan)")
        await stream_to_file(self._http, url, out, timeout=self._settings.http_timeout, what=what)
        return {}

    async def close(self) -> None:
        """Nothing of its own to close: the HTTP session belongs to the caller."""

    async def _connect(self) -> Ring:
        if self._ring is None:
            token = await asyncio.to_thread(self._store.load)
            auth = ConnectorAuth(self._store, token, http=self._http)
            ring = ConfiguredRing(auth, self._settings.ring_api_url)
            await self._retrying(ring.async_create_session, what="session")
            self._ring = ring
        return self._ring

    async def _retrying(self, func: Callable[..., Awaitable[T]], *args: Any, what: str, **kwargs: Any) -> T:
        """`_call` under the retry policy (transient failures are retried with backoff)."""
        result, _ = await self._policy.run(lambda: self._call(func, *args, what=what, **kwargs), what=what)
        return result

    async def _call(
        self,
        func: Callable[..., Awaitable[T]],
        *args: Any,
        what: str,
        not_found_is_transient: bool = False,
        **kwargs: Any,
    ) -> T:
        """Call ring_doorbell, translating its errors; on a 401 retry once (the library has
        refreshed the token by then, but does not retry the call itself)."""
        for attempt in (1, 2):
            try:
                return await func(*args, **kwargs)
            except AuthenticationError as ex:
                raise AuthorizationRequired(f"Ring rejected the saved token: {AUTH_FIX}") from ex
            except RingTimeout as ex:
                raise TransientError(f"{what}: Ring timed out", cause="timeout") from ex
            except RingError as ex:
                status, headers = _http_status(ex)
                if status == 401 and attempt == 1:
                    _LOGGER.info("%s: Ring answered 401; token refreshed, retrying once", what)
                    continue
                raise _translate(status, headers, what, not_found_is_transient=not_found_is_transient) from ex
            except (ValueError, KeyError, TypeError) as ex:
                raise RingUnavailable(f"{what}: Ring's answer was not understood ({ex})") from ex
        raise AuthorizationRequired(f"{what}: Ring refused the refreshed token: {AUTH_FIX}")


def _event(item: dict[str, Any], device: Device, created: Any) -> RingEvent:
    recording = item.get("recording") or {}
    duration = item.get("duration")
    return RingEvent(
        id=str(item["id"]),
        device=device,
        created_at=created,
        kind=str(item.get("kind")),
        answered=bool(item.get("answered")),
        duration=float(duration) if duration is not None else None,
        ready=recording.get("status") == "ready",
    )


def _http_status(error: RingError) -> tuple[int | None, dict[str, str]]:
    cause = error.__cause__
    if isinstance(cause, aiohttp.ClientResponseError):
        return cause.status, dict(cause.headers or {})
    return None, {}


def _translate(
    status: int | None, headers: dict[str, str], what: str, *, not_found_is_transient: bool
) -> Exception:
    if status is None:
        return TransientError(f"{what}: could not reach Ring", cause="network")
    if status == 429 or status >= 500:
        cause = "rate_limited" if status == 429 else "server_error"
        return TransientError(f"{what}: HTTP {status}", cause=cause, retry_after=retry_after(headers))
    if status == 404 and not_found_is_transient:
        return TransientError(f"{what}: not prepared yet (HTTP 404)", cause="not_ready")
    if status == 401:
        return AuthorizationRequired(f"{what}: Ring refused the token: {AUTH_FIX}")
    return RingUnavailable(f"{what}: Ring answered HTTP {status}")
