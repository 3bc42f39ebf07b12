"""Ring's one OAuth token endpoint, for both APIs: the consumer app's password and refresh grants,
the partner client's authorization_code and refresh grants, and the access-token book both sides'
issued tokens build on."""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from .http.gate import GATE, inject_fault, json_error

_LOGGER = logging.getLogger(__name__)

# Counted (and faulted) apart from "token", which the gate counts for every grant.
ROUTE = "partner_token"
# The consumer refresh grant's answer to a refresh token that is not current.
_INVALID_GRANT = {
    "error": "invalid_grant",
    "error_description": "token is invalid or does not exists",
}


class AccessTokens:
    """Issued access tokens with expiries on a clock: what the consumer and partner issued tokens share."""

    def __init__(self, clock: Callable[[], float]) -> None:
        """No tokens yet."""
        self._lock = threading.Lock()
        self._clock = clock
        self._access: dict[str, float] = {}  # access token -> expiry

    def access_valid(self, token: str) -> bool:
        """Tell whether an access token is known and unexpired."""
        with self._lock:
            expiry = self._access.get(token)
            return expiry is not None and self._clock() < expiry

    def expire_access(self) -> None:
        """Invalidate every access token (refresh tokens stay usable)."""
        with self._lock:
            self._access.clear()


def client_credentials(form: Mapping[str, Any], headers: Mapping[str, str]) -> tuple[str, str]:
    """Return (client_id, client_secret) from HTTP basic auth, else from the form (RFC 6749 2.3.1)."""
    scheme, _, encoded = headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        return user, password
    return str(form.get("client_id", "")), str(form.get("client_secret", ""))


def is_partner_grant(request: web.Request, form: Mapping[str, Any]) -> bool:
    """Tell whether a token request is the partner client's rather than the consumer app's."""
    grant = form.get("grant_type")
    if grant == "authorization_code":
        return True
    if grant != "refresh_token":
        return False
    tokens = request.app[GATE].state.partner.tokens
    # The store that issued the refresh token decides; an unknown one belongs to whichever
    # client presents it (ring_doorbell's client id is "ring_official_android").
    client_id, secret = client_credentials(form, request.headers)
    return (
        tokens.knows_refresh(str(form.get("refresh_token", "")))
        or tokens.is_partner_client(client_id)
        or bool(secret)
    )


async def partner_grant(request: web.Request, form: Mapping[str, Any]) -> web.StreamResponse:
    """Answer an authorization_code or refresh_token grant of the partner client."""
    state = request.app[GATE].state
    state.count_request(ROUTE, None, None)
    if (faulted := await inject_fault(request, ROUTE, None)) is not None:
        return faulted
    tokens = state.partner.tokens
    # Client authentication comes first (RFC 6749 5.2): a wrong client does not use up the code.
    if not tokens.client_ok(*client_credentials(form, request.headers)):
        return json_error(
            401,
            {"error": "invalid_client", "error_description": "client authentication failed"},
            {"WWW-Authenticate": 'Basic realm="oauth"'},
        )
    if form.get("grant_type") == "authorization_code":
        pair = tokens.exchange_code(str(form.get("code", "")))
        problem = "authorization code is invalid, expired or already used"
    else:
        pair = tokens.refresh(str(form.get("refresh_token", "")))
        problem = "refresh token is invalid, expired or already used"
    if pair is None:
        return json_error(400, {"error": "invalid_grant", "error_description": problem})
    _LOGGER.info("partner %s grant accepted", form.get("grant_type"))
    return web.json_response(pair)


async def token(request: web.Request) -> web.StreamResponse:
    """POST /oauth/token: password grant (with 2FA) and refresh grant, or a partner client's grant."""
    form = await request.post()
    # Ring serves both APIs' grants at oauth.ring.com/oauth/token.
    if is_partner_grant(request, form):
        return await partner_grant(request, form)
    return consumer_grant(request, form)


# Cloudflare's block page is HTML (docs/ring-apis.md §3: HA #30201, dgreif/ring #1368); our own
# short page in its spirit.
_CLOUDFLARE_PAGE = (
    "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>"
    "<body><h1>Sorry, you have been blocked</h1></body></html>"
)


def _sign_in_block(block: str | None) -> web.Response | None:
    """What Ring answers a sign-in instead of a token, when a test injected a block."""
    if block == "cloudflare":
        return web.Response(status=403, text=_CLOUDFLARE_PAGE, content_type="text/html")
    if block == "code_limit":
        # The description is ring-client-api's (rest-client.ts L405-413); the status is not
        # known publicly: 400 is an assumption.
        return json_error(
            400, {"error": "access_denied", "error_description": "too many requests from dependency service"}
        )
    if block == "rate_limit":  # assumption: a plain 429
        return json_error(429, {"error": "too_many_requests"}, {"Retry-After": "600"})
    if block == "address":  # the body of Ring's 406 is not known publicly: assumption
        return web.Response(status=406, text="Not Acceptable")
    return None


def consumer_grant(request: web.Request, form: Mapping[str, Any]) -> web.Response:
    """Answer a password grant (with the second factor) or a refresh_token grant of the consumer app."""
    state = request.app[GATE].state
    grant = str(form.get("grant_type", ""))
    if grant == "refresh_token":
        pair = state.tokens.refresh(str(form.get("refresh_token", "")))
        if pair is None:
            return json_error(401, _INVALID_GRANT)
        _LOGGER.info("refresh token rotated")
        return web.json_response(pair)
    if grant != "password":
        return json_error(400, {"error": "unsupported_grant_type"})
    if (blocked := _sign_in_block(state.sign_in.block)) is not None:
        return blocked
    account = state.account
    if form.get("username") != account.username or form.get("password") != account.password:
        return json_error(401, {"error": "access_denied", "error_description": "invalid user credentials"})
    if account.two_factor_code is not None:
        code = request.headers.get("2fa-code")
        if not code:
            # Ring asks for the second factor with 412 and says where it sent the code
            # (docs/ring-apis.md §1.1: ring-types.ts Auth2faResponse).
            controls = state.sign_in
            tsv_state = account.tsv_state if controls.tsv_state is None else controls.tsv_state
            body: dict[str, Any] = {"next_time_in_secs": 60, "phone": controls.phone, "tsv_state": tsv_state}
            return json_error(412, {k: v for k, v in body.items() if v != ""})
        if code != account.two_factor_code:
            return json_error(400, {"error": "Verification Code is invalid or expired"})
    _LOGGER.info("password grant accepted")
    return web.json_response(state.tokens.issue())
