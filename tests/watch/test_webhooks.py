"""POST /connector/webhooks/ring: signed by Ring's HMAC key or refused, deduplicated on
meta.request_id, answered at once, and turned into one announcement to the watcher."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.download.jobs import MAX_RUNNING_JOBS
from ringConnector.sources.partner.webhooks import signature
from ringConnector.storage.state_db import FILE_NAME, WEBHOOK_KEEP, StateDatabase
from ringConnector.watch.watcher import Watcher
from ringConnector.web.app import create_app

KEY = "the-apps-hmac-key"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "partner"


class Listening(Watcher):
    """A watcher that records what it is told (no thread, no downloads)."""

    def __init__(self, connector: Connector) -> None:
        super().__init__(connector)
        self.told: list[tuple[str | None, str]] = []

    def announce(
        self,
        device_id: str | None,
        *,
        how: str,
        at: datetime | None = None,
        ring_id: str | None = None,
        request_id: str | None = None,
        kind: str = "ding",
        snapshot_uuid: str | None = None,
    ) -> bool:
        fresh = super().announce(
            device_id,
            how=how,
            at=at,
            ring_id=ring_id,
            request_id=request_id,
            kind=kind,
            snapshot_uuid=snapshot_uuid,
        )
        if fresh:
            self.told.append((device_id, how))
        return fresh


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


def signed_at(sent: datetime, request_id: str = "r-late") -> bytes:
    """The fixture's button press as Ring would have sent it at `sent`."""
    document = json.loads((FIXTURES / "webhook_button_press.json").read_bytes())
    document["meta"]["time"] = sent.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    document["meta"]["request_id"] = request_id
    return json.dumps(document).encode()


def test_a_webhook_older_than_the_dedupe_window_is_refused_as_a_replay(
    ring: FlaskClient, listening: Listening, connector: Connector
) -> None:
    stale = signed_at(connector.now() - timedelta(seconds=WEBHOOK_KEEP + 60), "r-stale")
    response = ring.post(
        "/connector/webhooks/ring", data=stale, headers={"X-Signature": signature(KEY, stale)}
    )
    assert response.status_code == 400 and "refused as a replay" in response.get_json()["message"]
    late = signed_at(connector.now() - timedelta(seconds=WEBHOOK_KEEP - 60), "r-late")
    assert deliver(ring, late, signature(KEY, late)) == 204  # late, but inside the window
    assert listening.told == [("ava1.ring.device.1001", "webhook")]


def test_an_announcement_that_cannot_be_kept_is_a_503_and_the_retry_is_acted_on(
    ring: FlaskClient, listening: Listening, settings: Settings
) -> None:
    database = settings.data_dir / FILE_NAME
    database.parent.mkdir(parents=True, exist_ok=True)
    database.mkdir()  # no database can be opened there: as a full disk or a held lock would
    body = (FIXTURES / "webhook_button_press.json").read_bytes()
    response = ring.post("/connector/webhooks/ring", data=body, headers={"X-Signature": signature(KEY, body)})
    assert response.status_code == 503 and response.get_json()["error"] == "try_again_later"
    assert response.headers["Retry-After"] == "30"
    assert listening.told == []
    database.rmdir()  # the cause goes away; Ring retries the same delivery
    assert deliver(ring, body, signature(KEY, body)) == 204
    assert listening.told == [("ava1.ring.device.1001", "webhook")]
    # Kept for the watcher, so a restart after the 204 still looks for its event.
    (kept,) = StateDatabase(database).announcements()
    assert (kept.device_id, kept.how) == ("ava1.ring.device.1001", "webhook")


def test_without_watch_mode_a_full_job_book_is_a_503_and_not_remembered(
    settings: Settings, connector: Connector
) -> None:
    client = create_app(settings.replace(partner_webhook_key=KEY), connector=connector).test_client()
    held = [connector.jobs.start(f"2026010{n}", frozenset())[0] for n in range(1, MAX_RUNNING_JOBS + 1)]
    body = (FIXTURES / "webhook_button_press.json").read_bytes()
    refused = client.post(
        "/connector/webhooks/ring", data=body, headers={"X-Signature": signature(KEY, body)}
    )
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "10"
    assert connector.state.seen("5b0f3c7e-8d0e-4c1a-9f5e-2b7d6a1c9e01") is False
    held[0].ended(None, "finished")
    assert deliver(client, body, signature(KEY, body)) == 204
    assert connector.state.seen("5b0f3c7e-8d0e-4c1a-9f5e-2b7d6a1c9e01") is True
    assert deliver(client, body, signature(KEY, body)) == 204  # Ring's duplicate: acknowledged
