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
from ringConnector.sources.partner import link
from ringConnector.sources.partner.client import PartnerClient
from ringConnector.storage.partner_link import link_term

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
        finish_partner_link(settings, client, ask)
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
        if refresh:
            token["linked_at"] = client.wall_clock()  # unknown: counted from now
        client.store.save(token)
        explain_pasted_token(settings, token)


def finish_partner_link(settings: Settings, client: PartnerClient, ask: Prompt) -> None:
    """After a code exchange, finish the link as Ring's App Integrations page asks, saying each
    step: the account (GET /v1/users/me), the redirect's nonce checked, POST, then PATCH to
    `completed` (docs/ring-apis.md §7.6)."""
    print(
        "Token saved; finishing the account link (https://developer.amazon.com/docs/ring/app-integrations.html):"
    )
    account = link.account_id(client)
    client.keep(account_id=account)
    print(f"  GET /v1/users/me: Ring account {account}")
    pasted = ask(
        "  Paste the address Ring opened in your browser after the code (your Account Link URL "
        "with ?nonce=...&time=...), or Enter to leave the link unconfirmed: "
    ).strip()
    if not pasted:
        print(
            "  Left unconfirmed: without the nonce of Ring's redirect the link cannot be confirmed, "
            "and until it is completed Ring may send no webhooks (history is still read). To "
            "finish it, link the app again and paste both the code and the address."
        )
        return
    redirect = link.Redirect.parse(pasted)
    redirect.check(settings.partner_webhook_key, account, client.wall_clock())
    if settings.partner_webhook_key:
        print("  The nonce is Ring's for this account (HMAC over its time and the account id)")
    else:
        print("  RING_PARTNER_WEBHOOK_KEY is not set: the nonce is left for Ring to check")
    print(f"  POST /v1/accounts/me/app-integrations (the nonce): {link.confirm(client, redirect)}")
    print(f"  PATCH /v1/accounts/me/app-integrations (status completed): {link.complete(client)}")
    _say_when_it_ends(settings, client.store.peek())


def explain_pasted_token(settings: Settings, token: dict[str, Any]) -> None:
    """Why a pasted token skips finishing the link, and how long it lasts."""
    if "refresh_token" not in token:
        print(
            "A pasted token without a refresh token (Ring's Playground) belongs to no account link: "
            "GET /v1/users/me and the app-integrations POST and PATCH are skipped. It works until "
            "it expires, then paste a new one."
        )
        return
    print(
        "A pasted token comes from a link made elsewhere, finished by whoever received Ring's code "
        "and redirect (app-integrations POST and PATCH): those steps are skipped here, and the "
        "link's time is counted from now."
    )
    _say_when_it_ends(settings, token)


def _say_when_it_ends(settings: Settings, token: dict[str, Any] | None) -> None:
    term = link_term(token, settings.partner_link_days)
    if term is not None:
        print(f"This link: {term.describe()}; /readyz and the scripts warn from a week before.")


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
            "Settings (environment, or .env in the project folder): OAUTH_FILE (default "
            "oauth-authorization.json), RING_OAUTH_URL. The hardware id beside the token file keeps "
            "Ring's list of authorized client devices from growing. With --partner: RING_PARTNER_TOKEN_FILE, "
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
