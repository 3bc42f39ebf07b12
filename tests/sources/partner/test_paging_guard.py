"""A links.next that never ends (the same URL again, or new URLs serving the same page) stops the
walk with a failure of that device's history after a page or two, not after a thousand."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, Event, partner_device_id, partner_event_id
from tests.support import DAY, FRONT, SmallDay

FRONT_ID = partner_device_id(FRONT)


def partner_ids(*events: Event) -> set[str]:
    return {partner_event_id(e.id) for e in events}


@pytest.mark.parametrize(
    ("mode", "reason", "pages"),
    [
        # The same URL again is refused before it is sent: one page per device.
        ("repeat", "links.next repeats a page already read", 4),
        # A new URL serving the same page is read once more: two pages on the two broken devices.
        ("stale", "a history page repeats items already read", 6),
    ],
)
def test_a_paging_loop_is_a_history_failure_and_costs_two_pages(
    partner_emulator: Emulator, partner_connector: Connector, mode: str, reason: str, pages: int
) -> None:
    partner_emulator.set_history_paging(mode)
    partner_emulator.reset_counters()
    report = partner_connector.download_day(DAY)
    # The Front Door's walk ends on an event older than the day before any next is followed;
    # the Back Door and the Shed have nothing older, so they follow the broken links.
    assert sorted((f.device, f.ring_id, reason in f.reason) for f in report.failed) == [
        ("Back Door", None, True),
        ("Shed", None, True),
    ]
    assert not report.complete
    # The Front Door and the Garage: one page each (ended by an older event, or empty).
    assert partner_emulator.count("partner_history") == pages
    # What the pages listed still downloaded, the broken devices' events included.
    downloaded = {str(body["ringId"]) for body in report.downloaded}
    assert partner_ids(SmallDay.first, SmallDay.shed) <= downloaded


def test_over_http_the_loop_is_a_200_with_the_failure_in_the_headers(
    partner_emulator: Emulator, partner_app: FlaskClient
) -> None:
    partner_emulator.set_history_paging("repeat")
    response = partner_app.post("/connector/download/20261122")
    assert response.status_code == 200
    assert response.headers["X-Download-Complete"] == "false"
    assert partner_event_id(SmallDay.first.id) in {body["ringId"] for body in response.get_json()}
