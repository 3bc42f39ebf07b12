"""Signing in to Ring: asks for the user, password and (only if Ring wants one) the 2FA code,
then writes the OAuth token JSON to OAUTH_FILE."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from ring_doorbell import AuthenticationError, Requires2FAError

from ringConnector.config import Settings
from ringConnector.errors import LoginRejected, RingUnavailable
from ringConnector.sources.consumer import ConnectorAuth, point_library_at
from ringConnector.tokens import TokenStore

_LOGGER = logging.getLogger(__name__)
Prompt = Callable[[str], str]


async def create_token(
    settings: Settings, username: str, password: str, ask_code: Callable[[], str]
) -> dict[str, Any]:
    """Fetch a token with Ring's password grant, asking for a 2FA code only when Ring answers 412.

    The token file is written only on success, so a failed attempt leaves the old one intact.
    """
    point_library_at(settings)
    store = TokenStore(settings.oauth_file)
    auth = ConnectorAuth(store, None, http=None)
    try:
        try:
            token: dict[str, Any] = await auth.async_fetch_token(username, password)
        except Requires2FAError:
            code = ask_code().strip()
            try:
                token = await auth.async_fetch_token(username, password, code)
            except Requires2FAError as ex:
                raise LoginRejected("Ring did not accept the 2FA code") from ex
            except AuthenticationError as ex:
                raise LoginRejected("Ring rejected the 2FA code (wrong or expired)") from ex
        except AuthenticationError as ex:
            raise LoginRejected("Ring rejected the user name or password") from ex
        except (aiohttp.ClientError, TimeoutError) as ex:
            raise RingUnavailable(f"could not reach Ring at {settings.ring_oauth_url}: {ex}") from ex
    finally:
        await auth.async_close()
    return token


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

    def ask_code() -> str:
        return ask("Ring sent you a 2FA code; enter it: ")

    asyncio.run(create_token(settings, username, password, ask_code))
    print(f"Token written to {settings.oauth_file}; keep it private.")


def parser() -> argparse.ArgumentParser:
    """Arguments of startCreateAuthFile.py."""
    return argparse.ArgumentParser(
        prog="startCreateAuthFile.py",
        description=(
            "Sign in to Ring and write the OAuth token file the connector uses. "
            "Asks for the Ring user, the password (hidden) and, only when Ring asks for it, "
            "the 2FA code."
        ),
        epilog=(
            "Settings (environment or .env): OAUTH_FILE (default oauth-authorization.json), "
            "RING_OAUTH_URL. The hardware id beside the token file keeps Ring's list of "
            "authorized client devices from growing."
        ),
    )
