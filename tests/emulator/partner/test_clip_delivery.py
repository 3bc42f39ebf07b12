"""Partner clip delivery: redirects to pre-signed storage, offline devices, faults on partner routes."""

from __future__ import annotations

import hashlib

import pytest
import requests

from ringConnector.emulator import Emulator, Fault, Scenario

from .clip_helpers import FRONT, clip_url, post_clip, ready_ding


@pytest.mark.parametrize("status", [301, 302, 303, 307])
def test_redirect_to_presigned_storage(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], demo_day: Scenario, status: int
) -> None:
    """The redirect points at storage; GET without Authorization serves the clip decided then."""
    _, start = ready_ding(demo_day)
    emu.set_clip_redirect(status)
    answer = post_clip(emu, http, pauth, {"timestamp": start - 2000, "duration": 6000}, allow_redirects=False)
    assert answer.status_code == status
    location = answer.headers["Location"]
    assert location.startswith(emu.storage_url + f"/clips/{FRONT}/") and "X-Amz-Signature=" in location
    clip = http.get(location)
    assert clip.status_code == 206 and clip.headers["Content-Type"] == "video/mp4"
    assert (clip.headers["X-Media-Timestamp"], clip.headers["X-Media-Length"]) == (str(start), "4000")
    assert hashlib.sha256(clip.content).hexdigest() == emu.expected_clip_sha256(FRONT, start, 4000)
    with_token = http.get(location, headers=pauth)
    assert with_token.status_code == 400 and "<Code>InvalidArgument</Code>" in with_token.text
    posted = http.post(location, json={})
    assert posted.status_code == 405 and "<Code>MethodNotAllowed</Code>" in posted.text
    assert http.get(location.replace("X-Amz-Signature=", "X-Amz-Signature=0")).status_code == 403
    assert emu.clip_downloads(FRONT) == 1
    fetches = [(f["method"], f["authorization"], f["status"]) for f in emu.clip_fetches()]
    assert fetches[:3] == [("GET", False, 206), ("GET", True, 400), ("POST", False, 405)]


@pytest.mark.parametrize(("status", "followed"), [(301, 206), (302, 206), (303, 206), (307, 405)])
def test_requests_following_the_redirect(
    emu: Emulator,
    http: requests.Session,
    pauth: dict[str, str],
    demo_day: Scenario,
    status: int,
    followed: int,
) -> None:
    """requests turns 301/302/303 into a GET and drops the token (new port); 307 re-POSTs: 405."""
    _, start = ready_ding(demo_day)
    emu.set_clip_redirect(status)
    answer = post_clip(emu, http, pauth, {"timestamp": start - 1000, "duration": 3000})
    assert answer.status_code == followed
    assert emu.clip_fetches()[0]["authorization"] is False


def test_no_footage_is_416_even_when_redirecting(
    emu: Emulator, http: requests.Session, pauth: dict[str, str]
) -> None:
    """Nothing to redirect to: the 416 comes from the API host itself."""
    emu.set_clip_redirect(303)
    answer = post_clip(emu, http, pauth, {"timestamp": 1000, "duration": 1000}, allow_redirects=False)
    assert answer.status_code == 416


def test_offline_device_is_503_with_retry_after(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], demo_day: Scenario
) -> None:
    """set_device_offline: 503 "Device is currently offline", Retry-After 5; back online: 200."""
    _, start = ready_ding(demo_day)
    body = {"timestamp": start, "duration": 1000}
    emu.set_device_offline(FRONT, True)
    answer = post_clip(emu, http, pauth, body)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert answer.json() == {
        "errors": [{"status": "503", "title": "Service Unavailable", "detail": "Device is currently offline"}]
    }
    emu.set_device_offline(FRONT, False)
    assert post_clip(emu, http, pauth, body).status_code == 200


@pytest.mark.parametrize(
    ("route", "method", "path"),
    [
        ("partner_devices", "GET", "/v1/devices"),
        ("partner_capabilities", "GET", f"/v1/devices/{FRONT}/capabilities"),
        ("partner_history", "GET", f"/v1/history/devices/{FRONT}/events"),
        ("partner_clip", "POST", clip_url()),
        ("whep", "POST", f"/v1/devices/{FRONT}/media/streaming/whep/sessions"),
        ("whep_delete", "DELETE", f"/v1/devices/{FRONT}/media/streaming/whep/sessions/abc"),
    ],
)
def test_status_faults_on_partner_routes_are_jsonapi(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], route: str, method: str, path: str
) -> None:
    """A 429 fault: Retry-After, the rate limit headers and a JSON:API body; keyed by device id."""
    key = None if route == "partner_devices" else FRONT
    emu.add_fault(Fault(route, "status", status=429, retry_after=2, key=key))
    answer = http.request(method, emu.partner_url + path, headers=pauth, json={})
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "2" and answer.headers["X-RateLimit-Limit"] == "100"
    assert answer.json() == {
        "errors": [{"status": "429", "title": "Rate Limit Exceeded", "detail": "injected fault"}]
    }
    assert emu.count(route) == 1
    assert http.request(method, emu.partner_url + path, headers=pauth, json={}).status_code != 429


def test_clip_storage_faults_are_s3_xml(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], demo_day: Scenario
) -> None:
    """A fault on route "clip_storage" (keyed by device id) answers like S3."""
    _, start = ready_ding(demo_day)
    emu.set_clip_redirect(302)
    emu.add_fault(Fault("clip_storage", "status", status=503, key=FRONT))
    location = post_clip(
        emu, http, pauth, {"timestamp": start, "duration": 1000}, allow_redirects=False
    ).headers["Location"]
    first = http.get(location)
    assert first.status_code == 503 and "<Code>SlowDown</Code>" in first.text
    assert http.get(location).status_code == 200
    assert emu.count("clip_storage", FRONT) == 2


def test_short_clip_is_not_counted(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], demo_day: Scenario
) -> None:
    """A clip body cut short gives fewer bytes than Content-Length and no download count."""
    _, start = ready_ding(demo_day)
    emu.add_fault(Fault("partner_clip", "short", key=FRONT))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        post_clip(emu, http, pauth, {"timestamp": start, "duration": 4000})
    assert emu.clip_downloads(FRONT) == 0
