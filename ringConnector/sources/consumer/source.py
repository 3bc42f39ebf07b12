"""Ring's consumer API through ring_doorbell 0.9 (async): the one edge where its errors are translated."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp
from ring_doorbell import Ring, RingError, RingTimeout
from ring_doorbell.const import API_VERSION, SUBSCRIPTION_ENDPOINT
from ring_doorbell.doorbot import RingDoorBell
from ring_doorbell.ring import RingDevices

from ringConnector.config import VIDEO_DEVICE_TYPES, Settings
from ringConnector.errors import (
    ConnectorError,
    DownloadFailed,
    RingUnavailable,
    SessionRefused,
    TransientError,
)
from ringConnector.metrics import timed
from ringConnector.model.days import DayWindow, parse_ring_time
from ringConnector.model.events import Device, RingEvent, Unreadable
from ringConnector.retry import RetryPolicy
from ringConnector.sources.consumer.adapter import ConfiguredRing, point_library_at
from ringConnector.sources.consumer.auth import AnsweredError, ConsumerAuth
from ringConnector.sources.http import (
    CONSUMER_API,
    CONSUMER_RECORDING,
    CONSUMER_SNAPSHOT,
    StatusTable,
    network_errors,
    stream_to_file,
    unreachable,
)
from ringConnector.storage.atomic import AtomicFile
from ringConnector.storage.session_cache import SessionCache
from ringConnector.storage.stills import CONSUMER_SNAPSHOT as CONSUMER_SNAPSHOT_SOURCE
from ringConnector.storage.stills import Still
from ringConnector.storage.tokens import TokenFile

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

# Ring returns at most 100 history events a page, whatever `limit` asks (docs/ring-apis.md §1.4).
HISTORY_PAGE = 100
# A call that meets a 401 again right after a refresh gets one more refresh, then gives up.
MAX_REFRESHES_PER_CALL = 2
# The device list changes rarely; re-reading it on every cron call would only add a request.
# A new doorbell is picked up within the hour.
DEVICE_LIST_TTL = 3600.0
# Ring forgets a session after about a day; ring-client-api opens a new one every 12 h and so
# does ring_doorbell's push listener (SESSION_REFRESH_INTERVAL = 60 * 60 * 12,
# https://github.com/python-ring-doorbell/python-ring-doorbell/blob/0.9.14/ring_doorbell/listen/eventlistener.py#L49;
# docs/ring-apis.md §1.2, §3).
SESSION_RENEW_AFTER = 12 * 3600.0
# After Ring refused a session (406) no process tries again for this long: Ring lifts the
# block after about a day (docs/ring-apis.md §3), and trying on every cron run would only
# keep hitting it. The hour is an assumption: one attempt an hour is far below ~50 a day.
REFUSAL_PAUSE = 3600.0
# An event's picture by the uuid its push named (ring-client-api, ring-camera.ts
# getSnapshotByUuid: https://github.com/dgreif/ring/blob/3fe5a7aea41359908946681b43edc4d3fa604b3f/
# packages/ring-client-api/ring-camera.ts#L653-L661).
SNAPSHOT_BY_UUID = "/clients_api/snapshots/uuid"
SESSION_REFUSED = "Ring is refusing new sessions from this address (HTTP 406); try again in about a day"


class ConsumerSource:
    """Devices, day history and recordings from Ring's consumer API."""

    def __init__(
        self,
        settings: Settings,
        http: aiohttp.ClientSession,
        policy: RetryPolicy,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Nothing is fetched until first used; the token is read then. `clock` (epoch
        seconds) ages the session and the cached device list."""
        point_library_at(settings)
        self._settings = settings
        self._http = http
        self._policy = policy
        self._clock = clock
        self._store = TokenFile(settings.oauth_file)
        self._cache = SessionCache(settings.oauth_file, clock)
        self._ring: Ring | None = None
        self._auth: ConsumerAuth | None = None
        self._hardware_id = ""
        self._connecting = asyncio.Lock()
        self._renewing = asyncio.Lock()
        self._session_at = 0.0  # on `clock`, when the session in use was opened
        self._generation = 0  # counts sessions opened, so concurrent 404s share one renewal
        self._devices: dict[str, RingDoorBell] = {}
        self._devices_read_at = -DEVICE_LIST_TTL
        self._push_token: str | None = None  # sent to Ring with every new session
        self._unreachable_told = False  # the current run of calls that reached no one was logged
        self._zones_checked = False  # TIME_ZONE against the devices' own zones, once

    async def ring(self) -> Ring:
        """ring_doorbell's Ring, connected (a session open): push listens through it."""
        return await self._connect()

    async def subscribe_push(self, token: str) -> None:
        """Tell Ring where this installation's pushes go (PATCH /clients_api/device, on
        RING_API_URL: ring_doorbell's listener would send it to its hard-coded host); it is sent
        again whenever a new session is opened, as the token is bound to the session."""
        self._push_token = token
        await self._send_push_token(await self._connect())

    async def _send_push_token(self, ring: Ring) -> None:
        body = {
            "device": {
                "metadata": {
                    "api_version": API_VERSION,
                    "device_model": ring.auth.get_device_model(),
                    "pn_dict_version": "2.0.0",
                    "pn_service": "fcm",
                },
                "os": "android",
                "push_notification_token": self._push_token,
            }
        }
        # The body of ring_doorbell 0.9.14's RingEventListener.add_subscription_to_ring.
        await self._call(
            ring.async_query, SUBSCRIPTION_ENDPOINT, method="PATCH", json=body, what="push subscription"
        )
        _LOGGER.info("push: Ring was given this installation's push token")

    async def ping(self) -> None:
        """Read the device list once, without retrying (readiness): a session to open is asked
        for once too, so a probe never waits out a backoff."""
        ring = await self._connect(retry=False)
        await self._call(ring.async_update_devices, what="device list")
        self._devices_read_at = time.monotonic()

    async def devices(self, *, every_type: bool = False) -> list[Device]:
        """The account's video devices of the configured types (RING_DEVICE_TYPES), or all."""
        ring = await self._connect()
        if time.monotonic() - self._devices_read_at >= DEVICE_LIST_TTL:
            await self._read_devices(ring)
        listing = RingDevices(ring, ring.devices_data)
        found = []
        for device_type in VIDEO_DEVICE_TYPES if every_type else self._settings.device_types:
            for library_device in listing[device_type]:
                assert isinstance(library_device, RingDoorBell)  # video device lists hold doorbells and cams
                device = Device(
                    id=str(library_device.device_api_id),
                    name=library_device.name,
                    kind=library_device.kind,
                    device_type=device_type,
                    has_recordings=library_device.has_subscription,
                    time_zone=library_device.timezone,
                )
                self._devices[device.id] = library_device
                found.append(device)
        if not self._zones_checked:
            self._zones_checked = True
            _warn_of_other_zones(self._settings.zone, found)
        return found

    async def events(self, device: Device, window: DayWindow) -> AsyncIterator[RingEvent | Unreadable]:
        """The device's events of the configured kinds on `window`'s day, newest first.

        History is paged with `older_than` and stops at the first event older than the day. An
        item no parser reads is yielded as `Unreadable` (it costs only itself, docs/ring-apis.md
        §3); it is attributed to the day when its readable neighbours leave room for it there.
        """
        library_device = self._devices[device.id]
        older_than: int | None = None
        newer: datetime | None = None  # the time of the last readable item seen (newest first)
        held: list[Unreadable] = []  # unreadable items waiting for their older neighbour
        # Paging past an item without id repeats the items after the last id: each is read once.
        seen: set[str] = set()
        while True:
            what = f"history of {device.name} (older than {older_than})"
            page: list[Any] = await self._retrying(
                library_device.async_history,
                limit=HISTORY_PAGE,
                older_than=older_than,
                convert_timezone=False,
                what=what,
            )
            if not isinstance(page, list) or not page:
                break
            for item in page:
                key = json.dumps(item, sort_keys=True, default=str)
                if key in seen:
                    continue
                seen.add(key)
                read = _read_item(item, device, self._settings.event_kinds)
                if read is None:
                    continue  # a kind nobody asked for: ignored (docs/ring-apis.md §3)
                if isinstance(read, Unreadable):
                    _LOGGER.warning(
                        "%s: history item %s not understood: %s", device.name, read.ring_id, read.reason
                    )
                    held.append(read)
                    continue
                created, event = read
                if held:
                    # The held items lie between `newer` and `created`: on the day if that span meets it.
                    if created < window.end and (newer is None or newer >= window.start):
                        for unreadable in held:
                            yield unreadable
                    held.clear()
                newer = created
                if created < window.start:
                    return  # newest first: the rest is older still
                if created < window.end and event is not None:
                    yield event
            last = _last_id(page)
            if last is None or last == older_than:
                # No id to page on, or no progress: never loop on a misbehaving server.
                _LOGGER.warning("%s: history paging stopped (no usable id to continue from)", device.name)
                break
            older_than = last
        if newer is None or newer >= window.start:
            for unreadable in held:  # the end of history: the held items may be on the day
                yield unreadable

    async def fetch_recording(self, event: RingEvent, out: AtomicFile) -> dict[str, Any]:
        """One attempt: ask Ring for the recording's pre-signed URL and stream it into `out`."""
        library_device = self._devices[event.device.id]
        what = f"recording of event {event.id}"
        url = await self._call(
            library_device.async_recording_url, int(event.id), what=what, table=CONSUMER_RECORDING
        )
        if not url:
            raise DownloadFailed(f"{what}: {event.device.name} has no recordings (no Ring Protect plan)")
        await stream_to_file(self._http, url, out, timeout=self._settings.http_timeout, what=what)
        return {}

    async def fetch_still(self, event: RingEvent, *, hint: str | None = None) -> Still | None:
        """One attempt at Ring's picture of the event by the snapshot uuid its push named
        (`hint`): GET /clients_api/snapshots/uuid (ring-client-api's getSnapshotByUuid,
        docs/ring-apis.md §5); None without one (history names no picture). A 404 is taken for
        "not yet" and retried (no source says what Ring answers before it has the picture)."""
        if not hint:
            return None
        ring = await self._connect()
        what = f"picture of event {event.id}"
        answer = await self._call(
            ring.async_query,
            SNAPSHOT_BY_UUID,
            extra_params={"uuid": hint},
            what=what,
            table=CONSUMER_SNAPSHOT,
        )
        return Still(bytes(answer.content), CONSUMER_SNAPSHOT_SOURCE, event.created_at)

    async def close(self) -> None:
        """Nothing of its own to close: the HTTP session belongs to the caller."""

    async def _read_devices(self, ring: Ring) -> None:
        cached = self._cache.devices(self._hardware_id, DEVICE_LIST_TTL)
        if cached is None:
            await self._retrying(ring.async_update_devices, what="device list")
            cached = {kind: list(by_id.values()) for kind, by_id in ring.devices_data.items()}
            await asyncio.to_thread(self._cache.save, self._hardware_id, devices=cached)
        else:
            _LOGGER.debug("device list reused from %s", self._cache.path)
            # The same indexing as ring_doorbell's async_update_devices.
            ring.devices_data = {kind: {item["id"]: item for item in items} for kind, items in cached.items()}
        self._devices_read_at = time.monotonic()

    async def _connect(self, *, retry: bool = True) -> Ring:
        async with self._connecting:  # concurrent first calls share one session
            if self._ring is None:
                token = await asyncio.to_thread(self._store.load)
                self._hardware_id = await asyncio.to_thread(self._store.hardware_id)
                self._auth = ConsumerAuth(
                    self._store, token, http=self._http, timeout=self._settings.http_timeout
                )
                ring = ConfiguredRing(self._auth, self._settings.ring_api_url)
                # One session per hardware id, whatever token is in use (docs/ring-apis.md §3).
                session = await asyncio.to_thread(self._cache.session, self._hardware_id, SESSION_RENEW_AFTER)
                if session is None:
                    await self._open_session(ring, retry=retry)
                else:
                    # ring_doorbell opens a session whenever Ring.session is None.
                    ring.session = session  # type: ignore[assignment]  # typed as None in the library
                    ring.session_refresh_time = time.monotonic()
                    self._session_at = self._clock() - self._cache.session_age(self._hardware_id)
                self._ring = ring
        return self._ring

    async def _open_session(self, ring: Ring, *, retry: bool = True) -> None:
        """POST /clients_api/session once (transient failures retried unless `retry` is false);
        a 406 is never retried."""
        if self._cache.refused_since(self._hardware_id) < REFUSAL_PAUSE:
            raise SessionRefused(SESSION_REFUSED + " (not asked again within the hour)")

        def create() -> Awaitable[Any]:
            return self._call(ring.async_create_session, what="session", opening=True)

        try:
            await (self._policy.run(create, what="session") if retry else create())
        except SessionRefused:
            await asyncio.to_thread(self._cache.save, self._hardware_id, refused=True)
            raise
        self._session_at = self._clock()
        self._generation += 1
        _LOGGER.info("opened a Ring session for this installation's hardware id")
        await asyncio.to_thread(self._cache.save, self._hardware_id, session=ring.session)
        if self._push_token is not None:
            await self._send_push_token(ring)  # a new session forgets the push token

    async def _renew_session(self, seen: int, why: str) -> None:
        """Open a new session, unless another task already did since session `seen` (§3: #1526)."""
        async with self._renewing:
            if self._generation != seen or self._ring is None:
                return
            _LOGGER.info("%s: opening a new Ring session", why)
            await self._open_session(self._ring)

    async def _retrying(self, func: Callable[..., Awaitable[T]], *args: Any, what: str, **kwargs: Any) -> T:
        """`_call` under the retry policy (transient failures are retried with backoff)."""
        result, _ = await self._policy.run(lambda: self._call(func, *args, what=what, **kwargs), what=what)
        return result

    async def _call(
        self,
        func: Callable[..., Awaitable[T]],
        *args: Any,
        what: str,
        table: StatusTable = CONSUMER_API,
        opening: bool = False,
        **kwargs: Any,
    ) -> T:
        """Call ring_doorbell, translating its errors. On a 401 the library refreshes the token
        but does not retry the call; it is retried here, once per refresh. On Ring's 404 naming
        our hardware id (the session is gone) a new session is opened and the call retried once;
        a session older than 12 h is renewed first. `opening`: this call opens the session."""
        if not opening and self._ring is not None and self._clock() - self._session_at >= SESSION_RENEW_AFTER:
            await self._renew_session(self._generation, "the Ring session is 12 h old")
        refreshes = 0
        renewed = False
        while True:
            before = self._auth.access_token if self._auth else None
            generation = self._generation
            try:
                with timed(f"consumer {func.__name__.removeprefix('async_')}"), network_errors(what):
                    answer = await func(*args, **kwargs)
                self._unreachable_told = False  # Ring answered: the next failure is told again
                return answer
            except RingTimeout as ex:
                raise TransientError(f"{what}: timed out", cause="timeout") from ex
            except RingError as ex:
                if isinstance(ex.__cause__, ConnectorError):
                    raise ex.__cause__ from None  # our refresh's error, wrapped by the library
                status, headers = _http_status(ex)
                refreshed = self._auth is not None and self._auth.access_token != before
                if status == 401 and refreshed and refreshes < MAX_REFRESHES_PER_CALL:
                    refreshes += 1
                    _LOGGER.info("%s: Ring answered 401; token refreshed, retrying", what)
                    continue
                if opening and status == 406:
                    raise SessionRefused(SESSION_REFUSED) from None
                if not opening and not renewed and status == 404 and self._session_lost(ex):
                    # docs/ring-apis.md §3: ring-client-api does the same (rest-client.ts L554-566).
                    renewed = True
                    await self._renew_session(generation, f"{what}: Ring no longer knows our session")
                    continue
                if status is None:
                    raise self._unreachable(what, ex) from ex
                raise table.error(status, headers, what) from ex
            except (ValueError, KeyError, TypeError) as ex:
                raise RingUnavailable(f"{what}: Ring's answer was not understood ({ex})") from ex

    def _unreachable(self, what: str, error: RingError) -> TransientError:
        """The error of a call that reached no one (RING_API_URL wrong, the network down), naming
        the host; the first of a run of them is logged at once, before retries hide it for minutes."""
        failed = unreachable(what, error.__cause__ or error, url=self._settings.ring_api_url, name="Ring")
        if not self._unreachable_told:
            self._unreachable_told = True
            _LOGGER.warning(
                "%s; is RING_API_URL right and the network up? Retried for up to RETRY_MAX_WAIT (%g s)",
                failed,
                self._settings.retry_max_wait,
            )
        return failed

    def _session_lost(self, error: RingError) -> bool:
        """Ring's "session not found": a 404 whose JSON `error` contains our hardware id."""
        cause = error.__cause__
        return (
            isinstance(cause, AnsweredError)
            and bool(self._hardware_id)
            and (self._hardware_id in cause.error_text())
        )


def _warn_of_other_zones(zone: ZoneInfo, devices: list[Device]) -> None:
    """One warning when devices keep another time zone than TIME_ZONE: the connector cuts days
    in TIME_ZONE, so events near midnight would be filed under another day than the devices'
    own (Ring gives each device its `time_zone`, an IANA name: docs/ring-apis.md §1.3)."""
    others: dict[str, list[str]] = {}
    for device in devices:
        if device.time_zone and _other_zone(zone, device.time_zone):
            others.setdefault(device.time_zone, []).append(device.name)
    if others:
        where = "; ".join(f"{name} ({', '.join(names)})" for name, names in others.items())
        _LOGGER.warning(
            "days are cut in TIME_ZONE %s, but Ring's devices are in %s: events near midnight go under "
            "another day than the devices' own; set TIME_ZONE=%s to use theirs",
            zone.key,
            where,
            next(iter(others)),
        )


def _other_zone(zone: ZoneInfo, name: str) -> bool:
    """True when the zone `name` keeps other clocks than `zone` (winter or summer); an alias
    (Etc/UTC for UTC) or a neighbour on the same rules is the same; a name unknown here is ignored."""
    try:
        theirs = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    year = datetime.now(UTC).year
    moments = [datetime(year, month, 15, 12, tzinfo=UTC) for month in (1, 7)]
    return any(
        moment.astimezone(zone).utcoffset() != moment.astimezone(theirs).utcoffset() for moment in moments
    )


def _read_item(
    item: Any, device: Device, kinds: Collection[str]
) -> tuple[datetime, RingEvent | None] | Unreadable | None:
    """One history item: (its time, the event or None if its kind is not wanted), Unreadable,
    or None for an item of an unwanted kind whose time cannot be read either."""
    if not isinstance(item, dict):
        return Unreadable(device, f"not a JSON object ({type(item).__name__})")
    raw_id = item.get("id")
    ring_id = str(raw_id) if isinstance(raw_id, int | str) and str(raw_id).strip() else None
    wanted = item.get("kind") in kinds
    try:
        created = parse_ring_time(item["created_at"])
    except (KeyError, TypeError, ValueError, AttributeError):
        if not wanted:
            return None
        return Unreadable(device, f"created_at not understood: {item.get('created_at')!r:.60}", ring_id)
    if not wanted:
        return created, None
    if ring_id is None:
        return Unreadable(device, f"an item of {created.isoformat()} without an id")
    return created, _event(item, ring_id, device, created)


def _last_id(page: list[Any]) -> int | None:
    """The id to page on: the last item's that is an integer (an item without one is skipped)."""
    for item in reversed(page):
        raw = item.get("id") if isinstance(item, dict) else None
        try:
            return int(raw)  # type: ignore[arg-type]  # anything else raises
        except (TypeError, ValueError):
            continue
    return None


def _event(item: dict[str, Any], ring_id: str, device: Device, created: datetime) -> RingEvent:
    recording = item.get("recording")
    # `recording` missing or null: no video (docs/ring-apis.md §1.4); other statuses: not yet.
    status = recording.get("status") if isinstance(recording, dict) else None
    duration = item.get("duration")
    return RingEvent(
        id=ring_id,
        device=device,
        created_at=created,
        kind=str(item.get("kind")),
        answered=bool(item.get("answered")),
        duration=float(duration) if isinstance(duration, int | float) else None,
        ready=status == "ready",
        recording_status=status if isinstance(status, str) else None,
    )


def _http_status(error: RingError) -> tuple[int | None, dict[str, str]]:
    cause = error.__cause__
    if isinstance(cause, aiohttp.ClientResponseError):
        return cause.status, dict(cause.headers or {})
    return None, {}
