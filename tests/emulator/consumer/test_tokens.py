"""The OAuth token endpoint (password grant with 2FA, rotating refresh) and bearer checks."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import requests

from ringConnector.emulator import DEMO_PASSWORD, DEMO_USERNAME, Emulator, ManualClock, bulk_scenario

DEVICES = "/clients_api/ring_devices"


def _login(
    http: requests.Session, emu: Emulator, *, password: str = DEMO_PASSWORD, code: str | None = None
) -> requests.Response:
    # The same form and headers ring_doorbell's Auth.async_fetch_token sends.
    headers = {"User-Agent": "android:com.ringapp", "hardware_id": "hw-login"}
    if code is not None:
        headers |= {"2fa-support": "true", "2fa-code": code}
    form = {
        "grant_type": "password",
        "username": DEMO_USERNAME,
        "password": password,
        "scope": "client",
        "client_id": "ring_official_android",
    }
    return http.post(emu.oauth_url, data=form, headers=headers, auth=("ring_official_android", ""))


def _refresh(http: requests.Session, emu: Emulator, refresh_token: str) -> requests.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return http.post(emu.oauth_url, data=form)


def test_password_grant_asks_for_the_code_then_succeeds(emu: Emulator, http: requests.Session) -> None:
    """No code: 412 with the 2FA hint; right code: a Bearer token pair with scope "client"."""
    first = _login(http, emu)
    assert first.status_code == 412
    assert first.json() == {"next_time_in_secs": 60, "phone": "+1xxxxxxxx89", "tsv_state": "totp"}
    second = _login(http, emu, code="123456")
    assert second.status_code == 200
    token = second.json()
    assert token["token_type"] == "Bearer" and token["scope"] == "client"
    assert token["expires_in"] == 3600
    assert token["access_token"] and token["refresh_token"]
    assert "hw-login" in emu.hardware_ids
    assert emu.count("token") == 2


@pytest.mark.parametrize(
    ("password", "code", "status", "body"),
    [
        ("demo-password", "654321", 400, {"error": "Verification Code is invalid or expired"}),
        (
            "wrong",
            "123456",
            401,
            {"error": "access_denied", "error_description": "invalid user credentials"},
        ),
        ("wrong", None, 401, {"error": "access_denied", "error_description": "invalid user credentials"}),
    ],
)
def test_password_grant_errors(
    emu: Emulator,
    http: requests.Session,
    password: str,
    code: str | None,
    status: int,
    body: dict[str, Any],
) -> None:
    """A wrong code is a 400; a wrong password a 401, checked before the second factor."""
    answer = _login(http, emu, password=password, code=code)
    assert (answer.status_code, answer.json()) == (status, body)


def test_account_without_2fa_logs_in_directly(http: requests.Session) -> None:
    """two_factor_code=None: the password alone gives a token."""
    scenario = bulk_scenario(date(2024, 3, 9), "UTC", events=1, size=1000)
    scenario.account.two_factor_code = None
    with Emulator(scenario) as emu:
        assert _login(http, emu).status_code == 200


def test_refresh_rotates_and_the_old_refresh_token_dies(emu: Emulator, http: requests.Session) -> None:
    """A refresh gives a new pair; the old refresh token is then rejected, its access token not."""
    old = _login(http, emu, code="123456").json()
    answer = _refresh(http, emu, old["refresh_token"])
    assert answer.status_code == 200
    new = answer.json()
    assert new["refresh_token"] != old["refresh_token"]
    assert new["access_token"] != old["access_token"]
    again = _refresh(http, emu, old["refresh_token"])
    assert again.status_code == 401
    assert again.json() == {
        "error": "invalid_grant",
        "error_description": "token is invalid or does not exists",
    }
    for access in (old["access_token"], new["access_token"]):
        headers = {"Authorization": f"Bearer {access}"}
        assert http.get(emu.api_url + DEVICES, headers=headers).status_code == 200
    assert _refresh(http, emu, new["refresh_token"]).status_code == 200


def test_revoked_refresh_tokens_are_rejected(
    emu: Emulator, http: requests.Session, token: dict[str, Any]
) -> None:
    """After revocation neither the refresh token nor the access token works."""
    emu.revoke_refresh_tokens()
    assert _refresh(http, emu, token["refresh_token"]).status_code == 401
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert http.get(emu.api_url + DEVICES, headers=headers).status_code == 401


def test_issue_token_looks_like_an_oauthlib_token(emu: Emulator, token: dict[str, Any]) -> None:
    """issue_token gives what ring_doorbell stores: the answer plus an epoch expires_at."""
    assert set(token) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
        "created_at",  # ring_doorbell's ring_oauth.json fixture has it
        "expires_at",
    }
    assert token["expires_at"] > 1.7e9


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_api_refuses_missing_or_unknown_tokens(
    emu: Emulator, http: requests.Session, authorization: str | None
) -> None:
    """Every API route needs a known bearer token."""
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = http.get(emu.api_url + DEVICES, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["Content-Type"].startswith("application/json")


def test_api_refuses_expired_tokens(
    emu: Emulator, http: requests.Session, auth: dict[str, str], mono: ManualClock
) -> None:
    """A token works until its hour is over on the emulator's clock, then gets a 401."""
    assert http.get(emu.api_url + DEVICES, headers=auth).status_code == 200
    mono.advance(3599)
    assert http.get(emu.api_url + DEVICES, headers=auth).status_code == 200
    mono.advance(2)
    assert http.get(emu.api_url + DEVICES, headers=auth).status_code == 401


def test_expire_access_tokens_keeps_refresh_working(
    emu: Emulator, http: requests.Session, auth: dict[str, str], token: dict[str, Any]
) -> None:
    """expire_access_tokens: API 401s, but a refresh still gives a working token."""
    emu.expire_access_tokens()
    assert http.get(emu.api_url + DEVICES, headers=auth).status_code == 401
    fresh = _refresh(http, emu, token["refresh_token"]).json()
    headers = {"Authorization": f"Bearer {fresh['access_token']}"}
    assert http.get(emu.api_url + DEVICES, headers=headers).status_code == 200
