"""The emulator's push side against the real firebase-messaging, aimed at it only by its module
constants and SSL_CERT_FILE: registration, login over TLS, a data message decrypted, acks."""

from __future__ import annotations

import asyncio
from base64 import urlsafe_b64decode
from typing import Any

import firebase_messaging.fcmpushclient as pushclient
import firebase_messaging.fcmregister as register
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from firebase_messaging import FcmPushClient, FcmPushClientConfig, FcmRegisterConfig

from ringConnector.emulator import Emulator
from ringConnector.emulator.push.mcs import McsServer, b64
from ringConnector.emulator.push.state import Message, Registration
from tests.support import FRONT, until

# ring_doorbell.const's Firebase project of Ring's app.
RING_CONFIG = FcmRegisterConfig(
    "ring-17770", "1:876313859327:android:e10ec6ddb3c81f39", "AIza-key", "876313859327"
)


@pytest.fixture
def aimed(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    base = emulator.google_url
    monkeypatch.setattr(register, "GCM_CHECKIN_URL", base + "/checkin")
    monkeypatch.setattr(register, "GCM_REGISTER_URL", base + "/c2dm/register3")
    monkeypatch.setattr(register, "FCM_INSTALLATION", base + "/v1/")
    monkeypatch.setattr(register, "FCM_REGISTRATION", base + "/v1/")
    host, port = emulator.mcs_address.rsplit(":", 1)
    monkeypatch.setattr(pushclient, "MCS_HOST", host)
    monkeypatch.setattr(pushclient, "MCS_PORT", int(port))
    monkeypatch.setenv("SSL_CERT_FILE", str(emulator.push_ca_file))
    return emulator


async def _listen(emulator: Emulator, received: list[dict[str, Any]]) -> FcmPushClient:
    client = FcmPushClient(
        lambda notification, persistent_id, _: received.append(notification),
        RING_CONFIG,
        config=FcmPushClientConfig(abort_on_sequential_error_count=None),
    )
    token = await client.checkin_or_register()
    emulator.state.subscribe_push("hw-1", token)  # what PATCH /clients_api/device does
    await client.start()
    await until(client.is_started, "the client to log in")
    return client


def test_a_pushed_ding_arrives_decrypted_and_is_acknowledged(aimed: Emulator) -> None:
    received: list[dict[str, Any]] = []

    async def scenario() -> None:
        client = await _listen(aimed, received)
        assert client.is_started()
        event = aimed.ring_now(FRONT)
        await until(lambda: bool(received) and aimed.push_waiting() == 0, "the push, acknowledged")
        await client.stop()
        assert received[0]["data"]["version"] == "2.0.0"
        assert f'"id": "{event.id}"' in received[0]["data"]["data"]

    asyncio.run(scenario())
    counts = aimed.push_counts()
    assert (counts["checkin"], counts["register"], counts["registration"], counts["login"]) == (1, 1, 1, 1)
    assert counts["ack"] == 1 and aimed.push_waiting() == 0


@pytest.mark.parametrize("keys", ["unpadded", "signed"])
def test_keys_written_as_google_writes_them_stop_firebase_messaging_unacknowledged(
    aimed: Emulator, keys: str
) -> None:
    """What the field reports of 0.4.5 (firebase-messaging #40, #44; home-assistant/core
    #173915): "Incorrect padding, shutting down FcmPushClient", the message never acknowledged."""
    received: list[dict[str, Any]] = []

    async def scenario() -> None:
        client = await _listen(aimed, received)
        aimed.ring_now(FRONT, keys=keys)
        await until(lambda: not client.do_listen, "the client to shut down")
        await client.stop()

    asyncio.run(scenario())
    assert received == [] and aimed.push_waiting() == 1 and aimed.push_counts().get("ack", 0) == 0


def test_unpadded_keys_decode_once_padded_again() -> None:
    """The values are the padded ones less their `=`: padding them again is all it takes."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    registration = Registration(1, 2, app_id="wp:x", p256dh=b64(point), auth=b64(b"0" * 16))
    stanza = McsServer._stanza(registration, Message("0:1%ab", {"data": {}}, keys="unpadded"))
    values = {item.key: item.value for item in stanza.app_data}
    assert not values["crypto-key"].endswith("=") and not values["encryption"].endswith("=")
    assert len(urlsafe_b64decode(values["crypto-key"][3:] + "=")) == 65  # a P-256 point
    assert len(urlsafe_b64decode(values["encryption"][5:] + "==")) == 16  # a 16-byte salt
