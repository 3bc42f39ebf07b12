"""Signing in: the 2FA step, wrong password or code, and the token file that results (or not)."""

from __future__ import annotations

import asyncio
import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from ringConnector.cli.sign_in import write_auth_file
from ringConnector.config import Settings
from ringConnector.emulator import Emulator, Fault, Scenario
from ringConnector.errors import LoginRejected, RingUnavailable
from ringConnector.sources.consumer import auth
from ringConnector.storage.tokens import TokenFile
from tests.support import ACCOUNT, small_day


@pytest.fixture
def fresh(settings: Settings) -> Settings:
    """Settings with no token file yet."""
    settings.oauth_file.unlink()
    return settings


def sign_in(settings: Settings, password: str = ACCOUNT.password, code: str = "123456") -> list[str]:
    asked: list[str] = []

    def ask_code(challenge: auth.Challenge) -> str:
        asked.append("code")
        return code

    asyncio.run(auth.sign_in(settings, ACCOUNT.username, password, ask_code))
    return asked


def test_two_factor_sign_in_writes_a_private_token(fresh: Settings, emulator: Emulator) -> None:
    asked = sign_in(fresh)
    assert asked == ["code"]
    token = json.loads(fresh.oauth_file.read_text())
    assert token["access_token"] and token["refresh_token"]
    assert stat.S_IMODE(fresh.oauth_file.stat().st_mode) == 0o600
    assert emulator.count("token") == 2  # the 412 asking for a code, then the token
    assert emulator.hardware_ids == {TokenFile(fresh.oauth_file).hardware_id()}


class TestAccountWithoutTwoFactor:
    @pytest.fixture
    def scenario(self) -> Scenario:
        plain = small_day()
        plain.account = replace(ACCOUNT, two_factor_code=None)
        return plain

    def test_no_code_is_asked_when_ring_wants_none(self, fresh: Settings, emulator: Emulator) -> None:
        assert sign_in(fresh) == []
        assert fresh.oauth_file.exists()
        assert emulator.count("token") == 1


@pytest.mark.parametrize(
    ("password", "code", "message"),
    [("wrong", "123456", "user name or password"), (ACCOUNT.password, "000000", "2FA code")],
)
def test_a_wrong_password_or_code_leaves_the_old_token(
    settings: Settings, password: str, code: str, message: str
) -> None:
    before = settings.oauth_file.read_bytes()
    with pytest.raises(LoginRejected, match=message):
        sign_in(settings, password=password, code=code)
    assert settings.oauth_file.read_bytes() == before
    assert [p.name for p in settings.oauth_file.parent.iterdir() if p.name.startswith(".part-")] == []


def test_the_hardware_id_stays_the_same_across_sign_ins(fresh: Settings, emulator: Emulator) -> None:
    sign_in(fresh)
    sign_in(fresh)
    assert len(emulator.hardware_ids) == 1


def test_write_auth_file_prompts_hide_the_password(
    fresh: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts: list[str] = []
    answers = {"user": ACCOUNT.username, "code": "123456"}

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return answers["code"] if "2FA" in prompt else answers["user"]

    def ask_secret(prompt: str) -> str:
        prompts.append("secret:" + prompt)
        return ACCOUNT.password

    write_auth_file(fresh, ask=ask, ask_secret=ask_secret)
    assert [p.split(" ")[0] for p in prompts] == ["Ring", "secret:Ring", "Enter"]
    assert any("password" in p for p in prompts if p.startswith("secret:"))
    assert fresh.oauth_file.exists()
    assert ACCOUNT.password not in capsys.readouterr().out


def test_ring_unreachable_while_signing_in(fresh: Settings, emulator: Emulator) -> None:
    emulator.stop()
    with pytest.raises(RingUnavailable):
        sign_in(fresh)
    assert not Path(fresh.oauth_file).exists()


@pytest.mark.parametrize(
    "fault", [Fault("token", "status", status=503), Fault("token", "drop")], ids=["503", "drop"]
)
def test_a_ring_outage_while_signing_in_is_not_a_wrong_password(
    fresh: Settings, emulator: Emulator, fault: Fault
) -> None:
    emulator.add_fault(fault)
    asked: list[str] = []

    def ask_code(challenge: auth.Challenge) -> str:
        asked.append("code")
        return ""

    with pytest.raises(RingUnavailable, match="try again later"):
        asyncio.run(auth.sign_in(fresh, ACCOUNT.username, ACCOUNT.password, ask_code))
    assert asked == []  # no 2FA code is asked for when Ring did not ask for one
    assert not fresh.oauth_file.exists()
