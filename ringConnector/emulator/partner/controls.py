"""The Emulator's Partner API controls: codes and tokens, offline devices, clip modes and logs."""

from __future__ import annotations

import logging
from typing import Any

from ..scenario import Event
from ..state import EmulatorState
from .clip_request import Clip
from .clips import clip_sha256
from .live_view import settle_sessions
from .payloads import epoch_ms, partner_device_id
from .webhooks import WebhookFaults

_LOGGER = logging.getLogger(__name__)


def _device(device_id: str | int) -> str:
    # Tests may name a device by its consumer id; the Partner API only knows the partner id.
    return partner_device_id(device_id) if isinstance(device_id, int) else device_id


class PartnerControls:
    """Partner-side controls of the Emulator (a mixin: the Emulator provides `state`)."""

    state: EmulatorState

    def issue_partner_code(self) -> str:
        """The user links the app (again): return a one-time authorization code, valid for 60 s
        on the wall clock; the link is `pending` until completed (`partner_account_link`)."""
        code, _ = self.state.partner.new_link()
        return code

    def partner_account_link(self) -> str | None:
        """The Account Link URL Ring sent the user's browser to for the link under way (its
        `nonce` and `time`), None when no link awaits confirmation."""
        return self.state.partner.integration.account_link()

    def partner_integration(self) -> dict[str, Any]:
        """The app integration: status (pending, awaiting, completed), account_identifier, updated_at."""
        return self.state.partner.integration.describe()

    def issue_partner_token(self) -> dict[str, Any]:
        """Return a partner token pair as the token endpoint would, plus "expires_at" (epoch s)."""
        token = self.state.partner.tokens.issue()
        token["expires_at"] = self.state.partner.wall_clock() + token["expires_in"]
        return token

    def expire_partner_access_tokens(self) -> None:
        """Invalidate every partner access token; partner refresh tokens still work."""
        self.state.partner.tokens.expire_access()

    def revoke_partner_refresh_tokens(self) -> None:
        """Invalidate every partner access and refresh token: the account must be linked again."""
        self.state.partner.tokens.revoke_all()

    def set_device_offline(self, device_id: str | int, offline: bool) -> None:
        """Make clip downloads and live views of a device answer 503, or stop doing so."""
        self.state.partner.set_offline(_device(device_id), offline)

    def set_clip_redirect(self, status: int | None) -> None:
        """Answer clip downloads with a 301/302/303/307 to pre-signed storage, or directly (None)."""
        self.state.partner.set_clip_redirect(status)

    def set_media_processing(self, seconds: float) -> None:
        """Make footage downloadable only `seconds` after it was recorded (early clips: 206/416)."""
        self.state.partner.set_processing(seconds)

    def clip_requests(self) -> list[dict[str, Any]]:
        """Return the clip download requests: device_id, body, authorization (bool), status."""
        return self.state.partner.clip_requests()

    def clip_fetches(self) -> list[dict[str, Any]]:
        """Return the requests to pre-signed clip URLs: device_id, method, authorization, status."""
        return self.state.partner.clip_fetches()

    def clip_downloads(self, device_id: str | int) -> int:
        """Return the complete 200/206 clip bodies sent for a device (either host)."""
        return self.state.partner.clip_downloads(_device(device_id))

    def expected_clip_sha256(self, device_id: str | int, start_ms: int, length_ms: int) -> str:
        """Return the SHA-256 of the clip served for that device, start and length."""
        clip = Clip(_device(device_id), start_ms, length_ms, partial=False)
        return clip_sha256(clip, self.state.partner.clip_bytes_per_second)

    def whep_sessions(self) -> list[dict[str, Any]]:
        """Return the live views: id, device, offer, answer, created_ms, deleted_ms, event_id."""
        settle_sessions(self.state)
        return self.state.partner.sessions()

    def register_webhook(self, url: str | None, faults: WebhookFaults | None = None) -> None:
        """Have Ring POST signed webhooks to `url` for each new ding and motion (None: stop)."""
        self.state.partner.webhooks.register(url, faults)

    def webhook_deliveries(self) -> list[dict[str, Any]]:
        """Every webhook announced so far, oldest first: request_id, statuses, dropped, copies."""
        return self.state.partner.webhooks.deliveries()

    def _announce_webhook(self, event: Event) -> None:
        """Ring's webhook for a new history event (the Emulator listens to its state with it)."""
        device = partner_device_id(event.device_id)
        self.state.partner.webhooks.announce(
            event.kind, device, epoch_ms(event.created_at), sub_type=event.sub_type
        )

    def set_history_paging(self, mode: str) -> None:
        """Make history's links.next Ring's cursors ("cursor"), the same URL again ("repeat") or
        new URLs serving the same page ("stale")."""
        self.state.partner.set_history_paging(mode)
