"""The Partner API client, one request at a time (responses): each answer case and the tokens."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import responses
from responses import matchers

from ringConnector.config import Settings
from ringConnector.errors import (
    AuthorizationRequired,
    DownloadFailed,
    NoFootage,
    RingUnavailable,
    TransientError,
)
from ringConnector.sources.partner.client import Clip, PartnerClient
from ringConnector.storage.atomic import AtomicFile
from ringConnector.storage.partner_link import RELINK
from ringConnector.storage.tokens import TokenFile
from tests.sources.partner.support import OFFLINE_NOW

API = "https://api.amazonvision.com"
TOKEN_URL = "https://oauth.ring.com/oauth/token"
STORAGE = "https://clips.example-bucket.s3.amazonaws.com/clip.mp4?X-Amz-Signature=abc"
DEVICE = "ava1.ring.device.1001"
CLIP_URL = f"{API}/v1/devices/{DEVICE}/media/video/download"
NOW = OFFLINE_NOW
BODY = b"\x00\x00\x00\x18ftypmp42" + b"clip" * 1000


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def download(partner_client: PartnerClient, tmp_path: Path, duration: int = 30_000):  # type: ignore[no-untyped-def]
    out = AtomicFile(tmp_path / "clip.mp4")
    try:
        return partner_client.download_clip(
            DEVICE, 1_799_999_000_000, duration, out, what="clip of event E"
        ), out
    finally:
        out.discard()


def download_kept(
    partner_client: PartnerClient, tmp_path: Path, duration: int = 30_000
) -> tuple[Clip, bytes]:
    """Download the clip and commit it: the Clip and the bytes that ended up in the file."""
    with AtomicFile(tmp_path / "clip.mp4") as out:
        clip = partner_client.download_clip(DEVICE, 1_799_999_000_000, duration, out, what="clip of event E")
    return clip, (tmp_path / "clip.mp4").read_bytes()


def test_200_streams_the_whole_clip(
    partner_client: PartnerClient, mocked: responses.RequestsMock, tmp_path: Path
) -> None:
    mocked.post(
        CLIP_URL,
        body=BODY,
        headers={"X-Media-Timestamp": "1799999000000", "X-Media-Length": "30000"},
        content_type="video/mp4",
        match=[
            matchers.json_params_matcher({"timestamp": 1_799_999_000_000, "duration": 30_000}),
            matchers.header_matcher({"Authorization": "Bearer access-1"}),
        ],
    )
    clip, out = download(partner_client, tmp_path)
    assert (clip.partial, clip.start_ms, clip.length_ms, clip.size) == (
        False,
        1_799_999_000_000,
        30_000,
        len(BODY),
    )
    assert out.written == len(BODY)


def test_206_keeps_the_part_and_its_real_window(
    partner_client: PartnerClient, mocked: responses.RequestsMock, tmp_path: Path
) -> None:
    mocked.post(
        CLIP_URL,
        body=BODY,
        status=206,
        headers={"X-Media-Timestamp": "1799999005000", "X-Media-Length": "3000"},
    )
    clip, _ = download(partner_client, tmp_path)
    assert (clip.partial, clip.start_ms, clip.length_ms) == (True, 1_799_999_005_000, 3000)


@pytest.mark.parametrize("status", [301, 302, 303, 307])
def test_redirects_are_followed_with_get_and_no_bearer_to_another_host(
    partner_client: PartnerClient, mocked: responses.RequestsMock, tmp_path: Path, status: int
) -> None:
    mocked.post(CLIP_URL, status=status, headers={"Location": STORAGE})
    storage = mocked.get(STORAGE, body=BODY, headers={"X-Media-Timestamp": "1799999000000"})
    clip, _ = download(partner_client, tmp_path)
    assert clip.size == len(BODY)
    assert "Authorization" not in storage.calls[0].request.headers


def test_a_redirect_on_the_same_host_keeps_the_bearer(
    partner_client: PartnerClient, mocked: responses.RequestsMock, tmp_path: Path
) -> None:
    mocked.post(CLIP_URL, status=303, headers={"Location": "/v1/media/clips/42"})
    same = mocked.get(f"{API}/v1/media/clips/42", body=BODY)
    clip, written = download_kept(partner_client, tmp_path)
    assert written == BODY and clip.size == len(BODY)
    assert [(c.request.method, c.request.url) for c in mocked.calls] == [
        ("POST", CLIP_URL),
        ("GET", f"{API}/v1/media/clips/42"),
    ]
    assert same.calls[0].request.headers["Authorization"] == "Bearer access-1"


def test_416_is_no_footage(
    partner_client: PartnerClient, mocked: responses.RequestsMock, tmp_path: Path
) -> None:
    mocked.post(
        CLIP_URL,
        status=416,
        json={"errors": [{"status": "416", "code": "TIMESTAMP_NOT_FOUND", "title": "Range Not Satisfiable"}]},
    )
    with pytest.raises(NoFootage):
        download(partner_client, tmp_path)


@pytest.mark.parametrize(("status", "cause"), [(429, "rate_limited"), (503, "unavailable")])
def test_429_and_503_wait_for_retry_after(
    partner_client: PartnerClient, mocked: responses.RequestsMock, tmp_path: Path, status: int, cause: str
) -> None:
    mocked.post(
        CLIP_URL, status=status, headers={"Retry-After": "7"}, json={"errors": [{"status": str(status)}]}
    )
    with pytest.raises(TransientError) as caught:
        download(partner_client, tmp_path)
    assert (caught.value.cause, caught.value.retry_after) == (cause, 7.0)


def test_500_and_dropped_connections_are_transient(
    partner_client: PartnerClient, mocked: responses.RequestsMock, tmp_path: Path
) -> None:
    mocked.post(CLIP_URL, status=500, json={"errors": [{"status": "500", "title": "Internal Server Error"}]})
    with pytest.raises(TransientError, match="500"):
        download(partner_client, tmp_path)
    mocked.replace(responses.POST, CLIP_URL, body=requests.ConnectionError("reset by peer"))
    with pytest.raises(TransientError) as caught:
        download(partner_client, tmp_path)
    assert caught.value.cause == "network"


@pytest.mark.parametrize("status", [400, 403, 404])
def test_client_errors_name_the_device_and_event(
    partner_client: PartnerClient, mocked: responses.RequestsMock, tmp_path: Path, status: int
) -> None:
    mocked.post(
        CLIP_URL, status=status, json={"errors": [{"status": str(status), "detail": "duration too long"}]}
    )
    with pytest.raises(DownloadFailed, match=f"clip of event E: HTTP {status} duration too long"):
        download(partner_client, tmp_path)


def test_clip_options_come_from_the_settings(
    offline_settings: Settings, mocked: responses.RequestsMock, tmp_path: Path
) -> None:
    tuned = offline_settings.replace(
        clip_codec="hevc", clip_frame_rate=5, clip_width=1280, clip_height=720, clip_audio=False
    )
    TokenFile(tuned.partner_token_file).save({"access_token": "a", "expires_at": NOW + 3600})
    expected = {
        "timestamp": 1_799_999_000_000,
        "duration": 30_000,
        "video_options": {"codec": "hevc", "frame_rate": 5, "resolution": {"width": 1280, "height": 720}},
        "audio_options": {"audio_enabled": False},
    }
    mocked.post(CLIP_URL, body=BODY, match=[matchers.json_params_matcher(expected)])
    clip, written = download_kept(PartnerClient(tuned, wall_clock=lambda: NOW), tmp_path)
    assert len(mocked.calls) == 1
    sent = mocked.calls[0].request
    assert json.loads(sent.body or b"") == expected
    assert sent.headers["Authorization"] == "Bearer a"
    # No X-Media-* headers: the window asked for is taken as delivered.
    assert clip == Clip(start_ms=1_799_999_000_000, length_ms=30_000, partial=False, size=len(BODY))
    assert written == BODY


def refreshed(mocked: responses.RequestsMock, access: str = "access-2") -> responses.BaseResponse:
    answer: responses.BaseResponse = mocked.post(
        TOKEN_URL,
        json={
            "access_token": access,
            "refresh_token": "refresh-2",
            "expires_in": 14400,
            "token_type": "Bearer",
        },
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": "refresh-1",
                    "client_id": "client-1",
                    "client_secret": "secret-1",
                }
            )
        ],
    )
    return answer


def test_a_401_refreshes_once_and_retries(
    partner_client: PartnerClient, mocked: responses.RequestsMock, offline_settings: Settings
) -> None:
    mocked.get(
        f"{API}/v1/devices", status=401, match=[matchers.header_matcher({"Authorization": "Bearer access-1"})]
    )
    token = refreshed(mocked)
    mocked.get(
        f"{API}/v1/devices",
        json={"data": []},
        match=[matchers.header_matcher({"Authorization": "Bearer access-2"})],
    )
    assert partner_client.get_json("v1/devices", what="devices") == {"data": []}
    assert len(token.calls) == 1
    saved = json.loads(offline_settings.partner_token_file.read_text())
    assert (saved["access_token"], saved["refresh_token"]) == ("access-2", "refresh-2")
    assert saved["expires_at"] == NOW + 14400
    assert stat.S_IMODE(offline_settings.partner_token_file.stat().st_mode) == 0o600


def test_the_token_is_refreshed_before_it_expires(
    offline_settings: Settings, mocked: responses.RequestsMock
) -> None:
    TokenFile(offline_settings.partner_token_file).save(
        {"access_token": "access-1", "refresh_token": "refresh-1", "expires_at": NOW + 60}
    )
    token = refreshed(mocked)
    mocked.get(
        f"{API}/v1/devices",
        json={"data": []},
        match=[matchers.header_matcher({"Authorization": "Bearer access-2"})],
    )
    client = PartnerClient(offline_settings, wall_clock=lambda: NOW)
    assert client.get_json("v1/devices", what="devices") == {"data": []}
    assert len(token.calls) == 1
    # The token request came first: the stale access token was never sent.
    assert [c.request.url for c in mocked.calls] == [TOKEN_URL, f"{API}/v1/devices"]
    assert mocked.calls[1].request.headers["Authorization"] == "Bearer access-2"
    saved = json.loads(offline_settings.partner_token_file.read_text())
    assert (saved["access_token"], saved["refresh_token"], saved["expires_at"]) == (
        "access-2",
        "refresh-2",
        NOW + 14400,
    )


def test_a_rejected_refresh_says_how_to_link_again(
    partner_client: PartnerClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{API}/v1/devices", status=401)
    mocked.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    with pytest.raises(AuthorizationRequired) as caught:
        partner_client.get_json("v1/devices", what="devices")
    assert (
        str(caught.value)
        == f"Ring refused the partner refresh token (invalid_grant): the account link has ended; {RELINK}"
    )
    assert "./startCreateAuthFile.py --partner" in RELINK
    assert [c.request.url for c in mocked.calls] == [f"{API}/v1/devices", TOKEN_URL]


def test_still_401_after_a_refresh_is_an_authorization_error(
    partner_client: PartnerClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{API}/v1/devices", status=401)
    token = refreshed(mocked)
    with pytest.raises(AuthorizationRequired, match=r"^devices: Ring refused the partner token: "):
        partner_client.get_json("v1/devices", what="devices")
    # One refresh, one retry with the new token, then it gives up.
    assert len(token.calls) == 1
    devices = [c.request for c in mocked.calls if c.request.url == f"{API}/v1/devices"]
    assert [r.headers["Authorization"] for r in devices] == ["Bearer access-1", "Bearer access-2"]
    assert len(mocked.calls) == 3


def test_exchanging_a_code_saves_the_pair(offline_settings: Settings, mocked: responses.RequestsMock) -> None:
    mocked.post(
        TOKEN_URL,
        json={"access_token": "a", "refresh_token": "r", "expires_in": 14400, "scope": "partner"},
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": "code-1",
                    "client_id": "client-1",
                    "client_secret": "secret-1",
                }
            )
        ],
    )
    token = PartnerClient(offline_settings, wall_clock=lambda: NOW).exchange_code("code-1")
    pair = {"access_token": "a", "refresh_token": "r", "scope": "partner", "expires_at": NOW + 14400}
    pair["linked_at"] = NOW  # the link's refresh tokens run out RING_PARTNER_LINK_DAYS later
    assert token == pair
    assert json.loads(offline_settings.partner_token_file.read_text()) == pair
    assert stat.S_IMODE(offline_settings.partner_token_file.stat().st_mode) == 0o600
    assert len(mocked.calls) == 1


def test_the_bearer_never_goes_to_another_origin(
    partner_client: PartnerClient, mocked: responses.RequestsMock
) -> None:
    # A links.next or session URL on another host is refused before any request is made.
    for url in ("https://evil.example/v1/devices", "http://api.amazonvision.com/v1/devices"):
        with pytest.raises(RingUnavailable) as caught:
            partner_client.request("GET", url, what="history page")
        assert str(caught.value).startswith("history page: Ring pointed to ")
        assert str(caught.value).endswith("; not sending the token there")
    assert len(mocked.calls) == 0


def test_a_redirect_to_plain_http_on_the_same_host_drops_the_bearer(
    partner_client: PartnerClient, mocked: responses.RequestsMock, tmp_path: Path
) -> None:
    downgraded = "http://api.amazonvision.com/v1/media/clips/42"
    mocked.post(CLIP_URL, status=302, headers={"Location": downgraded})
    clear = mocked.get(downgraded, body=BODY)
    _, written = download_kept(partner_client, tmp_path)
    assert written == BODY
    assert len(clear.calls) == 1
    assert "Authorization" not in clear.calls[0].request.headers


def test_x_media_headers_on_the_redirect_are_kept(
    partner_client: PartnerClient, mocked: responses.RequestsMock, tmp_path: Path
) -> None:
    # Like S3: the storage answer itself has no X-Media-* headers.
    mocked.post(
        CLIP_URL,
        status=303,
        headers={"Location": STORAGE, "X-Media-Timestamp": "1799999004000", "X-Media-Length": "5000"},
    )
    mocked.get(STORAGE, body=BODY)
    clip, _ = download(partner_client, tmp_path)
    assert (clip.start_ms, clip.length_ms, clip.partial) == (1_799_999_004_000, 5000, True)


def test_a_timeout_is_transient(
    partner_client: PartnerClient, mocked: responses.RequestsMock, tmp_path: Path
) -> None:
    mocked.post(CLIP_URL, body=requests.Timeout("read timed out"))
    with pytest.raises(TransientError) as caught:
        download(partner_client, tmp_path)
    assert caught.value.cause == "timeout"


def test_a_malformed_media_header_fails_the_event_not_the_day(
    partner_client: PartnerClient, mocked: responses.RequestsMock, tmp_path: Path
) -> None:
    mocked.post(CLIP_URL, body=BODY, headers={"X-Media-Length": "abc"})
    with pytest.raises(DownloadFailed, match="malformed X-Media-Length"):
        download(partner_client, tmp_path)


@pytest.mark.parametrize(
    ("answer", "retry_after"),
    [
        ({"status": 503}, None),
        ({"status": 429, "headers": {"Retry-After": "4"}}, 4.0),
        ({"body": requests.ConnectionError()}, None),
    ],
)
def test_a_token_endpoint_hiccup_during_refresh_is_transient(
    partner_client: PartnerClient,
    mocked: responses.RequestsMock,
    offline_settings: Settings,
    answer: dict[str, object],
    retry_after: float | None,
) -> None:
    before = offline_settings.partner_token_file.read_text()
    mocked.get(f"{API}/v1/devices", status=401)
    mocked.post(TOKEN_URL, **answer)
    with pytest.raises(TransientError, match=r"^Ring's token endpoint: ") as caught:
        partner_client.get_json("v1/devices", what="devices")
    assert (caught.value.cause, caught.value.retry_after) == ("token_endpoint", retry_after)
    assert offline_settings.partner_token_file.read_text() == before  # the pair is kept for the retry
    assert len(mocked.calls) == 2


def test_a_playground_token_is_used_to_its_last_second(
    offline_settings: Settings, mocked: responses.RequestsMock
) -> None:
    TokenFile(offline_settings.partner_token_file).save(
        {"access_token": "playground", "expires_at": NOW + 100}
    )
    mocked.get(
        f"{API}/v1/devices",
        json={"data": []},
        match=[matchers.header_matcher({"Authorization": "Bearer playground"})],
    )
    client = PartnerClient(offline_settings, wall_clock=lambda: NOW + 99)  # a second before it expires
    assert client.get_json("v1/devices", what="devices") == {"data": []}
    assert [c.request.url for c in mocked.calls] == [f"{API}/v1/devices"]  # no token request
    assert mocked.calls[0].request.headers["Authorization"] == "Bearer playground"
    saved = json.loads(offline_settings.partner_token_file.read_text())
    assert saved == {"access_token": "playground", "expires_at": NOW + 100}


def test_threads_and_processes_refresh_once(
    offline_settings: Settings, mocked: responses.RequestsMock
) -> None:
    TokenFile(offline_settings.partner_token_file).save(
        {"access_token": "access-1", "refresh_token": "refresh-1", "expires_at": NOW + 60}
    )
    token = refreshed(mocked)
    mocked.get(f"{API}/v1/devices", json={"data": []})
    # Two clients stand for two processes sharing the token file; each has four threads.
    clients = [PartnerClient(offline_settings, wall_clock=lambda: NOW) for _ in range(2)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: clients[n % 2].get_json("v1/devices", what="devices"), range(8)))
    assert results == [{"data": []}] * 8
    assert len(token.calls) == 1
    devices = [c.request for c in mocked.calls if c.request.url == f"{API}/v1/devices"]
    assert [r.headers["Authorization"] for r in devices] == ["Bearer access-2"] * 8
    assert json.loads(offline_settings.partner_token_file.read_text())["refresh_token"] == "refresh-2"
