"""Sign-in that says what happened: the 2FA prompt follows the 412's tsv_state, and a code limit,
Cloudflare's HTML 403 and a 406 are told as what they are, never as a wrong password
(docs/ring-apis.md §1.1, §3)."""

from __future__ import annotations

import pytest

from ringConnector.cli.sign_in import write_auth_file
from ringConnector.config import Settings
from ringConnector.emulator import Emulator
from ringConnector.errors import RingUnavailable
from tests.support import ACCOUNT, environment, run

PHONE = "+1xxxxxxxx42"


class Prompts:
    """Fake prompts: the user, the password and the code, each prompt kept."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def ask(self, prompt: str) -> str:
        self.asked.append(prompt)
        return ACCOUNT.username if "user" in prompt else ACCOUNT.two_factor_code or ""

    def ask_secret(self, prompt: str) -> str:
        self.asked.append(prompt)
        return ACCOUNT.password


@pytest.fixture
def fresh(settings: Settings) -> Settings:
    """Settings with no token file yet."""
    settings.oauth_file.unlink()
    return settings


@pytest.mark.parametrize(
    ("tsv_state", "prompt"),
    [
        ("sms", f"Ring sent a 2FA code by SMS to {PHONE}; enter it: "),
        ("email", f"Ring sent a 2FA code by e-mail to {PHONE}; enter it: "),
        ("totp", "Enter the 2FA code from your authenticator app: "),
        ("", "Ring asks for a 2FA code; enter it: "),  # tsv_state missing from the 412
        ("carrier_pigeon", "Ring asks for a 2FA code; enter it: "),
    ],
)
def test_the_code_prompt_follows_tsv_state(
    fresh: Settings, emulator: Emulator, tsv_state: str, prompt: str
) -> None:
    emulator.state.sign_in.tsv_state = tsv_state
    emulator.state.sign_in.phone = PHONE
    prompts = Prompts()
    write_auth_file(fresh, ask=prompts.ask, ask_secret=prompts.ask_secret)
    assert prompts.asked[-1] == prompt
    assert fresh.oauth_file.exists()


def test_an_authenticator_code_is_not_sent(fresh: Settings, emulator: Emulator) -> None:
    emulator.state.sign_in.tsv_state = "totp"
    prompts = Prompts()
    write_auth_file(fresh, ask=prompts.ask, ask_secret=prompts.ask_secret)
    assert "sent" not in prompts.asked[-1]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("code_limit", "Ring is limiting 2FA codes (at most 10 in 10 minutes); wait 10 minutes"),
        ("rate_limit", "Ring is limiting 2FA codes"),
        ("cloudflare", "Ring's web firewall (Cloudflare) blocked this request (HTTP 403 with an HTML page"),
        ("address", "Ring is refusing requests from this address (HTTP 406)"),
    ],
)
def test_a_block_is_told_as_what_it_is(
    settings: Settings, emulator: Emulator, block: str, message: str
) -> None:
    before = settings.oauth_file.read_bytes()
    emulator.state.sign_in.block = block
    prompts = Prompts()
    with pytest.raises(RingUnavailable) as caught:
        write_auth_file(settings, ask=prompts.ask, ask_secret=prompts.ask_secret)
    assert message in str(caught.value)
    assert "password" not in str(caught.value).replace("your password was not checked", "")
    assert len(prompts.asked) == 2  # no code was asked for
    assert emulator.count("token") == 1  # asked once, not retried
    assert settings.oauth_file.read_bytes() == before


@pytest.mark.process
def test_the_script_prompts_by_sms(fresh: Settings, emulator: Emulator) -> None:
    emulator.state.sign_in.tsv_state = "sms"
    emulator.state.sign_in.phone = PHONE
    result = run(
        "startCreateAuthFile.py",
        env=environment(fresh),
        stdin=f"{ACCOUNT.username}\n{ACCOUNT.password}\n{ACCOUNT.two_factor_code}\n",
    )
    assert result.returncode == 0, result.stderr
    assert f"Ring sent a 2FA code by SMS to {PHONE}" in result.stdout
    assert fresh.oauth_file.exists()


@pytest.mark.process
@pytest.mark.parametrize(
    ("block", "line"),
    [
        ("cloudflare", "error: Ring's web firewall (Cloudflare) blocked this request"),
        ("address", "error: Ring is refusing requests from this address (HTTP 406)"),
        ("code_limit", "error: Ring is limiting 2FA codes"),
    ],
)
def test_the_script_tells_a_block_in_one_line(
    fresh: Settings, emulator: Emulator, block: str, line: str
) -> None:
    emulator.state.sign_in.block = block
    result = run(
        "startCreateAuthFile.py", env=environment(fresh), stdin=f"{ACCOUNT.username}\n{ACCOUNT.password}\n"
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(line)
    assert "rejected the user name or password" not in result.stderr
    assert not fresh.oauth_file.exists()
