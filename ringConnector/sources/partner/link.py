"""Finishing a Partner account link as Ring documents it, after the code exchange: the account
the token belongs to, the nonce of Ring's redirect checked, then POST and PATCH on
/v1/accounts/me/app-integrations until the integration is `completed` (docs/ring-apis.md §7.6).

Ring's pages: https://developer.amazon.com/docs/ring/users.html (`GET /v1/users/me`),
https://developer.amazon.com/docs/ring/app-deployment.html §6.3 (the nonce: HMAC-SHA256 with the
app's HMAC signing key over "<time>:<account id>", URL-safe base64 without padding, 600 s),
https://developer.amazon.com/docs/ring/app-integrations.html (the two calls, their answers and
errors). Ring sends the nonce and time to the partner's Account Link URL in the user's browser;
the connector runs no web page, so the user pastes that address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ringConnector.errors import LoginRejected
from ringConnector.sources.partner.client import PartnerClient, partner_error

INTEGRATIONS = "v1/accounts/me/app-integrations"
# How long Ring's nonce is good for, and how far ahead of our clock its time may be.
NONCE_WINDOW_S = 600.0
CLOCK_SKEW_S = 60.0
# What the Ring user is shown as the partner account (the field is optional; "masked e-mail"
# in Ring's example, but this connector has no accounts of its own).
ACCOUNT_IDENTIFIER = "ringConnector"


def link_nonce(key: str, time_ms: str, account_id: str) -> str:
    """Ring's nonce for a link redirect: HMAC-SHA256 over "<time>:<account id>", URL-safe base64
    without padding (the same key signs webhooks, in hex: never mix the two)."""
    mac = hmac.new(key.encode(), f"{time_ms}:{account_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


@dataclass(frozen=True)
class Redirect:
    """The `nonce` and `time` (epoch ms, as Ring wrote it) of Ring's Account Link redirect."""

    nonce: str
    time_ms: str

    @classmethod
    def parse(cls, pasted: str) -> Redirect:
        """Read the address (or just its query) the user's browser was sent to."""
        text = pasted.strip()
        query = urlsplit(text).query if "?" in text else text
        found = parse_qs(query)
        nonce, time_ms = found.get("nonce", [""])[0], found.get("time", [""])[0]
        if not nonce or not (time_ms.isascii() and time_ms.isdecimal()):
            raise LoginRejected(
                "that is not Ring's Account Link address: it has no nonce and time "
                "(e.g. https://your.link/url?nonce=…&time=1771130906289)"
            )
        return cls(nonce, time_ms)

    def check(self, key: str, account_id: str, now: float) -> None:
        """Refuse a redirect that is not for this account (or this app's key), or too old."""
        age = now - int(self.time_ms) / 1000
        if age > NONCE_WINDOW_S or age < -CLOCK_SKEW_S:
            raise LoginRejected(
                f"Ring's Account Link address is {age / 60:.0f} minutes old; Ring takes it for 10 "
                "minutes: link the app again in the Ring app and paste the new address at once"
            )
        if key and not hmac.compare_digest(link_nonce(key, self.time_ms, account_id), self.nonce):
            raise LoginRejected(
                f"the nonce is not Ring's for account {account_id} under RING_PARTNER_WEBHOOK_KEY: "
                "the address belongs to another link, or the key is not this app's HMAC signing key"
            )


def account_id(client: PartnerClient) -> str:
    """GET /v1/users/me: the Ring account the token belongs to (`data.id`)."""
    found = client.get_json("v1/users/me", what="the linked account").get("data")
    identity = found.get("id") if isinstance(found, dict) else None
    if not isinstance(identity, str) or not identity:
        raise LoginRejected("Ring's answer to GET /v1/users/me names no account id")
    return identity


def confirm(client: PartnerClient, redirect: Redirect) -> str:
    """POST the nonce: Ring checks it and the integration becomes `awaiting`; its status."""
    body = {"account_identifier": ACCOUNT_IDENTIFIER, "nonce": redirect.nonce}
    return _status(client, "POST", body, what="confirming the link")


def complete(client: PartnerClient) -> str:
    """PATCH the status to `completed` (mandatory: until then Ring's integration is not
    "fully operational"); the status Ring answers."""
    return _status(client, "PATCH", {"status": "completed"}, what="completing the link")


def _status(client: PartnerClient, method: str, body: dict[str, Any], *, what: str) -> str:
    response = client.request(method, INTEGRATIONS, what=what, json=body)
    if response.status_code in (400, 404):  # Ring's "Invalid Nonce", "Invalid Status Transition"...
        raise LoginRejected(f"{what}: Ring refused it ({_title(response)})")
    if response.status_code != 200:
        raise partner_error(response, what)
    try:
        status = response.json().get("status")
    except (ValueError, AttributeError):
        status = None
    return str(status or "unknown")


def _title(response: Any) -> str:
    try:
        first = response.json()["errors"][0]
        return str(first.get("title") or first.get("detail") or response.status_code)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return f"HTTP {response.status_code}"
