"""Ring's side of finishing a Partner account link: the account a token belongs to (Users API),
the nonce Ring hands the partner in its redirect, and the integration's status (App
Integrations API), which must reach `completed` before webhooks are sent.

What Ring documents:
- https://developer.amazon.com/docs/ring/users.html: `GET /v1/users/me` answers
  `{"data": {"type": "users", "id": "ava1.ring.account.…", "attributes": {first_name, last_name,
  email, phone_number}}}`.
- https://developer.amazon.com/docs/ring/app-deployment.html §6.3 (nonce technical reference):
  Ring redirects the user to the partner's Account Link URL with `nonce` and `time` (epoch ms);
  nonce = HMAC-SHA256(HMAC signing key, "<time>:<account id>"), URL-safe base64 without padding,
  valid 600 s.
- https://developer.amazon.com/docs/ring/app-integrations.html: `POST
  /v1/accounts/me/app-integrations` `{account_identifier (optional), nonce}` → 200 `{"status":
  "awaiting"}`; 400 "Invalid Nonce", 400 "Missing Required Fields", 404 "Not Found". Then `PATCH`
  `{account_identifier?, status?: completed | awaiting}` → 200 `{account_identifier, status,
  updated_at}`; 400 "Missing Required Fields" (empty body), 400 "Invalid Status Transition", 404.
  Until `completed` the integration "is not fully operational".

Assumptions (docs/emulator-partner.md): the status before the POST is called `pending` here (a
forum answer's word, https://community.amazondeveloper.com/t/what-happens-if-account-link-url-is-temporarily-unavailable/28230;
app-deployment.html's step 1 calls it `awaiting` already); a PATCH before the POST is an invalid
transition; a nonce is used once; no webhooks are sent until `completed`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from ..http.gate import GATE, jsonapi_error

# The one Ring account of the emulator, as webhooks' meta.account_id names it too.
ACCOUNT_ID = "ava1.ring.account.EMULATOR"
# Where Ring sends the user's browser after the code: the example of app-deployment.html §6.3.
ACCOUNT_LINK_URL = "https://partner.example.com/ring/link"
NONCE_WINDOW_MS = 600_000
STATUSES = ("pending", "awaiting", "completed")


def link_nonce(key: str, time_ms: int | str, account_id: str) -> str:
    """The nonce Ring computes: HMAC-SHA256 of "<time>:<account id>", URL-safe base64, no padding."""
    mac = hmac.new(key.encode(), f"{time_ms}:{account_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


@dataclass
class _Link:
    status: str
    nonce: str | None = None
    time_ms: int | None = None
    account_identifier: str | None = None
    updated_ms: int = 0


class AppIntegration:
    """The partner app's integration with the emulator's one account; thread-safe.

    It starts `completed` (the scenario's tokens stand for a link finished long ago); a new
    link (`start`) is `pending` until the partner POSTs its nonce and PATCHes it `completed`."""

    def __init__(self, hmac_key: str, wall_clock: Callable[[], float]) -> None:
        """A completed integration, as an account linked before the emulator started has."""
        self._key = hmac_key
        self._clock = wall_clock
        self._lock = threading.Lock()
        self._link = _Link("completed", updated_ms=self._now_ms())

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def start(self) -> str:
        """A new link, as after the user confirms the app in Ring's app store: `pending`, with a
        fresh nonce; returns the Account Link URL Ring sends the user's browser to."""
        now = self._now_ms()
        with self._lock:
            self._link = _Link("pending", link_nonce(self._key, now, ACCOUNT_ID), now, updated_ms=now)
        return f"{ACCOUNT_LINK_URL}?{urlencode({'nonce': self._link.nonce, 'time': now})}"

    def account_link(self) -> str | None:
        """The Account Link URL of the link under way (None once it is confirmed or there is none)."""
        with self._lock:
            link = self._link
            if link.status != "pending" or link.nonce is None:
                return None
            return f"{ACCOUNT_LINK_URL}?{urlencode({'nonce': link.nonce, 'time': link.time_ms})}"

    def confirm(self, nonce: str, account_identifier: str | None) -> str | None:
        """POST: `awaiting` if `nonce` is the link's and fresh; else why not (Ring's titles)."""
        now = self._now_ms()
        with self._lock:
            link = self._link
            fresh = link.time_ms is not None and 0 <= now - link.time_ms <= NONCE_WINDOW_MS
            if link.status != "pending" or link.nonce is None or not fresh:
                return "Invalid Nonce"
            if not hmac.compare_digest(nonce.encode(), link.nonce.encode()):
                return "Invalid Nonce"
            link.status, link.nonce, link.updated_ms = "awaiting", None, now  # used once
            link.account_identifier = account_identifier or link.account_identifier
        return None

    def update(self, status: str | None, account_identifier: str | None) -> dict[str, Any] | str:
        """PATCH: the integration after the change, or why it was refused (Ring's titles)."""
        now = self._now_ms()
        with self._lock:
            link = self._link
            if status is not None and (status not in ("awaiting", "completed") or link.status == "pending"):
                return "Invalid Status Transition"
            link.status = status or link.status
            link.account_identifier = account_identifier or link.account_identifier
            link.updated_ms = now
            return self._answer(link)

    @staticmethod
    def _answer(link: _Link) -> dict[str, Any]:
        updated = datetime.fromtimestamp(link.updated_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"account_identifier": link.account_identifier, "status": link.status, "updated_at": updated}

    def completed(self) -> bool:
        """Tell whether the integration is `completed` (Ring then sends webhooks)."""
        with self._lock:
            return self._link.status == "completed"

    def describe(self) -> dict[str, Any]:
        """The integration as tests see it: status, account_identifier, updated_at."""
        with self._lock:
            return self._answer(self._link)


def _refused(status: int, title: str, detail: str) -> web.Response:
    return jsonapi_error(status, detail, title=title)


async def _body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json() if request.can_read_body else {}
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def users_me(request: web.Request) -> web.Response:
    """GET /v1/users/me: the account the token belongs to (users.html's document, no meta)."""
    account = request.app[GATE].state.account
    attributes = {
        "first_name": "Emulated",
        "last_name": "User",
        "email": account.username,
        "phone_number": "18006561918",  # users.html's example
    }
    return web.json_response({"data": {"type": "users", "id": ACCOUNT_ID, "attributes": attributes}})


async def confirm_link(request: web.Request) -> web.Response:
    """POST /v1/accounts/me/app-integrations {account_identifier?, nonce}: the link confirmed."""
    body = await _body(request)
    if body is None or not isinstance(body.get("nonce"), str) or not body["nonce"]:
        return _refused(400, "Missing Required Fields", "the nonce field is missing")
    identifier = body.get("account_identifier")
    problem = request.app[GATE].state.partner.integration.confirm(
        body["nonce"], identifier if isinstance(identifier, str) else None
    )
    if problem is not None:
        return _refused(400, problem, "nonce validation failed")
    return web.json_response({"status": "awaiting"})


async def update_link(request: web.Request) -> web.Response:
    """PATCH /v1/accounts/me/app-integrations {account_identifier?, status?}: a new status."""
    body = await _body(request)
    status, identifier = (body or {}).get("status"), (body or {}).get("account_identifier")
    if not isinstance(status, str | None) or not isinstance(identifier, str | None):
        return _refused(400, "Invalid Status Transition", "status and account_identifier are strings")
    if status is None and identifier is None:
        return _refused(400, "Missing Required Fields", "the request body is empty")
    answer = request.app[GATE].state.partner.integration.update(status, identifier)
    if isinstance(answer, str):
        return _refused(400, answer, f"the status cannot become {status!r} now")
    return web.json_response(answer)
