"""The Emulator: API, storage and partner hosts on loopback, served from one background thread."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from .consumer.host import create_api_app
from .consumer.recordings import add_recording_routes
from .http.faults import Fault, RandomFaults
from .http.hosting import LoopbackHosts
from .http.media import recording_sha256
from .http.storage import create_storage_app
from .partner.clips import add_clip_storage_routes
from .partner.controls import PartnerControls
from .partner.host import create_partner_app
from .partner.images import add_image_storage_routes
from .push.controls import PushControls
from .push.mcs import McsServer
from .push.registration import create_registration_app
from .push.tls import TestAuthority, make_authority
from .scenario import Event, Scenario
from .state import EmulatorState

_LOGGER = logging.getLogger(__name__)


class Emulator(PartnerControls, PushControls):
    """Ring's API, storage and Partner API hosts, and Google's push side, on loopback,
    controllable from tests."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        host: str = "127.0.0.1",
        api_port: int = 0,
        storage_port: int = 0,
        partner_port: int = 0,
        google_port: int = 0,
        mcs_port: int = 0,
        storage_first_byte_latency: float = 0.0,
        storage_bandwidth: float | None = None,
        api_latency: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        clip_bytes_per_second: int = 50_000,
    ) -> None:
        """Prepare the emulator; nothing listens until start().

        `clock` times the consumer side (tokens, storage readiness, signatures); `wall_clock`
        (epoch seconds) is the partner side's now: timestamps, codes, tokens and live views.
        """
        if storage_bandwidth is not None and storage_bandwidth <= 0:
            raise ValueError("storage_bandwidth must be positive, or None for unlimited")
        if min(storage_first_byte_latency, api_latency) < 0:
            raise ValueError("latencies cannot be negative")
        if clip_bytes_per_second < 1:
            raise ValueError("clip_bytes_per_second must be positive")
        self._hosts = LoopbackHosts(host, [api_port, storage_port, partner_port, google_port], [mcs_port])
        self.state = EmulatorState(scenario, clock, wall_clock, clip_bytes_per_second)
        self.state.event_listeners.append(self._announce_webhook)
        self._storage_latency = storage_first_byte_latency
        self._storage_bandwidth = storage_bandwidth
        self._api_latency = api_latency
        self.api_url = ""
        self.storage_url = ""
        self.partner_url = ""
        self.google_url = ""  # RING_PUSH_GOOGLE_URL: Google's registration calls
        self.mcs_address = ""  # RING_PUSH_MCS: host:port of the MCS socket (TLS)
        self._mcs: McsServer | None = None
        self._authority: TestAuthority | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def push_ca_file(self) -> Path:
        """The test certificate authority the MCS socket's certificate chains to (SSL_CERT_FILE)."""
        if self._authority is None:
            raise RuntimeError("the emulator is not running")
        return self._authority.ca_file

    @property
    def oauth_url(self) -> str:
        """Return the token endpoint's URL (Ring's https://oauth.ring.com/oauth/token)."""
        return self.api_url + "/oauth/token"

    @property
    def running(self) -> bool:
        """Tell whether the emulator is serving."""
        return self._hosts.running

    def start(self) -> Emulator:
        """Bind every port and serve from a background thread; return once all listen."""
        self.api_url, self.storage_url, self.partner_url, self.google_url = self._hosts.bind()
        (self.mcs_address,) = self._hosts.stream_addresses
        self._authority = make_authority(Path(tempfile.mkdtemp(prefix="ring-emulator-ca-")))
        self._mcs = McsServer(self.state.push)
        self._hosts.start(self._build_apps, self._build_streams)
        _LOGGER.info(
            "Ring emulator: API %s, storage %s, partner %s", self.api_url, self.storage_url, self.partner_url
        )
        return self

    def _build_apps(self, stopping: asyncio.Event) -> list[web.Application]:
        api = create_api_app(self.state, stopping, storage_url=self.storage_url, latency=self._api_latency)
        storage = create_storage_app(
            self.state,
            stopping,
            first_byte_latency=self._storage_latency,
            bandwidth=self._storage_bandwidth,
        )
        add_recording_routes(storage)
        add_clip_storage_routes(storage)
        add_image_storage_routes(storage)
        partner = create_partner_app(
            self.state,
            stopping,
            base_url=self.partner_url,
            storage_url=self.storage_url,
            latency=self._api_latency,
            first_byte_latency=self._storage_latency,
            bandwidth=self._storage_bandwidth,
        )
        self._loop = asyncio.get_running_loop()
        return [api, storage, partner, create_registration_app(self.state.push)]

    def _build_streams(self) -> list[tuple[Any, Any]]:
        assert self._mcs is not None and self._authority is not None
        return [(self._mcs.handle, self._authority.server_context())]

    def _loop_call(self, func: Callable[[], object]) -> None:
        """Run `func` in the emulator's loop (asyncio transports belong to it)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(func)

    def stop(self) -> None:
        """Stop serving, close every port and join the thread (also ends stalled requests)."""
        self.state.partner.webhooks.stop()
        self._hosts.stop()
        if self._authority is not None:
            shutil.rmtree(self._authority.ca_file.parent, ignore_errors=True)
            self._authority = None

    def __enter__(self) -> Emulator:
        """Start the emulator, unless `Emulator(...).start()` already did."""
        return self if self.running else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the emulator."""
        self.stop()

    # --- control ------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        """Queue a scripted fault."""
        self.state.faults.add(fault)

    def set_random_faults(self, faults: RandomFaults | None) -> None:
        """Turn random faults on (or off with None)."""
        self.state.faults.set_random(faults)

    def clear_faults(self) -> None:
        """Remove every scripted and random fault."""
        self.state.faults.clear()

    def count(self, route: str, key: str | None = None) -> int:
        """Return the requests received on a route, optionally for one event/device id."""
        return self.state.count(route, None if key is None else str(key))

    def counters(self) -> dict[str, int]:
        """Return the requests received per route."""
        return self.state.counters()

    def reset_counters(self) -> None:
        """Zero every counter."""
        self.state.reset_counters()

    def storage_downloads(self, event_id: str) -> int:
        """Return the completed 200 storage downloads of one event."""
        return self.state.downloads(int(event_id))

    def bytes_sent(self, event_id: str | None = None) -> int:
        """Return the recording body bytes written, for one event or in total."""
        return self.state.bytes_sent(None if event_id is None else int(event_id))

    def expected_sha256(self, event_id: str) -> str:
        """Return the SHA-256 of the bytes a full download of the event yields."""
        event = self.state.event(int(event_id))
        if event is None:
            raise KeyError(event_id)
        return recording_sha256(str(event.id), event.size)

    def expire_access_tokens(self) -> None:
        """Invalidate every access token; refresh tokens still work."""
        self.state.tokens.expire_access()

    def revoke_refresh_tokens(self) -> None:
        """Invalidate every access and refresh token."""
        self.state.tokens.revoke_all()

    def issue_token(self) -> dict[str, Any]:
        """Return a valid token dict as the token endpoint would, plus "expires_at" (epoch)."""
        token = self.state.tokens.issue()
        token["expires_at"] = time.time() + token["expires_in"]
        return token

    @property
    def hardware_ids(self) -> set[str]:
        """Return every hardware_id header seen."""
        return self.state.hardware_ids()

    def add_events(self, events: Iterable[Event]) -> None:
        """Add events while running (a new ding arriving)."""
        self.state.add_events(events)

    def set_event(self, event_id: int | str, **changes: Any) -> None:
        """Change fields of one event, e.g. recording_status="ready"."""
        self.state.set_event(int(event_id), **changes)
