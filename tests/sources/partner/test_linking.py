"""startCreateAuthFile.py --partner finishes the account link as Ring documents it (docs/ring-apis.md
§7.6): the account, the redirect's nonce checked, POST and PATCH until `completed`, each step
said; and a link's end is foreseen: kept with the token, warned of from a week before in
/readyz and the scripts, its days left in /metrics, and a refused refresh says how to link again."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from ringConnector.cli.sign_in import write_partner_token_file
from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, ManualClock, PartnerApp
from ringConnector.errors import AuthorizationRequired, LoginRejected
from ringConnector.sources.partner.client import PartnerClient
from ringConnector.sources.partner.link import Redirect, link_nonce
from ringConnector.storage.partner_link import DAY
from ringConnector.storage.tokens import TokenFile
from tests.sources.partner.support import OFFLINE_NOW

KEY = PartnerApp().hmac_key


@pytest.fixture
def keyed(partner_settings: Settings) -> Settings:
    """The Partner settings with the app's HMAC signing key, which the link's nonce is made with."""
    return partner_settings.replace(partner_webhook_key=KEY)


def link(settings: Settings, emulator: Emulator, wall: ManualClock, *, redirect: str | None = None) -> None:
    """What a user does: a new code from Ring, pasted at once, then the address Ring opened."""
    code = emulator.issue_partner_code()
    address = emulator.partner_account_link() if redirect is None else redirect
    write_partner_token_file(
        settings,
        ask=lambda _: address or "",
        ask_secret=lambda _: code,
        client=PartnerClient(settings, wall_clock=wall),
    )


def test_a_link_made_from_a_code_ends_completed_at_ring_saying_each_step(
    keyed: Settings, partner_emulator: Emulator, wall: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    link(keyed, partner_emulator, wall)
    assert partner_emulator.partner_integration()["status"] == "completed"
    out = capsys.readouterr().out
    for step in (
        "GET /v1/users/me: Ring account ava1.ring.account.EMULATOR",
        "The nonce is Ring's for this account",
        "POST /v1/accounts/me/app-integrations (the nonce): awaiting",
        "PATCH /v1/accounts/me/app-integrations (status completed): completed",
        "so until about ",
    ):
        assert step in out
    saved = json.loads(keyed.partner_token_file.read_text())
    assert (saved["linked_at"], saved["account_id"]) == (wall(), "ava1.ring.account.EMULATOR")
    assert saved["access_token"] not in out


def test_without_the_redirect_the_link_is_left_unconfirmed_and_says_why(
    keyed: Settings, partner_emulator: Emulator, wall: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    link(keyed, partner_emulator, wall, redirect="")
    assert partner_emulator.partner_integration()["status"] == "pending"
    assert "Left unconfirmed" in capsys.readouterr().out
    assert partner_emulator.count("partner_link_confirm") == 0


def test_a_redirect_for_another_app_or_account_is_refused_before_ring_is_asked(
    keyed: Settings, partner_emulator: Emulator, wall: ManualClock
) -> None:
    settings = keyed.replace(partner_webhook_key="another app's key")
    with pytest.raises(LoginRejected, match=r"not Ring's for account ava1\.ring\.account\.EMULATOR"):
        link(settings, partner_emulator, wall)
    assert partner_emulator.count("partner_link_confirm") == 0
    assert partner_emulator.partner_integration()["status"] == "pending"


@pytest.mark.parametrize("minutes", [11, -2])
def test_a_redirect_older_than_ten_minutes_or_from_the_future_is_refused(minutes: int) -> None:
    """Ring's window is 600 s (app-deployment.html §6.3); a minute of clock skew is forgiven."""
    time_ms = "1771130906289"
    redirect = Redirect.parse(f"https://partner.example.com/ring/link?nonce=n&time={time_ms}")
    now = int(time_ms) / 1000 + minutes * 60
    with pytest.raises(LoginRejected, match="minutes old; Ring takes it for 10 minutes"):
        redirect.check("", "ava1.ring.account.X", now)
    redirect.check("", "ava1.ring.account.X", int(time_ms) / 1000 + 9 * 60)  # in time


@pytest.mark.parametrize("pasted", ["https://partner.example.com/ring/link", "nonce=abc", "time=12&nonce="])
def test_an_address_without_nonce_and_time_is_refused(pasted: str) -> None:
    with pytest.raises(LoginRejected, match="not Ring's Account Link address"):
        Redirect.parse(pasted)


def test_the_nonce_is_rings_example_computed_as_its_page_does() -> None:
    """Ring's Python example (app-deployment.html §6.3) and ours agree, URL-safe, unpadded."""
    mac = hmac.new(b"k", b"1771130906289:ava1.ring.account.XXXYYY", hashlib.sha256).digest()
    expected = base64.urlsafe_b64encode(mac).rstrip(b"=").decode("utf-8")
    assert link_nonce("k", "1771130906289", "ava1.ring.account.XXXYYY") == expected
    assert "=" not in expected and len(expected) == 43


def test_a_nonce_ring_refuses_is_one_line_naming_rings_reason(
    keyed: Settings, partner_emulator: Emulator, wall: ManualClock
) -> None:
    """Without the key the nonce is Ring's to check; the redirect of an older link is refused."""
    partner_emulator.issue_partner_code()
    older = partner_emulator.partner_account_link()
    wall.advance(1)  # the next link's time, and so its nonce, differs
    with pytest.raises(LoginRejected, match=r"^confirming the link: Ring refused it \(Invalid Nonce\)$"):
        link(keyed.replace(partner_webhook_key=""), partner_emulator, wall, redirect=older)


def test_a_pasted_token_skips_finishing_the_link_and_says_why(
    partner_settings: Settings,
    partner_emulator: Emulator,
    wall: ManualClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pasted = partner_emulator.issue_partner_token()
    answers = iter(["", pasted["access_token"], pasted["refresh_token"]])
    client = PartnerClient(partner_settings, wall_clock=wall)
    write_partner_token_file(
        partner_settings, ask=lambda _: "", ask_secret=lambda _: next(answers), client=client
    )
    out = capsys.readouterr().out
    assert "comes from a link made elsewhere" in out and "skipped" in out
    assert partner_emulator.count("partner_user") == 0
    assert json.loads(partner_settings.partner_token_file.read_text())["linked_at"] == wall()


# --- the end of a link -------------------------------------------------------------------


def linked(settings: Settings, wall: ManualClock, days_ago: float) -> None:
    """The saved token's link made `days_ago` days before the clock's now."""
    store = TokenFile(settings.partner_token_file, required=("access_token",))
    store.save(store.load() | {"linked_at": wall() - days_ago * DAY})


def days_left() -> float | None:
    return REGISTRY.get_sample_value("ringconnector_partner_link_days_left")


def test_readiness_warns_from_a_week_before_the_link_runs_out_and_metrics_count_the_days(
    partner_settings: Settings, partner_app: FlaskClient, wall: ManualClock
) -> None:
    linked(partner_settings, wall, days_ago=22.5)
    early = partner_app.get("/readyz")
    assert early.status_code == 200 and "warning" not in early.get_json()
    assert days_left() == 7.5
    wall.advance(DAY)  # 6.5 days left
    ready = partner_app.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"
    warning = ready.get_json()["warning"]
    assert warning.startswith("the Partner account link runs out in about 6 days (linked ")
    assert "startCreateAuthFile.py --partner" in warning and "app store" in warning
    assert days_left() == 6.5


def test_a_link_of_unknown_age_warns_of_nothing(partner_settings: Settings, partner_app: FlaskClient) -> None:
    """A token saved before links kept their time, or a Playground token: no end to foresee."""
    assert "warning" not in partner_app.get("/readyz").get_json()


def test_a_download_logs_the_coming_end_of_the_link(
    partner_settings: Settings,
    partner_connector: Connector,
    wall: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What startDownload.py shows (its log goes to stderr; TestTheScripts runs the script)."""
    linked(partner_settings, wall, days_ago=29.5)
    partner_connector.devices()
    partner_connector.devices()
    warnings = [r.getMessage() for r in caplog.records if "link runs out" in r.getMessage()]
    assert warnings == [warnings[0]] and "within a day" in warnings[0]


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def test_a_refused_refresh_says_the_link_ended_when_it_was_made_and_how_to_link_again(
    offline_settings: Settings, mocked: responses.RequestsMock, tmp_path: Path
) -> None:
    TokenFile(offline_settings.partner_token_file).save(
        {
            "access_token": "a",
            "refresh_token": "r",
            "expires_at": OFFLINE_NOW - 1,
            "linked_at": OFFLINE_NOW - 31 * DAY,
        }
    )
    mocked.post(offline_settings.partner_token_url, status=400, json={"error": "invalid_grant"})
    client = PartnerClient(offline_settings, wall_clock=lambda: OFFLINE_NOW)
    with pytest.raises(AuthorizationRequired) as caught:
        client.access_token()
    message = str(caught.value)
    assert message.startswith(
        "Ring refused the partner refresh token (invalid_grant): the account link has ended"
    )
    assert "linked 20" in message and "Ring's refresh tokens live about 30 days" in message
    assert (
        "link the app again from Ring's app store" in message
        and "./startCreateAuthFile.py --partner" in message
    )


def test_a_refresh_keeps_when_the_link_was_made(
    offline_settings: Settings, mocked: responses.RequestsMock
) -> None:
    TokenFile(offline_settings.partner_token_file).save(
        {
            "access_token": "a",
            "refresh_token": "r",
            "expires_at": OFFLINE_NOW - 1,
            "linked_at": 1.0,
            "account_id": "x",
        }
    )
    mocked.post(
        offline_settings.partner_token_url,
        json={"access_token": "a2", "refresh_token": "r2", "expires_in": 14400, "token_type": "Bearer"},
    )
    PartnerClient(offline_settings, wall_clock=lambda: OFFLINE_NOW).access_token()
    saved = json.loads(offline_settings.partner_token_file.read_text())
    assert (saved["refresh_token"], saved["linked_at"], saved["account_id"]) == ("r2", 1.0, "x")
