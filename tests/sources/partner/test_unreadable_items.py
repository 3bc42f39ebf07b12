"""Partner history items Ring's format changes could produce, served by the emulator's Partner
host: each costs only itself over HTTP and through startDownload.py (docs/ring-apis.md §2.4)."""

from __future__ import annotations

import time

import pytest
import requests
from flask.testing import FlaskClient

from ringConnector.config import Settings
from ringConnector.emulator import Emulator, ManualClock, Scenario, partner_device_id, partner_event_id
from tests.sources.partner.support import long_event, partial_events, partner_environment
from tests.sources.partner.test_partner_source import expected_dings
from tests.support import ACCOUNT, DAY, FRONT, SmallDay, devices, make_event, run

# `start` in a shape no parser reads, an item without an id, and a kind nobody asked for.
BAD_START = make_event(FRONT, DAY, "08:30:00", created_at_text="22/11/2026 08:30:00 +14")
NO_ID = make_event(FRONT, DAY, "09:30:00", without_id=True)
KNOCK = make_event(FRONT, DAY, "10:30:00", kind="door_activity")


@pytest.fixture
def partner_scenario() -> Scenario:
    """The Partner tests' day with the broken items among its events."""
    events = [*SmallDay.events(), long_event(), *partial_events(), BAD_START, NO_ID, KNOCK]
    return Scenario(account=ACCOUNT, devices=devices(), events=events)


def test_over_http_every_other_ding_downloads_and_the_items_fail_alone(partner_app: FlaskClient) -> None:
    response = partner_app.post("/connector/download/20261122")
    assert response.status_code == 200
    assert {str(body["ringId"]) for body in response.get_json()} == expected_dings()
    assert response.headers["X-Download-Complete"] == "false"
    assert response.headers["X-Items-Unreadable"] == "2"
    assert response.headers["X-Events-Failed-Ids"] == partner_event_id(BAD_START.id)


@pytest.mark.process
class TestTheScript:
    """startDownload.py on RING_SOURCE=partner, in a subprocess on the real clock."""

    @pytest.fixture
    def wall(self) -> ManualClock:
        return time.time  # type: ignore[return-value]

    def test_it_downloads_the_rest_names_the_item_and_exits_1(self, partner_settings: Settings) -> None:
        env = partner_environment(
            partner_settings,
        )
        result = run("startDownload.py", "2026-11-22", env=env)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr + result.stdout
        assert f"20261122: {len(expected_dings())} downloaded" in result.stdout
        assert partner_event_id(BAD_START.id) in result.stdout


def test_the_partner_host_serves_them_as_ring_format_changes_would(partner_emulator: Emulator) -> None:
    token = partner_emulator.issue_partner_token()["access_token"]
    url = f"{partner_emulator.partner_url}/v1/history/devices/{partner_device_id(FRONT)}/events"
    items = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10).json()["data"]
    starts = {item.get("id"): item["attributes"]["start"] for item in items}
    assert starts[partner_event_id(BAD_START.id)] == "22/11/2026 08:30:00 +14"
    assert None in starts  # the item without an id
    assert all(
        isinstance(start, int)
        for item_id, start in starts.items()
        if item_id not in (None, partner_event_id(BAD_START.id))
    )
