"""The Partner host's webhooks: signed POSTs of Ring's documented payload to a registered URL,
with Ring's retries, and drops and duplicates on demand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from ringConnector.emulator import (
    FRONT_DOOR,
    Emulator,
    Event,
    PartnerApp,
    WebhookFaults,
    event_id,
    partner_device_id,
)
from ringConnector.sources.partner.webhooks import parse, verify
from tests.emulator.partner.test_contract import fixture, shape
from tests.support import Loopback, wait_for

KEY = PartnerApp().hmac_key
FAST = 0.0001  # Ring's retry delays (1 s ... 1 h) scaled to well under a second


class Receiver(Loopback):
    """A partner's webhook endpoint on loopback."""

    @property
    def received(self) -> list[tuple[dict[str, str], bytes]]:
        return [(headers, body) for _, _, headers, body in self.requests]

    @property
    def statuses(self) -> list[int]:
        return [status for status, _, _ in self.answers]

    @statuses.setter
    def statuses(self, statuses: list[int]) -> None:
        self.answers = [(status, {}, b"") for status in statuses]

    def bodies(self) -> list[bytes]:
        return [body for _, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.url += "/connector/webhooks/ring"
    yield found
    found.close()


def ring(emu: Emulator, second: int = 0, kind: str = "ding", **fields: Any) -> Event:
    """A new event on the front door, added while the emulator runs."""
    moment = datetime(2024, 3, 10, 23, 0, second, tzinfo=UTC)
    event = Event(event_id(moment, 9), FRONT_DOOR, moment, kind=kind, **fields)
    emu.add_events([event])
    return event


def answered(emu: Emulator, statuses: list[list[int]]) -> None:
    """Wait until the sender has recorded these answers: a receiver holds a request before its
    answer reaches the sender, so what the receiver got says nothing of the sender's record yet."""
    wait_for(lambda: [d["statuses"] for d in emu.webhook_deliveries()] == statuses, f"answers {statuses}")


def test_a_new_ding_is_posted_signed_with_the_documented_payload(emu: Emulator, receiver: Receiver) -> None:
    emu.register_webhook(receiver.url)
    event = ring(emu)
    wait_for(lambda: len(receiver.received) == 1, "the webhook")
    headers, body = receiver.received[0]
    assert headers["Content-Type"] == "application/json"
    verify(KEY, body, headers["X-Signature"])  # Ring's signature of the raw body
    assert shape(json.loads(body)) == shape(fixture("webhook_button_press.json"))
    notification = parse(body)
    assert (notification.kind, notification.device_id) == ("ding", partner_device_id(FRONT_DOOR))
    assert notification.at == event.created_at
    answered(emu, [[204]])


def test_a_motion_with_a_sub_type_has_the_documented_motion_payload(
    emu: Emulator, receiver: Receiver
) -> None:
    emu.register_webhook(receiver.url)
    ring(emu, kind="motion", sub_type="human")
    wait_for(lambda: len(receiver.received) == 1, "the webhook")
    assert shape(json.loads(receiver.bodies()[0])) == shape(fixture("webhook_motion_detected.json"))
    assert parse(receiver.bodies()[0]).sub_type == "human"


def test_no_url_registered_or_an_on_demand_event_sends_nothing(emu: Emulator, receiver: Receiver) -> None:
    ring(emu, 1)
    emu.register_webhook(receiver.url)
    ring(emu, 2, kind="on_demand")
    ring(emu, 3)
    wait_for(lambda: len(receiver.received) == 1, "the one webhook")
    assert parse(receiver.bodies()[0]).at == datetime(2024, 3, 10, 23, 0, 3, tzinfo=UTC)
    assert len(emu.webhook_deliveries()) == 1


def test_a_dropped_webhook_is_never_sent_and_the_next_one_is(emu: Emulator, receiver: Receiver) -> None:
    emu.register_webhook(receiver.url, WebhookFaults(drop=1))
    ring(emu, 1)
    ring(emu, 2)
    wait_for(lambda: len(receiver.received) == 1, "the second webhook")
    answered(emu, [[], [204]])
    deliveries = emu.webhook_deliveries()
    assert [(d["dropped"], d["delivered"]) for d in deliveries] == [(True, False), (False, True)]
    assert parse(receiver.bodies()[0]).request_id == deliveries[1]["request_id"]


def test_a_duplicated_webhook_comes_twice_with_the_same_request_id(emu: Emulator, receiver: Receiver) -> None:
    emu.register_webhook(receiver.url, WebhookFaults(duplicate=1))
    ring(emu)
    wait_for(lambda: len(receiver.received) == 2, "both copies")
    first, second = receiver.bodies()
    assert first == second
    answered(emu, [[204, 204]])


def test_a_5xx_is_retried_on_rings_schedule_and_a_4xx_never(emu: Emulator, receiver: Receiver) -> None:
    emu.register_webhook(receiver.url, WebhookFaults(retry_scale=FAST))
    receiver.statuses = [500, 503, 200, 400]
    ring(emu, 1)
    wait_for(lambda: emu.webhook_deliveries()[0]["delivered"], "the retried webhook")
    ring(emu, 2)
    wait_for(lambda: len(receiver.received) == 4, "the refused webhook")
    answered(emu, [[500, 503, 200], [400]])


def test_a_receiver_that_never_answers_well_gets_rings_seven_attempts(
    emu: Emulator, receiver: Receiver
) -> None:
    emu.register_webhook(receiver.url, WebhookFaults(retry_scale=FAST))
    receiver.statuses = [502] * 7
    ring(emu)
    wait_for(lambda: len(emu.webhook_deliveries()[0]["statuses"]) == 7, "every attempt")
    assert emu.webhook_deliveries()[0]["delivered"] is False


def test_another_process_registers_and_reads_deliveries_over_the_admin_route(
    emu: Emulator, receiver: Receiver, http: requests.Session
) -> None:
    answer = http.post(
        emu.api_url + "/_emulator/partner/webhooks", json={"url": receiver.url, "duplicate": 1}
    )
    assert answer.json() == {"ok": True}
    ring(emu)
    wait_for(lambda: len(receiver.received) == 2, "both copies")
    answered(emu, [[204, 204]])  # the receiver has the body before the sender has its answer
    listed = http.get(emu.api_url + "/_emulator/partner/webhooks").json()["deliveries"]
    assert [(d["type"], d["copies"], d["statuses"]) for d in listed] == [("button_press", 2, [204, 204])]
    refused = http.post(emu.api_url + "/_emulator/partner/webhooks", json={"url": None, "bogus": 1})
    assert refused.status_code == 400
