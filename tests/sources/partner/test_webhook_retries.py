"""A webhook is remembered only once it is acted on: one the connector cannot act on yet is a 503
(Ring retries 5xx, never 4xx: docs/ring-apis.md §2.10), and Ring's retry is acted on. The
emulator's Partner host sends them with Ring's retries to the real app behind waitress."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.download.jobs import MAX_RUNNING_JOBS
from ringConnector.emulator import (
    Emulator,
    Event,
    ManualClock,
    PartnerApp,
    WebhookFaults,
    event_id,
    partner_event_id,
)
from ringConnector.web.app import create_app
from tests.support import FRONT, served, wait_for


@pytest.fixture
def server(partner_settings: Settings, partner_connector: Connector) -> Iterator[str]:
    """The app without watch mode: a ding's webhook starts today's download in the background."""
    keyed = partner_settings.replace(partner_webhook_key=PartnerApp().hmac_key)
    with served(create_app(keyed, connector=partner_connector)) as base:
        yield base


def test_a_webhook_answered_503_while_the_jobs_are_full_is_acted_on_when_ring_retries(
    partner_emulator: Emulator,
    partner_connector: Connector,
    partner_settings: Settings,
    wall: ManualClock,
    server: str,
) -> None:
    # Four background downloads of other days hold every job slot (started, never run here).
    held = [
        partner_connector.jobs.start(f"2026010{n}", frozenset())[0] for n in range(1, MAX_RUNNING_JOBS + 1)
    ]
    # Ring's retries at 1 s, 5 s, 30 s ..., a twentieth of that here.
    partner_emulator.register_webhook(server + "/connector/webhooks/ring", WebhookFaults(retry_scale=0.05))
    moment = datetime.fromtimestamp(wall(), UTC).replace(microsecond=0) - timedelta(seconds=40)
    ding = Event(event_id(moment, 1), FRONT, moment, duration=10.0)
    partner_emulator.add_events([ding])

    def statuses() -> list[int]:
        (delivery,) = partner_emulator.webhook_deliveries()
        return list(delivery["statuses"])

    wait_for(lambda: statuses()[:1] == [503], "the first delivery, refused for now")
    held[0].ended(None, "finished")  # a slot frees up before Ring's next try
    wait_for(lambda: statuses()[-1:] == [204], "Ring's retry, acted on")
    assert set(statuses()[:-1]) == {503}
    name = f"*-{partner_event_id(ding.id)}.json"
    wait_for(
        lambda: len(list(partner_settings.videos_dir.glob(name))) == 1, "the ding, downloaded by its job"
    )
