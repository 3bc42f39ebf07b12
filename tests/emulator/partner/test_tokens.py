"""Partner API OAuth: code exchange, rotating refresh that kills the old pair, bearer checks."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from ringConnector.emulator import Emulator, Fault, ManualClock, PartnerApp

APP = PartnerApp()
DEVICES = "/v1/devices"


def _exchange(
    http: requests.Session,
    emu: Emulator,
    code: str,
    *,
    client_id: str = APP.client_id,
    secret: str = APP.client_secret,
    basic: bool = False,
) -> requests.Response:
    form = {"grant_type": "authorization_code", "code": code}
    if basic:
        return http.post(emu.oauth_url, data=form, auth=(client_id, secret))
    return http.post(emu.oauth_url, data=form | {"client_id": client_id, "client_secret": secret})


def _refresh(
    http: requests.Session, emu: Emulator, refresh_token: str, *, secret: str = APP.client_secret
) -> requests.Response:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": APP.client_id,
        "client_secret": secret,
    }
    return http.post(emu.oauth_url, data=form)


def _devices(http: requests.Session, emu: Emulator, access_token: str) -> int:
    headers = {"Authorization": f"Bearer {access_token}"}
    return http.get(emu.partner_url + DEVICES, headers=headers).status_code


@pytest.mark.parametrize("basic", [False, True], ids=["form", "basic-auth"])
def test_code_exchange_gives_a_working_partner_token(
    emu: Emulator, http: requests.Session, basic: bool
) -> None:
    """A fresh code and the right client: a Bearer pair with scope "partner" that lasts 4 h."""
    answer = _exchange(http, emu, emu.issue_partner_code(), basic=basic)
    assert answer.status_code == 200
    token = answer.json()
    assert set(token) == {"access_token", "refresh_token", "scope", "expires_in", "token_type"}
    assert (token["scope"], token["expires_in"], token["token_type"]) == ("partner", 14400, "Bearer")
    assert _devices(http, emu, token["access_token"]) == 200
    assert emu.count("partner_token") == 1 and emu.count("token") == 1


def test_a_code_works_once(emu: Emulator, http: requests.Session) -> None:
    """The second exchange of the same code is invalid_grant."""
    code = emu.issue_partner_code()
    assert _exchange(http, emu, code).status_code == 200
    again = _exchange(http, emu, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_code_expires_after_a_minute(emu: Emulator, http: requests.Session, wall: ManualClock) -> None:
    """Exchanged 60 s after issue it still works; 61 s after, it is invalid_grant."""
    first, second = emu.issue_partner_code(), emu.issue_partner_code()
    wall.advance(60)
    assert _exchange(http, emu, first).status_code == 200
    wall.advance(1)
    late = _exchange(http, emu, second)
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    assert _exchange(http, emu, "never-issued").status_code == 400


@pytest.mark.parametrize(
    ("client_id", "secret"), [("someone-else", APP.client_secret), (APP.client_id, "wrong-secret")]
)
@pytest.mark.parametrize("basic", [False, True], ids=["form", "basic-auth"])
def test_wrong_client_is_invalid_client_and_keeps_the_code(
    emu: Emulator, http: requests.Session, client_id: str, secret: str, basic: bool
) -> None:
    """A wrong client id or secret is 401 invalid_client; the code is not used up by it."""
    code = emu.issue_partner_code()
    answer = _exchange(http, emu, code, client_id=client_id, secret=secret, basic=basic)
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    assert _exchange(http, emu, code).status_code == 200


def test_refresh_rotates_and_kills_the_previous_pair(emu: Emulator, http: requests.Session) -> None:
    """After a refresh the old refresh token and the old access token both stop working."""
    old = _exchange(http, emu, emu.issue_partner_code()).json()
    answer = _refresh(http, emu, old["refresh_token"])
    assert answer.status_code == 200
    new = answer.json()
    assert new["scope"] == "partner" and new["expires_in"] == 14400
    assert {new["access_token"], new["refresh_token"]}.isdisjoint(old.values())
    assert _devices(http, emu, old["access_token"]) == 401
    assert _devices(http, emu, new["access_token"]) == 200
    reused = _refresh(http, emu, old["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert _refresh(http, emu, new["refresh_token"]).status_code == 200


def test_refresh_with_a_wrong_secret_is_invalid_client(emu: Emulator, http: requests.Session) -> None:
    """A wrong client secret on refresh is a 401 and does not rotate the token."""
    token = emu.issue_partner_token()
    answer = _refresh(http, emu, token["refresh_token"], secret="nope")
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    assert _devices(http, emu, token["access_token"]) == 200
    assert _refresh(http, emu, token["refresh_token"]).status_code == 200


def test_unknown_refresh_tokens(emu: Emulator, http: requests.Session) -> None:
    """With the partner client it is 400 invalid_grant; without, the consumer's 401 as before."""
    partner = _refresh(http, emu, "made-up")
    assert partner.status_code == 400 and partner.json()["error"] == "invalid_grant"
    consumer = http.post(emu.oauth_url, data={"grant_type": "refresh_token", "refresh_token": "made-up"})
    assert consumer.status_code == 401 and consumer.json()["error"] == "invalid_grant"


def test_the_two_apis_do_not_share_tokens(emu: Emulator, http: requests.Session) -> None:
    """A consumer token is refused by the partner host, and a partner token by the consumer API."""
    consumer, partner = emu.issue_token(), emu.issue_partner_token()
    assert _devices(http, emu, consumer["access_token"]) == 401
    headers = {"Authorization": f"Bearer {partner['access_token']}"}
    assert http.get(emu.api_url + "/clients_api/ring_devices", headers=headers).status_code == 401
    consumer_refresh = {"grant_type": "refresh_token", "refresh_token": consumer["refresh_token"]}
    assert http.post(emu.oauth_url, data=consumer_refresh).json()["scope"] == "client"


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_partner_routes_need_a_bearer_token(
    emu: Emulator, http: requests.Session, authorization: str | None
) -> None:
    """No valid bearer token: 401 as a JSON:API error, with the rate limit headers."""
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = http.get(emu.partner_url + DEVICES, headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {
        "errors": [
            {"status": "401", "title": "Unauthorized", "detail": "missing, invalid or expired access token"}
        ]
    }
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.headers["X-RateLimit-Limit"] == "100"


def test_access_tokens_expire_on_the_wall_clock(
    emu: Emulator, http: requests.Session, wall: ManualClock, mono: ManualClock
) -> None:
    """A partner token works for 14400 s of wall clock; the consumer clock does not matter."""
    token = emu.issue_partner_token()
    assert token["expires_at"] == wall() + 14400
    mono.advance(10**6)
    wall.advance(14399)
    assert _devices(http, emu, token["access_token"]) == 200
    wall.advance(2)
    assert _devices(http, emu, token["access_token"]) == 401
    assert _refresh(http, emu, token["refresh_token"]).status_code == 200


def test_expire_and_revoke_controls(emu: Emulator, http: requests.Session) -> None:
    """Expiry leaves refresh working; revocation leaves nothing working."""
    token = emu.issue_partner_token()
    emu.expire_partner_access_tokens()
    assert _devices(http, emu, token["access_token"]) == 401
    fresh: dict[str, Any] = _refresh(http, emu, token["refresh_token"]).json()
    assert _devices(http, emu, fresh["access_token"]) == 200
    emu.revoke_partner_refresh_tokens()
    assert _devices(http, emu, fresh["access_token"]) == 401
    assert _refresh(http, emu, fresh["refresh_token"]).status_code == 400


def test_partner_token_faults_spare_consumer_logins(emu: Emulator, http: requests.Session) -> None:
    """A fault on route "partner_token" hits partner grants only."""
    emu.add_fault(Fault("partner_token", "status", status=503, retry_after=1))
    consumer = emu.issue_token()
    form = {"grant_type": "refresh_token", "refresh_token": consumer["refresh_token"]}
    assert http.post(emu.oauth_url, data=form).status_code == 200
    faulted = _exchange(http, emu, emu.issue_partner_code())
    assert faulted.status_code == 503 and faulted.headers["Retry-After"] == "1"
    assert emu.count("partner_token") == 1 and emu.count("token") == 2
