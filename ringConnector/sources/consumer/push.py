"""Ring's pushes on the consumer API: ring_doorbell's RingEventListener on firebase-messaging,
aimed at the configured Google hosts and kept alive by a watchdog.

What fails in the field (docs/ring-apis.md §4), and what is done about it here:
- The listener dies silently (connection failures, errors in the callback): the watchdog rebuilds
  it from the saved credentials with backoff when it stopped, or when nothing (not even a
  heartbeat) has been heard for SILENCE_LIMIT.
- A message it cannot decrypt kills firebase-messaging 0.4.5's listener before the message is
  acknowledged, so it comes back after every restart: decryption errors are caught (counted by
  cause, and the message acknowledged) in `_SafePushClient`.
- Google writes a message's `crypto-key` and salt as base64url without padding, sometimes with
  a second `p256ecdsa=` parameter (docs/ring-apis.md §7.1); 0.4.5 decodes them strictly, by
  position: `_SafePushClient` rewrites them as it reads them first (`web_push_keys`).
- The socket lost (or silent) while the library reconnects: the state says "down" at the
  watchdog's next look (every WATCHDOG_EVERY s); the library probes a silent socket with a
  heartbeat after HEARTBEAT_AFTER s, where Ring's own settings wait two minutes.
- A registration Google no longer accepts: after REGISTER_AFTER rebuilds in a row whose MCS
  login Google refused, the listener registers from scratch (a failing network never does).
- The callback never raises and only hands on what the push names (ring id, device, time):
  the watcher fetches through history, so a replayed or doubled push costs nothing.

Every Google URL is a setting: firebase-messaging keeps them as module constants, which
`point_push_at` sets (as adapter.point_library_at does for ring_doorbell's OAuth URL).
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import dataclasses
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import firebase_messaging.fcmpushclient as fcm_client
import firebase_messaging.fcmregister as fcm_register
from cryptography.exceptions import InvalidTag
from firebase_messaging import FcmPushClient, FcmRegisterConfig
from firebase_messaging.fcmpushclient import ErrorType
from http_ece import ECEException  # type: ignore[import-untyped]  # firebase-messaging's decrypter
from ring_doorbell.const import FCM_API_KEY, FCM_APP_ID, FCM_PROJECT_ID, FCM_RING_SENDER_ID
from ring_doorbell.event import RingEvent as PushEvent
from ring_doorbell.listen import RingEventListener, RingEventListenerConfig

from ringConnector.config import Settings
from ringConnector.errors import ConnectorError
from ringConnector.metrics import PUSH_MESSAGES, PUSH_RECONNECTS, PUSH_UNDECRYPTABLE
from ringConnector.model.days import UTC_SECONDS_FORMAT, parse_ring_time
from ringConnector.storage.tokens import TokenFile

_LOGGER = logging.getLogger(__name__)

# Nothing heard for this long, not even a heartbeat (the library asks one every 60 s): rebuilt.
SILENCE_LIMIT = 180.0
# How often the watchdog looks (and, until the login is answered, how often at most).
WATCHDOG_EVERY = 5.0
LOGIN_LOOK = 0.1
# Rebuilds back off from the first to the last delay, doubling.
REBUILD_DELAYS = (2.0, 300.0)
# Rebuilds in a row whose login Google refused before registering from scratch.
REGISTER_AFTER = 2
# Silence after which the library sends a heartbeat, and how long it then waits for the answer
# before reconnecting (Ring's listener config waits 120 s; firebase-messaging's own default 20 s).
HEARTBEAT_AFTER = 30.0
HEARTBEAT_ANSWER = 5.0
CREDENTIALS_NAME = "fcm-credentials.json"


@dataclass(frozen=True)
class Pushed:
    """What a push says of a new event: its ring id (None when the push lacks it), device, time,
    and the uuid of Ring's picture of it (`img.snapshot_uuid`, when the push has one)."""

    ring_id: str | None
    device_id: str
    created_at: datetime | None
    kind: str
    snapshot_uuid: str | None = None


@dataclass(frozen=True)
class PushTiming:
    """The watchdog's timings (tests shorten them)."""

    silence_limit: float = SILENCE_LIMIT
    every: float = WATCHDOG_EVERY
    first_delay: float = REBUILD_DELAYS[0]
    max_delay: float = REBUILD_DELAYS[1]
    heartbeat_after: float = HEARTBEAT_AFTER
    heartbeat_answer: float = HEARTBEAT_ANSWER


def point_push_at(settings: Settings) -> None:
    """Aim firebase-messaging at RING_PUSH_GOOGLE_URL and RING_PUSH_MCS: module constants, which
    its modules import by name (so each importing module's copy is the one set)."""
    host, _, port = settings.push_mcs.rpartition(":")
    constants: list[tuple[object, str, object]] = [
        (fcm_client, "MCS_HOST", host),
        (fcm_client, "MCS_PORT", int(port)),
    ]
    if settings.push_google_url:
        base = settings.push_google_url
        constants += [
            (fcm_register, "GCM_CHECKIN_URL", base + "/checkin"),
            (fcm_register, "GCM_REGISTER_URL", base + "/c2dm/register3"),
            (fcm_register, "FCM_INSTALLATION", base + "/v1/"),
            (fcm_register, "FCM_REGISTRATION", base + "/v1/"),
        ]
    for module, name, value in constants:
        setattr(module, name, value)


# What made a message undecryptable: the label values of PUSH_UNDECRYPTABLE.
UNDECRYPTABLE_CAUSES = ("no_keys", "base64", "bad_key", "decryption", "other")
# One parameter of a Web Push header value: `name=value`, values maybe quoted; `;` or `,` between.
_PARAMETER = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*"?([^";,]*)"?\s*')


class _SafePushClient(FcmPushClient):
    """firebase-messaging's client, but a message's keys are read as Google writes them, and a
    message it still cannot decrypt is counted by cause and acknowledged (0.4.5 lets the error
    end the listener with the message unacknowledged, so Google delivers it again at every login
    and the listener never lives)."""

    on_undecryptable: Callable[[str], None] = staticmethod(lambda cause: None)

    def _handle_data_message(self, msg: Any) -> None:
        try:
            web_push_keys(msg)
            super()._handle_data_message(msg)
        except Exception as ex:  # decoding and decrypting errors: the message is lost
            cause = undecryptable_cause(ex)
            PUSH_MESSAGES.labels("undecryptable").inc()
            PUSH_UNDECRYPTABLE.labels(cause).inc()
            self.on_undecryptable(cause)
            _LOGGER.warning(
                "push: a message could not be decrypted and is dropped (%s: %s)", cause, type(ex).__name__
            )


def web_push_keys(msg: Any) -> None:
    """Rewrite a data message's `crypto-key` and `encryption` app data as firebase-messaging 0.4.5
    reads them: `dh=<key>` and `salt=<salt>`, base64url padded to a multiple of 4.

    It slices the first 3 and 5 characters off and decodes the rest strictly, so a value without
    padding fails ("Incorrect padding": firebase-messaging #37, #40), and so does one with a
    second parameter (`dh=<key>; p256ecdsa=<key>`: #44) or another order (#42, #43). A value
    without its parameter is left as it is (the library then fails on it, counted "no_keys")."""
    for item in msg.app_data:
        name = {"crypto-key": "dh", "encryption": "salt"}.get(item.key)
        if name is None:
            continue
        found = {key.lower(): value for key, value in _PARAMETER.findall(item.value)}
        if found.get(name):
            bare = found[name].rstrip("=")
            item.value = f"{name}={bare}{'=' * (-len(bare) % 4)}"


def undecryptable_cause(ex: Exception) -> str:
    """Which of UNDECRYPTABLE_CAUSES an error of firebase-messaging's decoding and decrypting is."""
    if isinstance(ex, RuntimeError) and "app_data" in str(ex):
        return "no_keys"  # "couldn't find in app_data crypto-key"
    if isinstance(ex, binascii.Error):
        return "base64"
    if isinstance(ex, ValueError) and "key" in str(ex).lower():
        return "bad_key"  # cryptography's "Invalid EC key": not a P-256 point
    if isinstance(ex, ECEException | InvalidTag):
        return "decryption"  # keys of another registration, or a damaged message
    return "other"


class _Listener(RingEventListener):
    """ring_doorbell's listener with the connector's own Ring subscription and session rules."""

    def __init__(self, ring: Any, subscribe: Callable[[str], Any], **kwargs: Any) -> None:
        super().__init__(ring, **kwargs)
        self._subscribe = subscribe

    async def add_subscription_to_ring(self, token: str) -> None:
        """PATCH /clients_api/device on RING_API_URL (the library's own hard-codes Ring's host)."""
        try:
            await self._subscribe(token)
        except ConnectorError as ex:
            _LOGGER.error("push: Ring did not take the push token: %s", ex)
            self.subscribed = False
            return
        self.subscribed = True

    async def _periodic_session_refresh(self) -> None:
        # The source opens a new session every 12 h and sends the token again with it.
        return


class PushListener:
    """The consumer API's pushes for one source, kept alive until stopped; thread-safe status."""

    def __init__(
        self,
        settings: Settings,
        source: Any,  # ConsumerSource (ring(), subscribe_push())
        on_push: Callable[[Pushed], None],
        *,
        timing: PushTiming | None = None,
    ) -> None:
        """Nothing runs until `run()` is awaited (in the Connector's loop)."""
        point_push_at(settings)
        self._settings = settings
        self._source = source
        self._on_push = on_push
        self._timing = timing or PushTiming()
        self._credentials = TokenFile(
            settings.oauth_file.with_name(CREDENTIALS_NAME),
            fix="push registers again by itself",
            required=("keys", "gcm", "fcm"),  # what firebase-messaging's register() returns
            what="push credentials",
        )
        self._listener: _Listener | None = None
        self._receiver: _SafePushClient | None = None
        self.state = "starting"
        self.since: float | None = None  # wall clock: when the state last changed
        self.last_message: float | None = None  # wall clock: the last push received
        self.reconnects = 0
        self.pushes = 0
        self.undecryptable = 0
        self.last_error: str | None = None

    # --- the watchdog ---------------------------------------------------------------------

    async def run(self) -> None:
        """Listen, and rebuild the listener whenever it stopped or went silent, until cancelled.
        Whatever a start or a listener raises, the loop goes on (a dead task would end push
        for good, silently)."""
        delay = self._timing.first_delay
        refused = 0  # rebuilds in a row whose login Google refused
        try:
            while True:
                try:
                    logged_in = (
                        await self._start(from_scratch=refused >= REGISTER_AFTER) and await self._watch()
                    )
                except Exception as ex:  # e.g. aiohttp errors firebase-messaging lets through
                    _LOGGER.exception("push: the listener failed unexpectedly")
                    self.last_error, logged_in = f"{type(ex).__name__}: {ex}", False
                # Only a refused login says the saved registration is bad; a network that fails
                # must not make a new Google registration (and a new Ring token) every cycle.
                refused = 0 if logged_in else refused + int(self._login_refused())
                if logged_in:
                    delay = self._timing.first_delay
                self._set("down")
                await self._stop_listener()
                PUSH_RECONNECTS.inc()
                self.reconnects += 1
                _LOGGER.warning("push: listener down (%s); rebuilt in %.0f s", self.last_error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._timing.max_delay)
        finally:
            self._set("off")
            await self._stop_listener()

    def _login_refused(self) -> bool:
        """Whether the last receiver's MCS login was answered with an error (firebase-messaging
        counts those as LOGIN errors)."""
        receiver = self._receiver
        return receiver is not None and receiver.sequential_error_counters.get(ErrorType.LOGIN, 0) > 0

    async def _watch(self) -> bool:
        """Return once the receiver stopped or has been silent too long (before its login too);
        True if it had logged in meanwhile."""
        began = time.time()
        logged_in = False
        while True:
            # Until the login is answered, look often: "connected" should show as soon as it is.
            await asyncio.sleep(self._timing.every if logged_in else min(self._timing.every, LOGIN_LOOK))
            receiver = self._receiver
            if receiver is None or not receiver.do_listen:
                self.last_error = "the receiver stopped"
                return logged_in
            if receiver.is_started():  # the MCS login was answered
                logged_in = True
                self._set("connected")
            elif logged_in:  # the socket was lost: the library reconnects (or waits to)
                self.last_error = "the connection to Google was lost; reconnecting"
                self._set("down")
            # Every frame counts, heartbeat acknowledgements too (the library asks for them).
            heard = receiver.last_message_time or began
            if time.time() - heard > self._timing.silence_limit:
                self.last_error = f"nothing heard for {time.time() - heard:.0f} s"
                return logged_in

    async def _start(self, *, from_scratch: bool) -> bool:
        """Check in (or register) and start the receiver; False if that failed. "Connected"
        comes later, once the MCS login is answered (_watch)."""
        credentials = None if from_scratch else await asyncio.to_thread(self._saved_credentials)
        if from_scratch:
            _LOGGER.warning("push: Google refuses the saved registration; registering from scratch")
        ring = await self._source.ring()
        listener = _Listener(
            ring,
            self._source.subscribe_push,
            credentials=credentials,
            credentials_updated_callback=self._save_credentials,
        )
        # Our client (decryption errors survived), built as the library's start() would build
        # its own: start() uses `_receiver` when it is set, the one seam for this.
        receiver = _SafePushClient(
            self._notified(listener),
            FcmRegisterConfig(FCM_PROJECT_ID, FCM_APP_ID, FCM_API_KEY, FCM_RING_SENDER_ID),
            credentials,
            self._save_credentials,
            config=self._receiver_config(),
            http_client_session=ring.auth._session,  # ring_doorbell passes its own the same way
        )
        receiver.on_undecryptable = self._count_undecryptable
        listener._receiver = receiver
        self._listener, self._receiver = listener, receiver
        try:
            started = await listener.start()
        except (ConnectorError, RuntimeError, TimeoutError) as ex:
            # RuntimeError: firebase-messaging's "Unable to register ..."; TimeoutError: no start.
            self.last_error = f"{type(ex).__name__}: {ex}"
            return False
        if not started:
            self.last_error = "Ring or Google refused the registration"
            return False
        _LOGGER.info(
            "push: listening (%s)", "new registration" if credentials is None else "saved registration"
        )
        return True

    def _receiver_config(self) -> RingEventListenerConfig:
        """Ring's listener settings, but a silent socket is probed after heartbeat_after s."""
        config = RingEventListenerConfig.default_config()
        config.client_heartbeat_interval = max(1, round(self._timing.heartbeat_after))
        config.heartbeat_ack_timeout = self._timing.heartbeat_answer
        # The library looks this often whether a heartbeat is due.
        config.monitor_interval = min(config.monitor_interval, self._timing.heartbeat_answer)
        return config

    def _saved_credentials(self) -> dict[str, Any] | None:
        """The saved credentials if whole (a registration half done is registered again)."""
        saved = self._credentials.peek()
        return saved if saved is not None and _whole(saved) else None

    async def _stop_listener(self) -> None:
        listener, self._listener, self._receiver = self._listener, None, None
        if listener is not None:
            with contextlib.suppress(Exception):
                await listener.stop()

    def _save_credentials(self, credentials: dict[str, Any]) -> None:
        """Kept beside the token (0600, atomic) so that a restart does not register again; a
        registration half done (firebase-messaging hands one on when Firebase's registrations
        call failed) is refused, and so not kept to fail every later start."""
        if not _whole(credentials):
            raise RuntimeError("Firebase registration incomplete (no FCM token)")
        self._credentials.save(credentials)
        _LOGGER.info("push: registered with Firebase; credentials saved")

    def _count_undecryptable(self, cause: str) -> None:
        self.undecryptable += 1

    def _set(self, state: str) -> None:
        if state != self.state:
            self.state, self.since = state, time.time()

    # --- messages -------------------------------------------------------------------------

    def _notified(self, listener: _Listener) -> Callable[[dict[str, Any], str, Any], None]:
        """The receiver's callback: never raises, hands on what the push names."""
        parsed: list[PushEvent] = []
        listener.add_notification_callback(parsed.append)  # told by ring_doorbell's parser

        def notified(notification: dict[str, Any], persistent_id: str, context: Any = None) -> None:
            try:
                self.last_message = time.time()
                self.pushes += 1
                PUSH_MESSAGES.labels("received").inc()
                parsed.clear()
                try:
                    listener._on_notification(notification, persistent_id)
                except (KeyError, ValueError, TypeError):
                    parsed.clear()  # e.g. a ding without an id: read below
                pushed = _pushed(parsed[-1]) if parsed else _without_id(notification)
                if pushed is None:
                    _LOGGER.debug("push: a message that names no event (%s)", persistent_id)
                    return
                self._on_push(dataclasses.replace(pushed, snapshot_uuid=_snapshot_uuid(notification)))
            except Exception:  # the listener must live whatever a push holds
                _LOGGER.exception("push: a message could not be handled")

        return notified

    def status(self) -> dict[str, Any]:
        """How push stands, for GET /connector/watch and /readyz."""
        return {
            "state": self.state,
            "since": _iso(self.since),
            "lastMessage": _iso(self.last_message),
            "pushes": self.pushes,
            "reconnects": self.reconnects,
            "undecryptable": self.undecryptable,
            "lastError": self.last_error,
        }


def _whole(credentials: dict[str, Any]) -> bool:
    """Credentials with everything a check-in and a login need."""
    try:
        return bool(
            credentials["fcm"]["registration"]["token"]
            and credentials["gcm"]["android_id"]
            and credentials["gcm"]["security_token"]
            and credentials["keys"]["private"]
        )
    except (KeyError, TypeError):
        return False


def _pushed(event: PushEvent) -> Pushed:
    created = datetime.fromtimestamp(event.now, UTC) if event.now else None
    return Pushed(str(event.id), str(event.doorbot_id), created, str(event.kind))


def _without_id(notification: dict[str, Any]) -> Pushed | None:
    """A push whose ding has no id: its device and time, for the watcher to find in history."""
    try:
        data = json.loads(notification["data"]["data"])
        ding = data["event"]["ding"]
        created = parse_ring_time(str(ding["created_at"]))
        return Pushed(None, str(data["device"]["id"]), created, str(ding.get("subtype", "")))
    except (KeyError, ValueError, TypeError):
        return None


def _snapshot_uuid(notification: dict[str, Any]) -> str | None:
    """The uuid of Ring's picture of the event, from the push's `img` (a JSON string in v2
    pushes: python-ring-doorbell's fixture tests/fixtures/listen/camera_motion_img.json), without
    what follows ":" (ring-client-api's cleanSnapshotUuid); None when the push has none."""
    try:
        img = notification["data"]["img"]
        found = (json.loads(img) if isinstance(img, str) else img).get("snapshot_uuid")
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    uuid = found.split(":", 1)[0].strip() if isinstance(found, str) else ""
    return uuid or None


def _iso(moment: float | None) -> str | None:
    return datetime.fromtimestamp(moment, UTC).strftime(UTC_SECONDS_FORMAT) if moment else None
