"""The emulator's push side against the real firebase-messaging, aimed at it only by its module
constants and SSL_CERT_FILE: registration, login over TLS, a data message decrypted, acks."""

from __future__ import annotations

import asyncio
from typing import Any

import firebase_messaging.fcmpushclient as pushclient
import firebase_messaging.fcmregister as register
import pytest
from firebase_messaging import FcmPushClient, FcmPushClientConfig, FcmRegisterConfig

from ringConnector.emulator import Emulator
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
