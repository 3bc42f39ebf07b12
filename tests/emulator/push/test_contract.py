"""The emulator's push side answers with the shapes of the libraries' own fixtures
(tests/fixtures/push/, sources in its SOURCES.md), key for key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from firebase_messaging.proto.android_checkin_pb2 import DEVICE_CHROME_BROWSER
from firebase_messaging.proto.checkin_pb2 import AndroidCheckinRequest, AndroidCheckinResponse
from firebase_messaging.proto.mcs_pb2 import DataMessageStanza, LoginResponse
from google.protobuf.json_format import MessageToDict

from ringConnector.emulator import Emulator
from ringConnector.emulator.push.mcs import McsServer, b64, frame
from ringConnector.emulator.push.payloads import push_notification
from ringConnector.emulator.push.state import Message, Registration
from tests.support import FRONT, SmallDay, devices

FIXTURES = Path(__file__).parents[2] / "fixtures" / "push"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def keys(document: Any) -> Any:
    """The key structure of a JSON document (lists by their first item)."""
    if isinstance(document, dict):
        return {key: keys(value) for key, value in document.items()}
    if isinstance(document, list):
        return [keys(document[0])] if document else []
    return None


def test_the_registration_calls_answer_the_fixtures_shapes(emulator: Emulator) -> None:
    base = emulator.google_url
    asked = AndroidCheckinRequest(user_serial_number=0, version=3)
    asked.checkin.type = DEVICE_CHROME_BROWSER  # as firebase-messaging asks
    checkin = requests.post(base + "/checkin", data=asked.SerializeToString(), timeout=5)
    answer = AndroidCheckinResponse()
    answer.ParseFromString(checkin.content)
    assert set(MessageToDict(answer)) == set(fixture("android_checkin_response.json"))
    ids = MessageToDict(answer)
    auth = {"Authorization": f"AidLogin {ids['androidId']}:{ids['securityToken']}"}
    register = requests.post(base + "/c2dm/register3", data={"X-subtype": "wp:x"}, headers=auth, timeout=5)
    expected = (FIXTURES / "gcm_register_response.txt").read_text()
    assert register.text.startswith("token=") and expected.startswith("token=")
    installed = requests.post(base + "/v1/projects/ring-17770/installations", json={"fid": "f"}, timeout=5)
    assert keys(installed.json()) == keys(fixture("fcm_install_response.json"))
    web = {"endpoint": "https://fcm.googleapis.com/fcm/send/" + register.text[6:], "p256dh": "k", "auth": "a"}
    registered = requests.post(
        base + "/v1/projects/ring-17770/registrations",
        json={"web": web},
        headers={"x-goog-firebase-installations-auth": installed.json()["authToken"]["token"]},
        timeout=5,
    )
    assert keys(registered.json()) == keys(fixture("fcm_register_response.json"))


def test_mcs_frames_carry_the_fixtures_fields() -> None:
    login = LoginResponse(id="chrome-63.0.3234.0", jid="user@firebase.com/notifications")
    login.last_stream_id_received, login.server_timestamp = 1, 1
    assert set(MessageToDict(login)) == set(fixture("login_response.json"))
    assert frame(login, first=True)[:2] == bytes([41, 3])  # version 41, LoginResponse's tag

    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    client = Registration(1, 2, app_id="wp:x", p256dh=b64(point), auth=b64(b"0" * 16))
    stanza = McsServer._stanza(client, Message("0:1%ab", {"data": {}}))
    expected = fixture("data_message_stanza.json")
    found = MessageToDict(stanza)
    assert set(found) == set(expected)
    assert [a["key"] for a in found["appData"]] == [a["key"] for a in expected["appData"]]
    assert isinstance(DataMessageStanza.FromString(stanza.SerializeToString()), DataMessageStanza)


def test_a_pushed_ding_has_ring_doorbells_fixture_shape() -> None:
    device = next(d for d in devices() if d.id == FRONT)
    pushed = push_notification(SmallDay.first, device)
    expected = fixture("fcmdata_v2.json")
    assert set(pushed) == set(expected) and set(pushed["data"]) == set(expected["data"])
    data = json.loads(pushed["data"]["data"])
    motion = fixture("camera_motion_data.json")
    assert keys(data) == keys(motion)
    assert set(json.loads(pushed["data"]["android_config"])) == set(
        fixture("camera_motion_android_config.json")
    )
    assert json.loads(pushed["data"]["android_config"])["category"] == "com.ring.pn.live-event.ding"
