"""Ring's Partner API webhooks arriving: verified on the raw body, deduplicated on
`meta.request_id` (kept 80 h in DATA_DIR), and turned into an announcement for the watcher.

Ring wants an answer within 5 s and retries 5xx (docs/ring-apis.md §2.9): nothing here waits for
a download; types we ignore are acknowledged too (persistent 4xx may disable the endpoint).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ringConnector.config import Settings
from ringConnector.sources.partner.webhooks import SIGNATURE_HEADER, Notification, parse, verify
from ringConnector.storage.state_db import StateDatabase

_LOGGER = logging.getLogger(__name__)
__all__ = ["SIGNATURE_HEADER", "Received", "receive"]


@dataclass(frozen=True)
class Received:
    """What became of one delivery."""

    notification: Notification
    duplicate: bool  # its request id was seen before

    @property
    def announces(self) -> bool:
        """True for a first delivery of a ding or motion: the watcher should look."""
        return not self.duplicate and self.notification.kind is not None


def receive(settings: Settings, database: StateDatabase, body: bytes, signature: str | None) -> Received:
    """Verify and read one webhook (Unauthorized / BadRequest otherwise) and remember its id in
    `database` (DATA_DIR's state)."""
    verify(settings.partner_webhook_key, body, signature)
    notification = parse(body)
    duplicate = not database.first_sighting(notification.request_id)
    _LOGGER.info(
        "webhook %s %s of %s%s",
        notification.type,
        notification.request_id,
        notification.device_id,
        " (a duplicate: ignored)" if duplicate else "",
    )
    return Received(notification, duplicate)
