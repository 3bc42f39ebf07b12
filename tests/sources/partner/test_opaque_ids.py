"""Partner history ids are opaque strings (docs/ring-apis.md §2.4): ids with a newline or
characters beyond latin-1 are reported, percent-encoded, in the day's headers, and the answer is
a 200 with its events (a raw id in a header made it a 500 after the files were written). Through
waitress, over a socket, as the pipeline meets it."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote, unquote

import pytest
import requests

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Scenario
from ringConnector.web.app import create_app
from tests.support import ACCOUNT, DAY, FRONT, devices, make_event, served

ODD = "ava1.ring.history.event.門口\n🚪,zwei"  # CJK, an emoji, a newline and a comma
BROKEN = "ava1.ring.history.event.Tür\r\n名"
GOOD = make_event(FRONT, DAY, "08:00:00", partner_id=ODD)
# Its start in a shape no parser reads: it fails, and its id goes into X-Events-Failed-Ids.
FAILING = make_event(FRONT, DAY, "09:00:00", partner_id=BROKEN, created_at_text="22/11/2026 09:00:00 +14")


@pytest.fixture
def partner_scenario() -> Scenario:
    return Scenario(account=ACCOUNT, devices=devices(), events=[GOOD, FAILING])


@pytest.fixture
def server(partner_settings: Settings, partner_connector: Connector) -> Iterator[str]:
    with served(create_app(partner_settings, connector=partner_connector)) as base:
        yield base


def test_odd_ids_are_a_200_with_the_events_and_percent_encoded_headers(
    server: str, partner_settings: Settings
) -> None:
    response = requests.post(f"{server}/connector/download/{DAY:%Y%m%d}", json=[], timeout=60)
    assert response.status_code == 200, response.text
    assert [event["ringId"] for event in response.json()] == [ODD]  # the id itself, in JSON
    assert response.headers["X-Events-Failed-Ids"] == quote(BROKEN, safe="")
    assert [unquote(part) for part in response.headers["X-Events-Failed-Ids"].split(",")] == [BROKEN]
    assert response.headers["X-Download-Complete"] == "false"
    (video,) = partner_settings.videos_dir.glob("*.mp4")
    assert video.name.endswith(quote(ODD, safe="") + ".mp4")  # one file name, no path, no newline
    # The pipeline finds the event again by its id, and holding it, is answered nothing new.
    assert (
        requests.get(f"{server}/connector/events/{quote(ODD, safe='')}", timeout=10).json()["ringId"] == ODD
    )
    again = requests.post(f"{server}/connector/download/{DAY:%Y%m%d}", json=[ODD], timeout=60)
    assert again.status_code == 200 and again.json() == []
