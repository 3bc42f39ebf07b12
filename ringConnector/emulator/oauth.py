"""The Partner API's grants on the shared token endpoint: authorization code and refresh."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .http.gate import GATE, inject_fault, json_error

_LOGGER = logging.getLogger(__name__)

# Counted (and faulted) apart from "token", which the gate counts for every grant.
ROUTE = "partner_token"


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
