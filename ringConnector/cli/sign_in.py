"""startCreateAuthFile.py: asks for the user, password and (only if Ring wants one) the 2FA code,
then writes the OAuth token JSON to OAUTH_FILE; with --partner, links a Partner API app."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ringConnector.cli.arguments import OneLineParser
from ringConnector.cli.run import guarded
from ringConnector.config import Settings
from ringConnector.errors import LoginRejected
from ringConnector.sources.consumer.auth import Challenge, sign_in
from ringConnector.sources.partner.client import PartnerClient

_LOGGER = logging.getLogger(__name__)
Prompt = Callable[[str], str]
# Ring's developer Playground hands out access tokens that live 30 minutes (docs/ring-apis.md §2.1).
PLAYGROUND_LIFETIME = 1800


def write_auth_file(
    settings: Settings,
    *,
    ask: Prompt = input,
    ask_secret: Prompt = getpass.getpass,
) -> None:
    """Interactively sign in and write OAUTH_FILE (mode 0600, atomically)."""
    print(f"Signing in to Ring; the token will be written to {settings.oauth_file}")
    username = ask("Ring user (e-mail): ").strip()
    password = ask_secret("Ring password: ")

    def ask_code(challenge: Challenge) -> str:
        return ask(code_prompt(challenge))

    asyncio.run(sign_in(settings, username, password, ask_code))
    print(f"Token written to {settings.oauth_file}; keep it private.")


def code_prompt(challenge: Challenge) -> str:
    """The 2FA prompt for what Ring's 412 said: an authenticator app's code is not "sent"
    (docs/ring-apis.md §1.1: tsv_state is sms, email or totp)."""
    where = challenge.phone or "your phone"
    if challenge.tsv_state == "sms":
        return f"Ring sent a 2FA code by SMS to {where}; enter it: "
    if challenge.tsv_state == "email":
        to = f" to {challenge.phone}" if challenge.phone else ""
        return f"Ring sent a 2FA code by e-mail{to}; enter it: "
    if challenge.tsv_state == "totp":
        return "Enter the 2FA code from your authenticator app: "
    return "Ring asks for a 2FA code; enter it: "


def write_partner_token_file(
    settings: Settings,
    *,
    ask: Prompt = input,
    ask_secret: Prompt = getpass.getpass,
    client: PartnerClient | None = None,
) -> None:
    """Link a Partner API app: exchange an authorization code, or save a pasted token.

    Either way the token goes to RING_PARTNER_TOKEN_FILE (0600, atomically) and is never shown.
    """
    own_client = client is None
    client = client or PartnerClient(settings)
    try:
        _link_partner(settings, client, ask, ask_secret)
    finally:
        if own_client:
            client.close()
    print(f"Partner token written to {settings.partner_token_file}; keep it private.")


def _link_partner(settings: Settings, client: PartnerClient, ask: Prompt, ask_secret: Prompt) -> None:
    print(f"Linking Ring's Partner API; the token will be written to {settings.partner_token_file}")
    code = ask_secret("Authorization code (Enter to paste a token instead): ").strip()
    if code:
        client.exchange_code(code)
    else:
        access = ask_secret("Access token: ").strip()
        if not access:
            raise LoginRejected("no access token was given")
        refresh = ask_secret("Refresh token (Enter if none, e.g. a Playground token): ").strip()
        lifetime = ask(f"Seconds until the access token expires [{PLAYGROUND_LIFETIME}]: ").strip()
        if lifetime and not (lifetime.isascii() and lifetime.isdecimal()):
            raise LoginRejected(f"expiry must be a whole number of seconds, got {lifetime!r}")
        token: dict[str, Any] = {"access_token": access, "token_type": "Bearer"}
        if refresh:
            token["refresh_token"] = refresh
        token["expires_at"] = client.wall_clock() + int(lifetime or PLAYGROUND_LIFETIME)
        client.store.save(token)


def parser() -> argparse.ArgumentParser:
    """Arguments of startCreateAuthFile.py."""
    parser = OneLineParser(
        prog="startCreateAuthFile.py",
        description=(
            "Sign in to Ring and write the OAuth token file the connector uses. "
            "Asks for the Ring user, the password (hidden) and, only when Ring asks for it, "
            "the 2FA code."
        ),
        epilog=(
            "Settings (environment or .env): OAUTH_FILE (default oauth-authorization.json), "
            "RING_OAUTH_URL. The hardware id beside the token file keeps Ring's list of "
            "authorized client devices from growing. With --partner: RING_PARTNER_TOKEN_FILE, "
            "RING_PARTNER_TOKEN_URL, RING_PARTNER_CLIENT_ID and RING_PARTNER_CLIENT_SECRET."
        ),
    )
    parser.add_argument(
        "--partner",
        action="store_true",
        help="link a Partner API app instead: exchange an authorization code or paste a token",
    )
    return parser


def auth_main(argv: Sequence[str] | None = None) -> int:
    """Run startCreateAuthFile.py; returns the exit status."""
    args = parser().parse_args(argv)

    def run(settings: Settings) -> int:
        with prompts_without_log_lines():
            if args.partner:
                write_partner_token_file(settings)
            else:
                write_auth_file(settings)
        return 0

    return guarded(run)


@contextmanager
def prompts_without_log_lines() -> Iterator[None]:
    """Between the prompts, INFO log lines (the hardware id created, the token saved) would only
    interrupt them and repeat what this script says itself: warnings and errors still show, and
    everything with LOG_LEVEL=DEBUG."""
    root = logging.getLogger()
    level = root.level
    if level > logging.DEBUG:
        root.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        root.setLevel(level)
