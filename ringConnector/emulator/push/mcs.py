"""Google's MCS socket (mtalk.google.com:5228) as firebase-messaging speaks it: TLS, then frames
of [version (first only)] tag, varint length, protobuf (fcmpushclient.py's own framing), a login,
heartbeat acknowledgements, selective acknowledgements, and data messages encrypted with Web Push
`aesgcm` (RFC 8291's draft scheme, as http_ece implements it) under the client's registered keys.

A message stays waiting until the client acknowledges it, and is delivered again at its next
login unless the login lists it as received: a message the client cannot decrypt, and so never
acknowledges, comes back every time (the field's "poison message").

The `crypto-key` and `encryption` values come in the key styles of KEY_STYLES: base64url with
padding (firebase-messaging's own fixture), without it (as Google sends some messages since June
2026: firebase-messaging #37, #40; home-assistant/core #173915, #179149), or without it and with a
second `p256ecdsa=` parameter after the `dh=` one (firebase-messaging #44, seen from Ring since
July 2026). docs/emulator-push.md has the links."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import struct
import time
from base64 import urlsafe_b64decode, urlsafe_b64encode

import http_ece  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from firebase_messaging.proto.mcs_pb2 import (
    Close,
    DataMessageStanza,
    HeartbeatAck,
    HeartbeatPing,
    IqStanza,
    LoginRequest,
    LoginResponse,
    SelectiveAck,
)
from google.protobuf.message import DecodeError
from google.protobuf.message import Message as Proto

from .state import Message, PushState, Registration

_LOGGER = logging.getLogger(__name__)
MCS_VERSION = 41
# Tags of the MCS frames (firebase_messaging.fcmpushclient.MCS_MESSAGE_TAG).
TAGS: dict[type[Proto], int] = {
    HeartbeatPing: 0,
    HeartbeatAck: 1,
    LoginRequest: 2,
    LoginResponse: 3,
    Close: 4,
    IqStanza: 7,
    DataMessageStanza: 8,
}
CLASSES = {tag: cls for cls, tag in TAGS.items()}
SELECTIVE_ACK = 12
# The sender id of Ring's pushes (ring_doorbell.const.FCM_RING_SENDER_ID).
RING_SENDER = "876313859327"


# How a message's `crypto-key` (dh=) and `encryption` (salt=) values are written (see above).
KEY_STYLES = ("padded", "unpadded", "signed")


def b64(data: bytes) -> str:
    """URL-safe base64 with padding, as firebase-messaging decodes it."""
    return urlsafe_b64encode(data).decode("ascii")


def web_push_values(sender_point: bytes, salt: bytes, style: str = "padded") -> tuple[str, str]:
    """The `crypto-key` and `encryption` app data values of a message, in one of KEY_STYLES."""
    if style not in KEY_STYLES:
        raise ValueError(f"key style must be one of {KEY_STYLES}, got {style!r}")
    if style == "padded":
        return f"dh={b64(sender_point)}", f"salt={b64(salt)}"
    key, salted = f"dh={b64(sender_point).rstrip('=')}", f"salt={b64(salt).rstrip('=')}"
    if style == "signed":  # the sender's VAPID key beside its DH key (firebase-messaging #44)
        signer = ec.generate_private_key(ec.SECP256R1()).public_key()
        key += "; p256ecdsa=" + b64(_point(signer)).rstrip("=")
    return key, salted


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def _unb64(text: str) -> bytes:
    return urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))


def encrypt(
    registration: Registration, plaintext: bytes, *, poison: bool = False, keys: str = "padded"
) -> tuple[bytes, str, str]:
    """Web Push `aesgcm` under the client's keys: (ciphertext, crypto-key, encryption) values,
    written in the key style `keys`. A poison message is encrypted for a key pair nobody holds."""
    sender = ec.generate_private_key(ec.SECP256R1())
    receiver = _unb64(registration.p256dh)
    if poison:
        receiver = _point(ec.generate_private_key(ec.SECP256R1()).public_key())
    salt = os.urandom(16)
    body = http_ece.encrypt(
        plaintext,
        salt=salt,
        private_key=sender,
        dh=receiver,
        auth_secret=_unb64(registration.auth),
        version="aesgcm",
    )
    return bytes(body), *web_push_values(_point(sender.public_key()), salt, keys)


def frame(message: Proto, *, first: bool) -> bytes:
    """One MCS frame: [version] tag, varint length, the protobuf."""
    payload: bytes = message.SerializeToString()
    length, size = bytearray(), len(payload)
    while True:
        byte, size = size & 0x7F, size >> 7
        length.append(byte | (0x80 if size else 0))
        if not size:
            break
    head = bytes([MCS_VERSION, TAGS[type(message)]]) if first else bytes([TAGS[type(message)]])
    return head + bytes(length) + payload


async def read_frame(reader: asyncio.StreamReader, *, first: bool) -> Proto | None:
    """The next frame's message (None for a tag this stand-in does not speak)."""
    if first:
        version, tag = struct.unpack("BB", await reader.readexactly(2))
        if version < MCS_VERSION:
            raise ValueError(f"MCS version {version}")
    else:
        (tag,) = struct.unpack("B", await reader.readexactly(1))
    size = shift = 0
    while True:
        (byte,) = struct.unpack("B", await reader.readexactly(1))
        size |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
        shift += 7
    body = await reader.readexactly(size)
    cls = CLASSES.get(tag)
    if cls is None:
        return None
    message = cls()
    message.ParseFromString(body)
    return message


class McsServer:
    """Serves MCS connections against a PushState."""

    def __init__(self, state: PushState) -> None:
        """Deliver `state`'s messages to whoever logs in as their client."""
        self.state = state

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One client connection, until it closes or the emulator drops it."""
        self.state.connections.add(writer)
        try:
            login = await read_frame(reader, first=True)
            if not isinstance(login, LoginRequest) or self.state.silent:
                await self._hold(reader)
                return
            registration = self.state.find(int(login.user or 0), int(login.auth_token or 0))
            answer = LoginResponse(id="chrome-63.0.3234.0", jid="user@firebase.com/notifications")
            answer.last_stream_id_received = 1
            answer.server_timestamp = int(time.time() * 1000)
            if registration is None:
                answer.error.code = 401  # ids Google does not know: the client must register again
                answer.error.message = "AUTHENTICATION_FAILED"
                self.state.bump("login_refused")
                writer.write(frame(answer, first=True))
                await writer.drain()
                return
            self.state.bump("login")
            writer.write(frame(answer, first=True))
            received = set(login.received_persistent_id)
            self.state.acknowledged(registration.android_id, list(received))
            deliver = asyncio.Event()
            deliver.set()
            loop = asyncio.get_running_loop()

            def wake() -> None:  # called from any thread (a test's ring_now)
                loop.call_soon_threadsafe(deliver.set)

            self.state.on_change.append(wake)
            sender = asyncio.create_task(self._deliver(registration, writer, deliver))
            try:
                await self._read(registration, reader, writer)
            finally:
                self.state.on_change.remove(wake)
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender
        except (asyncio.IncompleteReadError, OSError, ValueError, DecodeError):
            pass  # the client went away, or sent what MCS would not take: the connection ends
        finally:
            self.state.connections.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _hold(self, reader: asyncio.StreamReader) -> None:
        """Silence: read and answer nothing (a connection that stopped working)."""
        while await reader.read(4096):
            pass

    async def _read(
        self, registration: Registration, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            message = await read_frame(reader, first=False)
            if self.state.silent:
                continue
            if isinstance(message, HeartbeatPing):
                self.state.bump("heartbeat")
                writer.write(frame(HeartbeatAck(), first=False))
                await writer.drain()
            elif isinstance(message, IqStanza) and message.extension.id == SELECTIVE_ACK:
                acked = SelectiveAck()
                acked.ParseFromString(message.extension.data)
                self.state.acknowledged(registration.android_id, list(acked.id))
            elif isinstance(message, Close):
                return

    async def _deliver(
        self, registration: Registration, writer: asyncio.StreamWriter, wake: asyncio.Event
    ) -> None:
        sent: set[str] = set()
        while True:
            await wake.wait()
            wake.clear()
            if self.state.silent:
                continue
            for message in self.state.waiting(registration.android_id):
                if message.persistent_id in sent:
                    continue  # on this connection already; it comes again after a reconnect
                sent.add(message.persistent_id)
                writer.write(frame(self._stanza(registration, message), first=False))
                self.state.bump("delivered")
            await writer.drain()

    @staticmethod
    def _stanza(registration: Registration, message: Message) -> DataMessageStanza:
        raw, crypto_key, salt = encrypt(
            registration, json.dumps(message.notification).encode(), poison=message.poison, keys=message.keys
        )
        stanza = DataMessageStanza(category="org.chromium.linux", persistent_id=message.persistent_id)
        setattr(stanza, "from", RING_SENDER)  # `from` is a Python keyword
        stanza.id = message.persistent_id[-8:]
        stanza.last_stream_id_received = 1
        stanza.ttl = 2419200
        stanza.sent = int(time.time() * 1000)
        stanza.raw_data = raw
        for key, value in (
            ("google.source", "webpush"),
            ("encryption", salt),
            ("subtype", registration.app_id),
            ("crypto-key", crypto_key),
        ):
            stanza.app_data.add(key=key, value=value)
        return stanza

    def drop(self) -> None:
        """Close every live connection at once (the field's dropped socket)."""
        for writer in list(self.state.connections):
            writer.transport.abort()
