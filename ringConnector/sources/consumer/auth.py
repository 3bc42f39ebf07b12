"""Ring's consumer token endpoint: sign-in with 2FA and refresh, on top of ring_doorbell's Auth.

ring_doorbell 0.9's Auth parses the token endpoint's body without looking at the status, so a
Ring outage reads as "wrong password" or "2FA needed", and its refresh has no timeout. This
subclass makes those two requests itself, judges them by status, and refreshes once for every
task and process sharing the token file (Ring rotates refresh tokens: a second refresh with
the old one is rejected). Its API calls keep the body of an error answer, so the caller can
tell Ring's "session not found" 404 from any other (docs/ring-apis.md §3).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from oauthlib.common import urldecode
from oauthlib.oauth2 import OAuth2Error, TokenExpiredError
from ring_doorbell import Auth, AuthenticationError, Requires2FAError, RingError, RingTimeout
from ring_doorbell.const import TIMEOUT, OAuth

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
# Ring blocks an address with 406, on sessions and on the token endpoint (docs/ring-apis.md §3).
BLOCKED = 406
# Ring sends at most 10 codes in 10 minutes, then answers with this error_description; the
# status is not known publicly (docs/ring-apis.md §1.1, rest-client.ts L405-413). A 429 is
# taken to mean the same: an assumption.
CODE_LIMIT_TEXT = "too many requests from dependency service"
_BASIC = "Basic " + base64.b64encode(f"{OAuth.CLIENT_ID}:".encode()).decode()

CODE_LIMIT = "Ring is limiting 2FA codes (at most 10 in 10 minutes); wait 10 minutes, then sign in again"
HTML_BLOCK = (
    "Ring's web firewall (Cloudflare) blocked this request (HTTP 403 with an HTML page, not a "
    "Ring answer); your password was not checked. Try again later, or from another network "
    "(no VPN)"
)
ADDRESS_BLOCK = (
    "Ring is refusing requests from this address (HTTP 406); your password was not checked. "
    "Try again in about a day"
)


@dataclass(frozen=True)
class Challenge:
    """What Ring's 412 says about the 2FA code: where it went (`tsv_state`) and the phone."""

    tsv_state: str | None = None
    phone: str | None = None


class CodeNeeded(Requires2FAError):
    """Ring answered 412: a 2FA code is needed; `challenge` says where it comes from."""

    def __init__(self, challenge: Challenge) -> None:
        """Keep the 412 body's tsv_state and phone."""
        super().__init__(f"2FA code needed ({challenge.tsv_state or 'unknown channel'})")
        self.challenge = challenge


class AnsweredError(aiohttp.ClientResponseError):
    """An error answer of Ring's API, with its body (ring_doorbell drops it)."""

    def __init__(self, response: aiohttp.ClientResponse, body: bytes) -> None:
        """Carry the status, headers and body of `response`."""
        super().__init__(
            response.request_info,
            response.history,
            status=response.status,
            message=response.reason or "",
            headers=response.headers,
        )
        self.body = body

    def error_text(self) -> str:
        """The JSON body's `error` text, or "" (Ring's session 404 names the hardware id there)."""
        try:
            answer = json.loads(self.body)
        except ValueError:
            return ""
        error = answer.get("error") if isinstance(answer, dict) else None
        return error if isinstance(error, str) else ""


def _is_html(headers: Mapping[str, str], text: str) -> bool:
    """Cloudflare's block page is HTML, never JSON (docs/ring-apis.md §3)."""
    return "html" in headers.get("Content-Type", "").lower() or text.lstrip().startswith("<")


def _sign_in_refusal(
    status: int, text: str, answer: dict[str, Any], headers: Mapping[str, str]
) -> str | None:
    """What a token answer that is neither a token nor a 412 means, when it is not a bad password."""
    if answer.get("error_description") == CODE_LIMIT_TEXT or status == 429:
        return CODE_LIMIT
    if status == 403 and _is_html(headers, text):
        return HTML_BLOCK
    if status == BLOCKED:
        return ADDRESS_BLOCK
    return None


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
        status, text, answer, answer_headers = await self._token_request(
            dict(urldecode(body)), headers, what="sign-in"
        )
        refusal = _sign_in_refusal(status, text, answer, answer_headers)
        if refusal is not None:
            raise RingUnavailable(refusal)
        if status == 429 or status >= 500:
            raise TOKEN_ENDPOINT.error(status, answer_headers, "sign-in")
        if status == NEEDS_2FA:
            raise CodeNeeded(_challenge(answer))
        error = str(answer.get("error", ""))
        if status == 400 and error.startswith("Verification Code"):
            raise LoginRejected("Ring rejected the 2FA code (wrong or expired)")
        if status in (400, 401):
            what = "2FA code" if otp_code else "user name or password"
            raise LoginRejected(f"Ring rejected the {what}")
        if status == 403:
            reason = error or "no reason given"
            raise RingUnavailable(f"Ring refused this client (HTTP 403: {reason}); try again later")
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
        status, text, answer, answer_headers = await self._token_request(
            dict(urldecode(body)), headers, what="token refresh"
        )
        if status == 429 or status >= 500:
            raise TOKEN_ENDPOINT.error(status, answer_headers, "token refresh")
        if status in (400, 401):
            raise AuthorizationRequired(
                f"Ring rejected the saved token ({answer.get('error', status)}): {AUTH_FIX}"
            )
        if status == BLOCKED or (status == 403 and _is_html(answer_headers, text)):
            block = ADDRESS_BLOCK if status == BLOCKED else HTML_BLOCK
            raise RingUnavailable(block.replace("your password", "the saved token"))
        if status != 200:
            raise RingUnavailable(f"Ring's token refresh answered HTTP {status}")
        return self._accept(text)

    async def _token_request(
        self, form: dict[str, str], headers: dict[str, str], *, what: str
    ) -> tuple[int, str, dict[str, Any], Mapping[str, str]]:
        """POST to the token endpoint: (status, body text, JSON body or {}, headers)."""
        headers = {**headers, "Authorization": _BASIC, "Accept": "application/json"}
        with network_errors(what):
            async with self._session.post(
                OAuth.ENDPOINT, data=form, headers=headers, timeout=self._timeout
            ) as response:
                text = await response.text()
                status = response.status
                answer_headers = response.headers
        try:
            answer = json.loads(text) if text else {}
        except ValueError:
            answer = {}
        return status, text, answer if isinstance(answer, dict) else {}, answer_headers

    async def async_query(  # ring_doorbell's signature
        self,
        url: str,
        method: str = "GET",
        extra_params: dict[str, Any] | None = None,
        data: bytes | None = None,
        json: dict[Any, Any] | None = None,
        timeout: float | None = None,
        *,
        raise_for_status: bool = True,
    ) -> Auth.Response:
        """ring_doorbell's API call (auth.py L185-259 at 0.9.14), keeping an error answer's body."""
        kwargs: dict[str, Any] = {"params": dict(extra_params or {}), "timeout": timeout or TIMEOUT}
        headers = {"User-Agent": self.user_agent, "hardware_id": self.get_hardware_id()}
        if json is not None or method == "PUT":  # Ring wants a JSON null on PUT (the library's note)
            kwargs["json"] = json
            headers["Content-Type"] = "application/json"
        try:
            try:
                url, headers, data = self._oauth_client.add_token(
                    url, http_method=method, body=data, headers=headers
                )
            except TokenExpiredError:
                self._token = await self.async_refresh_tokens()
                url, headers, data = self._oauth_client.add_token(
                    url, http_method=method, body=data, headers=headers
                )
            resp = await self._session.request(method, url, headers=headers, data=data, **kwargs)
        except AuthenticationError:
            raise
        except TimeoutError as ex:
            raise RingTimeout(f"Timeout error during query of url {url}: {ex}") from ex
        except aiohttp.ClientError as ex:
            raise RingError(f"aiohttp Client error during query of url {url}: {ex}") from ex
        except Exception as ex:  # the library's own catch-all: our refresh's errors ride in it
            raise RingError(f"Unknown error during query of url {url}: {ex}") from ex
        async with resp:
            if resp.status == 401:
                # Like the library: refresh, but let this call fail (source._call retries it).
                self._token = await self.async_refresh_tokens()
            body = await resp.read()
            if raise_for_status and resp.status >= 400:
                raise RingError(f"HTTP error with status code {resp.status} during query of url {url}") from (
                    AnsweredError(resp, body)
                )
        return Auth.Response(body, resp.status)

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


def _challenge(answer: dict[str, Any]) -> Challenge:
    state, phone = answer.get("tsv_state"), answer.get("phone")
    return Challenge(
        tsv_state=state if isinstance(state, str) and state else None,
        phone=phone if isinstance(phone, str) and phone else None,
    )


async def sign_in(
    settings: Settings, username: str, password: str, ask_code: Callable[[Challenge], str]
) -> dict[str, Any]:
    """Fetch a token with Ring's password grant, asking for a 2FA code only when Ring answers 412.

    `ask_code` gets what the 412 said (tsv_state, phone). The token file is written only on
    success, so a failed attempt leaves the old one intact.
    """
    point_library_at(settings)
    store = TokenFile(settings.oauth_file)
    auth = ConsumerAuth(store, None, http=None, timeout=settings.http_timeout)
    try:
        try:
            token: dict[str, Any] = await auth.async_fetch_token(username, password)
        except CodeNeeded as needed:
            code = ask_code(needed.challenge).strip()
            try:
                token = await auth.async_fetch_token(username, password, code)
            except Requires2FAError as ex:
                raise LoginRejected("Ring asked for a 2FA code again: the code was not accepted") from ex
    except TransientError as ex:
        raise RingUnavailable(f"Ring's sign-in is unavailable right now ({ex}); try again later") from ex
    finally:
        await auth.async_close()
    return token
