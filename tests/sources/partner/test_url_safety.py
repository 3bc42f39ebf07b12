"""URLs Ring hands back (a page link, a redirect, a session Location) are judged as urllib3, which
connects, reads them: `http://A\\@B/` goes to A, so it gets neither the bearer token nor a request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ringConnector.config import Settings
from ringConnector.errors import RingUnavailable
from ringConnector.sources.partner.client import PartnerClient
from ringConnector.storage.atomic import AtomicFile
from ringConnector.storage.tokens import TokenFile
from tests.sources.partner.support import OFFLINE_NOW
from tests.support import Loopback

DEVICE = "ava1.ring.device.1001"


@pytest.fixture
def thief() -> Iterator[Loopback]:
    """Another host on this machine, which should never see a request of ours."""
    server = Loopback()
    yield server
    server.close()


@pytest.fixture
def api() -> Iterator[Loopback]:
    """The Partner API stand-in, on plain http (allowed on loopback)."""
    server = Loopback()
    yield server
    server.close()


@pytest.fixture
def client(tmp_path: Path, api: Loopback) -> Iterator[PartnerClient]:
    settings = Settings(
        source="partner",
        partner_api_url=api.url,
        partner_token_file=tmp_path / "partner-token.json",
        partner_client_id="client-1",
        partner_client_secret="secret-1",
        data_dir=tmp_path / "data",
        http_timeout=5,
    )
    TokenFile(settings.partner_token_file).save(
        {"access_token": "access-1", "refresh_token": "refresh-1", "expires_at": OFFLINE_NOW + 3600}
    )
    found = PartnerClient(settings, wall_clock=lambda: OFFLINE_NOW)
    yield found
    found.close()


def tricks(thief: Loopback, api: Loopback) -> list[str]:
    """Addresses urllib.parse reads as the API's host while urllib3 reads another one (or reads
    them at all only by guessing)."""
    return [
        f"http://127.0.0.1:{thief.port}\\@127.0.0.1:{api.port}/v1/devices",
        f"http://127.0.0.1:{thief.port}\\\\@127.0.0.1:{api.port}/v1/devices",
        f"http://user:pw@127.0.0.1:{api.port}/v1/devices",
        f"http://127.0.0.1:{api.port}\t/v1/devices",
    ]


def test_a_page_link_that_parsers_read_differently_is_refused(
    client: PartnerClient, api: Loopback, thief: Loopback
) -> None:
    for url in tricks(thief, api):
        with pytest.raises(RingUnavailable, match="not plainly one host"):
            client.request("GET", url, what="history page")
    assert (thief.requests, api.requests) == ([], [])


def test_a_redirect_that_parsers_read_differently_is_not_followed(
    client: PartnerClient, api: Loopback, thief: Loopback, tmp_path: Path
) -> None:
    trick = tricks(thief, api)[0]
    api.answers = [(302, {"Location": trick}, b"")]
    out = AtomicFile(tmp_path / "clip.mp4")
    try:
        with pytest.raises(RingUnavailable, match="clip of event E: Ring handed back an address"):
            client.download_clip(DEVICE, 1_799_999_000_000, 30_000, out, what="clip of event E")
    finally:
        out.discard()
    assert [(method, path) for method, path, _, _ in api.requests] == [
        ("POST", f"/v1/devices/{DEVICE}/media/video/download")
    ]
    assert thief.requests == []


def test_a_session_location_that_parsers_read_differently_is_refused(
    client: PartnerClient, api: Loopback, thief: Loopback
) -> None:
    for url in tricks(thief, api):
        with pytest.raises(RingUnavailable, match="live view: Ring handed back an address"):
            client.same_origin(url, what="live view")
        with pytest.raises(RingUnavailable):
            client.unauthenticated("DELETE", url, what="live view")
    assert thief.requests == []


def test_the_apis_own_urls_still_carry_the_token(client: PartnerClient, api: Loopback) -> None:
    api.answers = [(200, {"Content-Type": "application/json"}, json.dumps({"data": []}).encode())]
    assert client.get_json(f"{api.url}/v1/devices", what="devices") == {"data": []}
    assert api.requests[0][2]["Authorization"] == "Bearer access-1"
