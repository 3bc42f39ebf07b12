"""The Partner host finishes an account link as Ring's pages describe it (tests/fixtures/partner/
SOURCES.md): the account behind a token, the nonce Ring sends the browser, POST then PATCH on
app-integrations, and no webhooks until the integration is `completed`."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ringConnector.emulator import FRONT_DOOR, Emulator, Event, ManualClock, PartnerApp, event_id
from tests.emulator.partner.test_contract import fixture, shape
from tests.support import Loopback, wait_for

LINK = "/v1/accounts/me/app-integrations"


def ring_nonce(key: str, time_ms: str, account_id: str) -> str:
    """The nonce as Ring's page computes it (app-deployment.html §6.3, its Python example)."""
    mac = hmac.new(key.encode("utf-8"), f"{time_ms}:{account_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("utf-8")


@pytest.fixture
def linking(emu: Emulator) -> tuple[dict[str, str], str, str]:
    """A new link: the bearer headers of the token its code gave, its nonce and its time."""
    code = emu.issue_partner_code()
    app = PartnerApp()
    form = {"grant_type": "authorization_code", "code": code}
    token = requests.post(emu.oauth_url, data=form, auth=(app.client_id, app.client_secret), timeout=5)
    redirect = emu.partner_account_link()
    assert redirect is not None
    query = parse_qs(urlsplit(redirect).query)
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    return headers, query["nonce"][0], query["time"][0]


def call(emu: Emulator, method: str, path: str, headers: dict[str, str], **body: object) -> requests.Response:
    return requests.request(method, emu.partner_url + path, headers=headers, json=body or None, timeout=5)


def test_the_account_behind_a_token_is_the_users_page_document(
    emu: Emulator, linking: tuple[dict[str, str], str, str]
) -> None:
    headers, _, _ = linking
    answer = call(emu, "GET", "/v1/users/me", headers)
    assert answer.status_code == 200 and answer.headers["Content-Type"].split(";")[0] == "application/json"
    assert shape(answer.json()) == shape(fixture("users_me.json"))
    assert answer.json()["data"]["id"].startswith("ava1.ring.account.")


def test_the_redirects_nonce_is_rings_hmac_over_the_time_and_the_account_id(
    emu: Emulator, linking: tuple[dict[str, str], str, str]
) -> None:
    headers, nonce, time_ms = linking
    account_id = call(emu, "GET", "/v1/users/me", headers).json()["data"]["id"]
    assert nonce == ring_nonce(PartnerApp().hmac_key, time_ms, account_id)
    assert int(time_ms) == int(emu.state.partner.wall_clock() * 1000)


def test_post_then_patch_complete_the_link_with_the_documented_answers(
    emu: Emulator, linking: tuple[dict[str, str], str, str]
) -> None:
    headers, nonce, _ = linking
    assert emu.partner_integration()["status"] == "pending"
    confirm = fixture("app_integration_confirm.json")
    posted = call(emu, "POST", LINK, headers, **(confirm["request"] | {"nonce": nonce}))
    assert posted.status_code == 200 and posted.json() == confirm["response"]
    assert emu.partner_integration()["status"] == "awaiting" and emu.partner_account_link() is None
    complete = fixture("app_integration_complete.json")
    patched = call(emu, "PATCH", LINK, headers, status="completed")
    assert patched.status_code == 200 and shape(patched.json()) == shape(complete["response"])
    assert patched.json()["status"] == "completed"
    assert patched.json()["account_identifier"] == confirm["request"]["account_identifier"]
    assert emu.partner_integration()["status"] == "completed"


@pytest.mark.parametrize(
    ("method", "body", "title"),
    [
        ("POST", {"nonce": "not-the-nonce"}, "Invalid Nonce"),
        ("POST", {"account_identifier": "me"}, "Missing Required Fields"),
        ("POST", {}, "Missing Required Fields"),
        ("PATCH", {"status": "completed"}, "Invalid Status Transition"),  # before the POST
        ("PATCH", {"status": "done"}, "Invalid Status Transition"),
        ("PATCH", {}, "Missing Required Fields"),
    ],
)
def test_a_call_out_of_turn_or_without_its_fields_is_refused_with_rings_title(
    emu: Emulator, linking: tuple[dict[str, str], str, str], method: str, body: dict[str, str], title: str
) -> None:
    headers, _, _ = linking
    answer = call(emu, method, LINK, headers, **body)
    assert answer.status_code == 400 and answer.json()["errors"][0]["title"] == title
    assert shape(answer.json()) == shape(fixture("error_invalid_nonce.json"))
    assert emu.partner_integration()["status"] == "pending"


def test_a_nonce_is_good_for_ten_minutes_and_once(
    emu: Emulator, wall: ManualClock, linking: tuple[dict[str, str], str, str]
) -> None:
    headers, nonce, _ = linking
    wall.advance(601)
    late = call(emu, "POST", LINK, headers, nonce=nonce)
    assert late.status_code == 400 and late.json()["errors"][0]["title"] == "Invalid Nonce"
    emu.issue_partner_code()  # the user links again: a new nonce
    fresh = parse_qs(urlsplit(emu.partner_account_link() or "").query)["nonce"][0]
    assert call(emu, "POST", LINK, headers, nonce=fresh).status_code == 200
    again = call(emu, "POST", LINK, headers, nonce=fresh)
    assert again.status_code == 400 and again.json()["errors"][0]["title"] == "Invalid Nonce"


@pytest.mark.parametrize(("method", "path"), [("GET", "/v1/users/me"), ("POST", LINK), ("PATCH", LINK)])
def test_none_of_them_answers_without_a_token(emu: Emulator, method: str, path: str) -> None:
    answer = call(emu, method, path, {}, nonce="x", status="completed")
    assert answer.status_code == 401


@pytest.fixture
def receiver() -> Iterator[Loopback]:
    found = Loopback()
    yield found
    found.close()


def ding(emu: Emulator, second: int) -> None:
    moment = datetime(2024, 3, 10, 23, 0, second, tzinfo=UTC)
    emu.add_events([Event(event_id(moment, 9), FRONT_DOOR, moment)])


def test_no_webhook_is_sent_until_the_integration_is_completed(
    emu: Emulator, linking: tuple[dict[str, str], str, str], receiver: Loopback
) -> None:
    headers, nonce, _ = linking
    emu.register_webhook(receiver.url)
    ding(emu, 1)  # pending
    assert call(emu, "POST", LINK, headers, nonce=nonce).status_code == 200
    ding(emu, 2)  # awaiting
    assert call(emu, "PATCH", LINK, headers, status="completed").status_code == 200
    ding(emu, 3)
    wait_for(lambda: len(receiver.requests) == 1, "the webhook of the ding after completion")
    assert [d["withheld"] for d in emu.webhook_deliveries()] == [True, True, False]
    assert b'"timestamp": 1710111603000' in receiver.requests[0][3]
