"""A device named in RING_DEVICES (or --device) that the account does not have is an error naming
the devices there are, not a quiet day with nothing downloaded."""

from __future__ import annotations

import pytest

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator
from ringConnector.errors import NotFound
from ringConnector.web.app import create_app
from tests.support import DAY, FakeSleep


def test_a_download_naming_an_unknown_device_is_not_found(connector: Connector, emulator: Emulator) -> None:
    with pytest.raises(NotFound) as raised:
        connector.download_day(DAY, devices=["Back Door", "Nope"])
    message = str(raised.value)
    assert message.startswith("no device 'Nope' on the Ring account")
    assert "'Front Door' (id 1001)" in message and "'Back Door' (id 1002)" in message
    assert emulator.count("history") == 0  # nothing of the day was read


def test_the_api_answers_a_json_404_when_ring_devices_names_an_unknown_device(
    settings: Settings, sleep: FakeSleep
) -> None:
    wrong = settings.replace(devices=("Nope",))
    with Connector(wrong, sleep=sleep) as connector:
        client = create_app(wrong, connector=connector).test_client()
        answer = client.get("/connector/download/20261122")
    assert answer.status_code == 404
    body = answer.get_json()
    assert body["error"] == "not_found" and "no device 'Nope'" in body["message"]
    assert "'Front Door' (id 1001)" in body["message"]
