"""POST /connector/webhooks/ring: signed by Ring's HMAC key or refused, deduplicated on
meta.request_id, answered at once, and turned into one announcement to the watcher."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.sources.partner.webhooks import signature
from ringConnector.watch.watcher import Watcher
from ringConnector.web.app import create_app

KEY = "the-apps-hmac-key"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "partner"


class Listening(Watcher):
    """A watcher that only records what it is told (no thread, no downloads)."""

    def __init__(self, connector: Connector) -> None:
        super().__init__(connector)
        self.told: list[tuple[str | None, str]] = []

    def announce(
        self, device_id: str | None, *, how: str, at: datetime | None = None, ring_id: str | None = None
    ) -> None:
        self.told.append((device_id, how))


@pytest.fixture
def listening(connector: Connector) -> Listening:
    return Listening(connector)


@pytest.fixture
def ring(settings: Settings, connector: Connector, listening: Listening) -> Iterator[FlaskClient]:
    keyed = settings.replace(partner_webhook_key=KEY, api_key="the-connectors-own-key")
    yield create_app(keyed, connector=connector, watcher=listening).test_client()


def deliver(client: FlaskClient, body: bytes, header: str | None) -> int:
    headers = {"Content-Type": "application/json"} | ({"X-Signature": header} if header else {})
    return client.post("/connector/webhooks/ring", data=body, headers=headers).status_code


def test_a_signed_button_press_is_204_and_one_announcement_even_delivered_twice(
    ring: FlaskClient, listening: Listening
) -> None:
    body = (FIXTURES / "webhook_button_press.json").read_bytes()
    assert deliver(ring, body, signature(KEY, body)) == 204  # no API key needed: Ring signs
    assert deliver(ring, body, signature(KEY, body)) == 204  # Ring's duplicate: acknowledged
    assert listening.told == [("ava1.ring.device.1001", "webhook")]


@pytest.mark.parametrize("header", [None, "sha256=" + "0" * 64, "sha1=abc"])
def test_a_forged_or_unsigned_webhook_is_401_and_announces_nothing(
    ring: FlaskClient, listening: Listening, header: str | None
) -> None:
    body = (FIXTURES / "webhook_button_press.json").read_bytes()
    response = ring.post(
        "/connector/webhooks/ring",
        data=body,
        headers={"X-Signature": header} if header else {},
        content_type="application/json",
    )
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    assert listening.told == []


def test_a_signature_of_other_bytes_with_the_same_json_is_refused(
    ring: FlaskClient, listening: Listening
) -> None:
    body = (FIXTURES / "webhook_button_press.json").read_bytes()
    compact = json.dumps(json.loads(body), separators=(",", ":")).encode()
    assert deliver(ring, body, signature(KEY, compact)) == 401
    assert listening.told == []


def test_types_we_ignore_are_acknowledged_and_announce_nothing(
    ring: FlaskClient, listening: Listening
) -> None:
    document = json.loads((FIXTURES / "webhook_button_press.json").read_bytes())
    document["data"]["type"] = "device_online"
    body = json.dumps(document).encode()
    assert deliver(ring, body, signature(KEY, body)) == 204
    assert listening.told == []


def test_a_signed_body_that_is_not_rings_envelope_is_a_json_400(ring: FlaskClient) -> None:
    body = b'{"hello": "world"}'
    response = ring.post("/connector/webhooks/ring", data=body, headers={"X-Signature": signature(KEY, body)})
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_without_a_webhook_key_every_webhook_is_refused(
    settings: Settings, connector: Connector, listening: Listening
) -> None:
    client = create_app(settings, connector=connector, watcher=listening).test_client()
    body = (FIXTURES / "webhook_button_press.json").read_bytes()
    response = client.post(
        "/connector/webhooks/ring", data=body, headers={"X-Signature": signature("", body)}
    )
    assert (
        response.status_code == 401
        and "RING_PARTNER_WEBHOOK_KEY is not set" in response.get_json()["message"]
    )
