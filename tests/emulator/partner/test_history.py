"""Partner API history: event_types filters, items in epoch ms, and paging through links.next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ringConnector.emulator import (
    CHIME,
    FRONT_DOOR,
    Emulator,
    Event,
    Scenario,
    event_id,
    partner_device_id,
    partner_event_id,
)

FRONT, CHIME_ID = partner_device_id(FRONT_DOOR), partner_device_id(CHIME)
HISTORY = "/v1/history/devices/{}/events"


def _history(
    emu: Emulator, http: requests.Session, auth: dict[str, str], device: str, **params: Any
) -> dict[str, Any]:
    answer = http.get(emu.partner_url + HISTORY.format(device), params=params, headers=auth)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _expected(scenario: Scenario, device_id: int, keep: Any = lambda e: True) -> list[str]:
    events = sorted(
        (e for e in scenario.events if e.device_id == device_id and keep(e)),
        key=lambda e: (e.created_at, e.id),
        reverse=True,
    )
    return [partner_event_id(e.id) for e in events]


@pytest.mark.parametrize(
    ("event_types", "keep"),
    [
        (None, lambda e: True),
        ("ding", lambda e: e.kind == "ding"),
        ("motion", lambda e: e.kind == "motion"),
        ("motion.human", lambda e: e.sub_type == "human"),
        ("ding,motion.vehicle", lambda e: e.kind == "ding" or e.sub_type == "vehicle"),
        ("on_demand", lambda e: False),
    ],
)
def test_history_filters(
    emu: Emulator,
    http: requests.Session,
    pauth: dict[str, str],
    demo_day: Scenario,
    event_types: str | None,
    keep: Any,
) -> None:
    """event_types picks types and motion sub types; items come newest first."""
    params = {"page[size]": 50} | ({} if event_types is None else {"event_types": event_types})
    body = _history(emu, http, pauth, FRONT, **params)
    assert [item["id"] for item in body["data"]] == _expected(demo_day, FRONT_DOOR, keep)
    assert "links" not in body  # a page that is not full is the last one, and has no links


def test_history_items_carry_times_in_ms(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], demo_day: Scenario
) -> None:
    """start/end are epoch ms (end = start + duration, 30 s when unknown); no sub_type."""
    items = {i["id"]: i for i in _history(emu, http, pauth, FRONT, **{"page[size]": 50})["data"]}
    for event in (e for e in demo_day.events if e.device_id == FRONT_DOOR):
        item = items[partner_event_id(event.id)]
        attributes = item["attributes"]
        start = round(event.created_at.timestamp() * 1000)
        duration = 30_000 if event.duration is None else round(event.duration * 1000)
        assert item["type"] == "history-events"
        assert (attributes["start"], attributes["end"]) == (start, start + duration)
        assert attributes["event_type"] == event.kind
        assert "sub_type" not in attributes  # never seen in recorded answers: a query filter only
        assert item["relationships"]["source"] == {"data": {"type": "devices", "id": FRONT}}
        assert item["meta"] == {"riid": None}
        assert attributes["is_third_party_reviewed"] is False


def test_chime_history_is_empty(emu: Emulator, http: requests.Session, pauth: dict[str, str]) -> None:
    """A chime is a device, so its history exists; it just holds nothing."""
    assert _history(emu, http, pauth, CHIME_ID)["data"] == []


def test_links_next_walks_120_events_once_newest_first(
    partner_paging_emu: Emulator, http: requests.Session
) -> None:
    """Following links.next with page[size]=50 gives 50, 50, 20; next drops event_types; the last
    page has no links."""
    auth = {"Authorization": f"Bearer {partner_paging_emu.issue_partner_token()['access_token']}"}
    device = partner_device_id(300_000_001)
    url: str | None = (
        partner_paging_emu.partner_url + HISTORY.format(device) + "?event_types=ding&page[size]=50"
    )
    seen: list[dict[str, Any]] = []
    sizes = []
    while url is not None:
        answer = http.get(url, headers=auth)
        assert answer.status_code == 200
        body = answer.json()
        sizes.append(len(body["data"]))
        seen.extend(body["data"])
        url = body.get("links", {}).get("next")
        if url is not None:
            assert url.startswith(partner_paging_emu.partner_url + HISTORY.format(device) + "?")
            query = parse_qs(urlsplit(url).query)
            assert "event_types" not in query and query["page[size]"] == ["50"]
    assert sizes == [50, 50, 20]
    starts = [(item["attributes"]["start"], item["id"]) for item in seen]
    assert len({item["id"] for item in seen}) == 120
    assert starts == sorted(starts, reverse=True)
    assert partner_paging_emu.count("partner_history") == 3


def test_page_size_default_and_cap(partner_paging_emu: Emulator, http: requests.Session) -> None:
    """20 events without page[size]; 500 is capped at 50 without complaint."""
    auth = {"Authorization": f"Bearer {partner_paging_emu.issue_partner_token()['access_token']}"}
    url = partner_paging_emu.partner_url + HISTORY.format(partner_device_id(300_000_001))
    assert len(http.get(url, headers=auth).json()["data"]) == 20
    assert len(http.get(url, params={"page[size]": 500}, headers=auth).json()["data"]) == 50


def test_a_cursor_belongs_to_its_device(partner_paging_emu: Emulator, http: requests.Session) -> None:
    """A page[key] from one device's history is a 400 on another's."""
    auth = {"Authorization": f"Bearer {partner_paging_emu.issue_partner_token()['access_token']}"}
    first = http.get(
        partner_paging_emu.partner_url + HISTORY.format(partner_device_id(300_000_001)), headers=auth
    )
    cursor = parse_qs(urlsplit(first.json()["links"]["next"]).query)["page[key]"][0]
    other = partner_paging_emu.partner_url + HISTORY.format(partner_device_id(300_000_002))
    answer = http.get(other, params={"page[key]": cursor}, headers=auth)
    assert answer.status_code == 400 and answer.json()["errors"][0]["status"] == "400"


def test_events_after_now_are_not_history_yet(
    emu: Emulator, http: requests.Session, pauth: dict[str, str]
) -> None:
    """An event that starts after the emulator's clock is not listed (nor clippable)."""
    now = datetime.fromtimestamp(emu.state.partner.wall_clock(), UTC)
    future = Event(id=event_id(now.replace(microsecond=0)) + (3600 << 32), device_id=FRONT_DOOR,
                   created_at=now.replace(microsecond=0) + timedelta(hours=1))  # fmt: skip
    emu.add_events([future])
    listed = {item["id"] for item in _history(emu, http, pauth, partner_device_id(FRONT_DOOR))["data"]}
    assert partner_event_id(future.id) not in listed
