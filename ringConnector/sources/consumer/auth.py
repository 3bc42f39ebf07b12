"""Ring's consumer token endpoint: sign-in with 2FA and refresh, on top of ring_doorbell's Auth.

ring_doorbell 0.9's Auth parses the token endpoint's body without looking at the status, so a
Ring outage reads as "wrong password" or "2FA needed", and its refresh has no timeout. This
subclass makes those two requests itself, judges them by status, and refreshes once for every
task and process sharing the token file (Ring rotates refresh tokens: a second refresh with
the old one is rejected).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from oauthlib.common import urldecode
from oauthlib.oauth2 import OAuth2Error
from ring_doorbell import Auth, Requires2FAError
from ring_doorbell.const import OAuth

from ringConnector.config import Settings
from ringConnector.errors import (
    AUTH_FIX,
    AuthorizationRequired,
    LoginRejected,
    RingUnavailable,
    TransientError,
)
from ringConnector.sources.consumer.adapter import point_library_at
from ringConnector.sources.http import TOKEN_ENDPOINT, network_errors
from ringConnector.sources.refresh import RefreshOnce
from ringConnector.storage.tokens import TokenFile

_LOGGER = logging.getLogger(__name__)

USER_AGENT = "ringConnector"
# Ring answers 412 to a password grant that needs a 2FA code (docs/ring-apis.md §1.1).
NEEDS_2FA = 412
_BASIC = "Basic " + base64.b64encode(f"{OAuth.CLIENT_ID}:".encode()).decode()


class ConsumerAuth(Auth):
    """ring_doorbell's Auth with status-checked token requests and one refresh at a time."""

    def __init__(
        self,
        store: TokenFile,
        token: dict[str, Any] | None,
        *,
        http: aiohttp.ClientSession | None,
        timeout: float = 30.0,
    ) -> None:
        """Persist every new token through `store`, with this installation's hardware id."""
        super().__init__(USER_AGENT, token, store.save, store.hardware_id(), http_client_session=http)
        self._store = store
        self._once = RefreshOnce(store)
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)

    @property
    def access_token(self) -> str | None:
        """The access token in use."""
        value = self._token.get("access_token")
        return str(value) if value else None

    async def async_fetch_token(
        self, username: str, password: str, otp_code: str | None = None
    ) -> dict[str, Any]:
        """Password grant; Requires2FAError only when Ring answers 412, LoginRejected on a refusal."""
        body = self._oauth_client.prepare_request_body(
            username, password, scope=OAuth.SCOPE, include_client_id=True
        )
        headers = {"User-Agent": self.user_agent, "hardware_id": self.hardware_id}
        if otp_code:
            headers.update({"2fa-support": "true", "2fa-code": otp_code})
        status, text, _ = await self._token_request(dict(urldecode(body)), headers, what="sign-in")
        if status == NEEDS_2FA:
            raise Requires2FAError
        if status in (400, 401, 403):
            what = "2FA code" if otp_code else "user name or password"
            raise LoginRejected(f"Ring rejected the {what}")
        if status != 200:
            raise RingUnavailable(f"Ring's sign-in answered HTTP {status}; try again later")
        return self._accept(text)

    async def async_refresh_tokens(self) -> dict[str, Any]:
        """Refresh, unless another task or process already did since our token went stale."""
        loop = asyncio.get_running_loop()

        def refresh(refresh_token: str | None) -> None:
            # The protocol runs in a worker thread; the request itself runs here, in the loop.
            asyncio.run_coroutine_threadsafe(self._refresh(str(refresh_token)), loop).result()

        await asyncio.to_thread(
            self._once.run, self.access_token, current=lambda: self._token, refresh=refresh, adopt=self._adopt
        )
        return self._token

    async def _refresh(self, refresh_token: str) -> dict[str, Any]:
        _LOGGER.info("refreshing the Ring access token")
        body = self._oauth_client.prepare_refresh_body(refresh_token=refresh_token)
        headers = {"User-Agent": self.user_agent, "hardware_id": self.hardware_id}
        status, text, answer = await self._token_request(dict(urldecode(body)), headers, what="token refresh")
        if status in (400, 401):
            raise AuthorizationRequired(
                f"Ring rejected the saved token ({answer.get('error', status)}): {AUTH_FIX}"
            )
        if status != 200:
            raise RingUnavailable(f"Ring's token refresh answered HTTP {status}")
        return self._accept(text)

    async def _token_request(
        self, form: dict[str, str], headers: dict[str, str], *, what: str
    ) -> tuple[int, str, dict[str, Any]]:
        """POST to the token endpoint; 429 and 5xx are TransientErrors (retried by the caller)."""
        headers = {**headers, "Authorization": _BASIC, "Accept": "application/json"}
        with network_errors(what):
            async with self._session.post(
                OAuth.ENDPOINT, data=form, headers=headers, timeout=self._timeout
            ) as response:
                text = await response.text()
                status = response.status
                answer_headers = response.headers
        if status == 429 or status >= 500:
            raise TOKEN_ENDPOINT.error(status, answer_headers, what)
        try:
            answer = json.loads(text) if text else {}
        except ValueError:
            answer = {}
        return status, text, answer if isinstance(answer, dict) else {}

    def _accept(self, text: str) -> dict[str, Any]:
        try:
            token: dict[str, Any] = self._oauth_client.parse_request_body_response(text, scope=OAuth.SCOPE)
        except OAuth2Error as ex:
            raise RingUnavailable(f"Ring's token answer was not understood ({ex.error})") from ex
        self._token = token
        if self.token_updater is not None:
            self.token_updater(token)
        return token

    def _adopt(self, token: dict[str, Any]) -> None:
        self._token = token
        self._oauth_client.token = token
        self._oauth_client.populate_token_attributes(token)


async def sign_in(
    settings: Settings, username: str, password: str, ask_code: Callable[[], str]
) -> dict[str, Any]:
    """Fetch a token with Ring's password grant, asking for a 2FA code only when Ring answers 412.

    The token file is written only on success, so a failed attempt leaves the old one intact.
    """
    point_library_at(settings)
    store = TokenFile(settings.oauth_file)
    auth = ConsumerAuth(store, None, http=None, timeout=settings.http_timeout)
    try:
        try:
            token: dict[str, Any] = await auth.async_fetch_token(username, password)
        except Requires2FAError:
            code = ask_code().strip()
            try:
                token = await auth.async_fetch_token(username, password, code)
            except Requires2FAError as ex:
                raise LoginRejected("Ring asked for a 2FA code again: the code was not accepted") from ex
    except TransientError as ex:
        raise RingUnavailable(f"Ring's sign-in is unavailable right now ({ex}); try again later") from ex
    finally:
        await auth.async_close()
    return token
