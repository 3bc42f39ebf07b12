"""The consumer's recordings on the storage host: pre-signed URLs, preparation delays, bytes, pacing."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, date, datetime
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from ringConnector.emulator import Emulator, Event, ManualClock, Scenario, bulk_scenario
from ringConnector.emulator.http.media import recording_bytes, recording_etag


def _url(emu: Emulator, http: requests.Session, event_id: int) -> str:
    auth = {"Authorization": f"Bearer {emu.issue_token()['access_token']}"}
    answer = http.get(emu.api_url + f"/clients_api/dings/{event_id}/share/play", headers=auth)
    assert answer.status_code == 200
    return str(answer.json()["url"])


def _pick(scenario: Scenario, **where: object) -> Event:
    return next(e for e in scenario.events if all(getattr(e, k) == v for k, v in where.items()))


def test_download_yields_the_recording_bytes(
    emu: Emulator, http: requests.Session, demo_day: Scenario
) -> None:
    """200 video/mp4 with the right length, ETag and bytes; counted as one download."""
    event = _pick(demo_day, kind="ding", prepare_after_hits=0, recording_status="ready")
    answer = http.get(_url(emu, http, event.id))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "video/mp4"
    assert int(answer.headers["Content-Length"]) == event.size == len(answer.content)
    assert answer.headers["ETag"] == recording_etag(str(event.id), event.size)
    assert answer.content == recording_bytes(str(event.id), event.size)
    assert hashlib.sha256(answer.content).hexdigest() == emu.expected_sha256(str(event.id))
    assert emu.storage_downloads(str(event.id)) == 1
    assert emu.bytes_sent(str(event.id)) == event.size
    assert emu.count("storage", str(event.id)) == 1


def test_the_same_url_can_be_fetched_again(emu: Emulator, http: requests.Session, demo_day: Scenario) -> None:
    """A pre-signed URL stays valid for its hour; each full GET counts as a download."""
    event = _pick(demo_day, kind="motion")
    url = _url(emu, http, event.id)
    assert http.get(url).content == http.get(url).content
    assert emu.storage_downloads(str(event.id)) == 2


def test_fresh_recording_is_404_until_prepared(
    emu: Emulator, http: requests.Session, demo_day: Scenario
) -> None:
    """prepare_after_hits=2: the first two GETs of the same URL are NoSuchKey, the third works."""
    event = _pick(demo_day, prepare_after_hits=2)
    url = _url(emu, http, event.id)
    for _ in range(2):
        answer = http.get(url)
        assert answer.status_code == 404
        assert "<Code>NoSuchKey</Code>" in answer.text
    assert http.get(url).status_code == 200
    assert emu.storage_downloads(str(event.id)) == 1


def test_processing_recording_is_404_until_ready(
    emu: Emulator, http: requests.Session, demo_day: Scenario
) -> None:
    """A "processing" recording has a URL but no object until set_event marks it ready."""
    event = _pick(demo_day, recording_status="processing")
    url = _url(emu, http, event.id)
    assert http.get(url).status_code == 404
    emu.set_event(event.id, recording_status="ready")
    assert http.get(url).status_code == 200


def test_recording_is_404_until_seconds_after_start(http: requests.Session) -> None:
    """prepare_after_seconds counts from the emulator's start, on its clock."""
    scenario = bulk_scenario(date(2024, 3, 9), "UTC", events=1, size=60_000)
    scenario.events[0].prepare_after_seconds = 30
    clock = ManualClock()
    with Emulator(scenario, clock=clock) as emu:
        url = _url(emu, http, scenario.events[0].id)
        assert http.get(url).status_code == 404
        clock.advance(29.9)
        assert http.get(url).status_code == 404
        clock.advance(0.1)
        assert http.get(url).status_code == 200


def _with_query(url: str, query: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=query))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda url, other: _with_query(url, ""),
        lambda url, other: url[:-4] + "0000",
        lambda url, other: other,  # a valid signature, but for another event
    ],
    ids=["no-signature", "wrong-signature", "other-event"],
)
def test_bad_signatures_are_access_denied(
    emu: Emulator, http: requests.Session, demo_day: Scenario, mangle: object
) -> None:
    """Storage answers S3's 403 AccessDenied XML to anything not signed for that object."""
    first, second = demo_day.events[0], demo_day.events[1]
    url = _url(emu, http, first.id)
    other_sig = urlsplit(_url(emu, http, second.id)).query
    bad = mangle(url, _with_query(url, other_sig))  # type: ignore[operator]
    answer = http.get(bad)
    assert answer.status_code == 403
    assert answer.headers["Content-Type"].startswith("application/xml")
    assert "<Code>AccessDenied</Code>" in answer.text


def test_signatures_expire_after_an_hour(
    emu: Emulator, http: requests.Session, demo_day: Scenario, mono: ManualClock
) -> None:
    """X-Amz-Expires=3600 is enforced on the emulator's clock."""
    url = _url(emu, http, demo_day.events[0].id)
    mono.advance(3601)
    answer = http.get(url)
    assert answer.status_code == 403 and "Request has expired" in answer.text


def test_bearer_token_on_storage_is_rejected(
    emu: Emulator, http: requests.Session, demo_day: Scenario
) -> None:
    """Sending the Ring token along with a pre-signed URL is S3's 400 InvalidArgument."""
    url = _url(emu, http, demo_day.events[0].id)
    answer = http.get(url, headers={"Authorization": "Bearer abc"})
    assert answer.status_code == 400
    assert "<Code>InvalidArgument</Code>" in answer.text
    assert "Only one auth mechanism allowed" in answer.text


def test_api_redirect_followed_by_requests_drops_the_token(
    emu: Emulator, http: requests.Session, demo_day: Scenario, auth: dict[str, str]
) -> None:
    """requests strips Authorization when the 302 changes port, so the download works."""
    event = demo_day.events[0]
    answer = http.get(emu.api_url + f"/clients_api/dings/{event.id}/recording", headers=auth)
    assert answer.status_code == 200 and len(answer.content) == event.size


def test_head_gives_headers_only_and_counts_nothing(
    emu: Emulator, http: requests.Session, demo_day: Scenario
) -> None:
    """HEAD: the GET's headers without a body; neither a download nor a preparation hit."""
    event = _pick(demo_day, prepare_after_hits=2)
    url = _url(emu, http, event.id)
    assert http.head(url).status_code == 404
    assert http.get(url).status_code == 404
    assert http.get(url).status_code == 404  # HEAD did not count as one of the two
    emu.set_event(event.id, prepare_after_hits=0)
    head = http.head(url)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["Content-Length"]) == event.size
    assert emu.storage_downloads(str(event.id)) == 0


def test_bandwidth_and_first_byte_latency_are_honoured(http: requests.Session) -> None:
    """400 kB at 1 MB/s after 0.1 s to first byte takes about 0.5 s, not a few milliseconds."""
    scenario = bulk_scenario(date(2024, 3, 9), "UTC", events=1, size=400_000)
    with Emulator(scenario, storage_bandwidth=1_000_000, storage_first_byte_latency=0.1) as emu:
        url = _url(emu, http, scenario.events[0].id)
        started = time.monotonic()
        body = http.get(url).content
        elapsed = time.monotonic() - started
    assert len(body) == 400_000
    # Only a lower bound: pacing guarantees a minimum time; a loaded machine may take longer.
    assert elapsed >= 0.45


def test_events_added_while_running_are_served(
    emu: Emulator, http: requests.Session, auth: dict[str, str], wall: ManualClock
) -> None:
    """A new ding added at runtime tops the history and downloads."""
    new = Event(
        id=(2_000_000_000 << 32), device_id=201_000_101, created_at=datetime.fromtimestamp(wall(), UTC)
    )
    emu.add_events([new])
    top = http.get(
        emu.api_url + "/clients_api/doorbots/201000101/history", params={"limit": 1}, headers=auth
    ).json()
    assert [item["id"] for item in top] == [new.id]
    assert http.get(_url(emu, http, new.id)).content == recording_bytes(str(new.id), new.size)


def test_an_event_after_the_wall_clocks_now_is_neither_listed_nor_served(
    emu: Emulator, http: requests.Session, auth: dict[str, str], wall: ManualClock
) -> None:
    """Ring lists what has happened: a ding a minute from now appears only once it is past."""
    soon = Event(
        id=(2_000_000_001 << 32), device_id=201_000_101, created_at=datetime.fromtimestamp(wall() + 60, UTC)
    )
    emu.add_events([soon])
    history = emu.api_url + "/clients_api/doorbots/201000101/history"
    assert soon.id not in [item["id"] for item in http.get(history, headers=auth).json()]
    hidden = http.get(
        emu.api_url + f"/clients_api/dings/{soon.id}/recording", headers=auth, allow_redirects=False
    )
    assert hidden.status_code == 404
    wall.advance(61)
    assert [item["id"] for item in http.get(history, params={"limit": 1}, headers=auth).json()] == [soon.id]
    assert http.get(_url(emu, http, soon.id)).content == recording_bytes(str(soon.id), soon.size)
