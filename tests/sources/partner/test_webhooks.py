"""Ring's webhooks as the connector reads them: the signature over the raw body, the payload."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ringConnector.errors import BadRequest, Unauthorized
from ringConnector.sources.partner.webhooks import Notification, parse, signature, verify

FIXTURES = Path(__file__).parents[2] / "fixtures" / "partner"
KEY = "the-apps-hmac-key"


def body_of(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_a_button_press_is_a_ding_of_its_device_at_its_timestamp() -> None:
    assert parse(body_of("webhook_button_press.json")) == Notification(
        request_id="5b0f3c7e-8d0e-4c1a-9f5e-2b7d6a1c9e01",
        type="button_press",
        device_id="ava1.ring.device.1001",
        at=datetime(2026, 11, 22, 7, 45, 1, 393000, tzinfo=UTC),
        sub_type=None,
        sent=datetime(2026, 11, 22, 7, 45, 3, 27052, tzinfo=UTC),  # meta.time, to the microsecond
    )
    assert parse(body_of("webhook_button_press.json")).kind == "ding"


def test_a_motion_carries_its_sub_type_from_where_rings_page_puts_it() -> None:
    motion = parse(body_of("webhook_motion_detected.json"))
    assert (motion.kind, motion.sub_type) == ("motion", "human")
    moved = json.loads(body_of("webhook_motion_detected.json"))
    moved["data"]["attributes"]["sub_type"] = moved["data"].pop("subType")
    assert parse(json.dumps(moved).encode()).sub_type == "human"


@pytest.mark.parametrize("kind", ["device_online", "device_added", "subscription_cancelled", "never_seen"])
def test_other_types_are_read_but_announce_nothing(kind: str) -> None:
    document = json.loads(body_of("webhook_button_press.json"))
    document["data"]["type"] = kind
    assert parse(json.dumps(document).encode()).kind is None


def test_a_signature_of_the_raw_body_is_accepted() -> None:
    body = body_of("webhook_button_press.json")
    assert signature(KEY, body).startswith("sha256=") and len(signature(KEY, body)) == 7 + 64
    verify(KEY, body, signature(KEY, body))  # no exception


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=" + "0" * 64,
        "sha1=" + "0" * 40,
        "SHA256=",
    ],
)
def test_a_missing_or_wrong_signature_is_refused(header: str | None) -> None:
    with pytest.raises(Unauthorized, match="no valid X-Signature"):
        verify(KEY, body_of("webhook_button_press.json"), header)


def test_a_signature_of_the_same_json_serialised_again_is_refused() -> None:
    body = body_of("webhook_button_press.json")
    again = json.dumps(json.loads(body), separators=(",", ":")).encode()
    with pytest.raises(Unauthorized):
        verify(KEY, body, signature(KEY, again))


def test_another_keys_signature_is_refused_and_no_key_accepts_nothing() -> None:
    body = body_of("webhook_button_press.json")
    with pytest.raises(Unauthorized):
        verify(KEY, body, signature("another-key", body))
    with pytest.raises(Unauthorized, match="RING_PARTNER_WEBHOOK_KEY is not set"):
        verify("", body, signature("", body))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff not json", "not JSON"),
        (b"[1, 2]", "no meta object"),
        (b'{"meta": {}, "data": {"type": "button_press"}}', "no usable meta.request_id"),
        (b'{"meta": {"request_id": "r"}, "data": {}}', "no data.type"),
        (b'{"meta": {"request_id": "r"}}', "no data object"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
    ],
)
def test_a_body_that_is_not_rings_envelope_is_a_bad_request(body: bytes, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        parse(body)


def test_an_unreadable_timestamp_or_source_is_none_not_an_error() -> None:
    document = json.loads(body_of("webhook_button_press.json"))
    document["data"]["attributes"] = {"source": 7, "timestamp": "yesterday"}
    read = parse(json.dumps(document).encode())
    assert (read.device_id, read.at, read.kind) == (None, None, "ding")
