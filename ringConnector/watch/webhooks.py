"""Ring's Partner API webhooks arriving: verified on the raw body, refused when older than the
dedupe window, acted on, and only then remembered by `meta.request_id` (80 h, in DATA_DIR).

Ring wants an answer within 5 s, retries 5xx and time-outs, and never retries a 4xx
(docs/ring-apis.md §2.10): nothing here waits for a download, types we ignore are acknowledged,
and a webhook that cannot be acted on now is a 503, not remembered, so Ring's retry is.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.errors import BadRequest, Busy, TryAgainLater
from ringConnector.sources.partner.webhooks import SIGNATURE_HEADER, Notification, parse, verify
from ringConnector.storage.state_db import WEBHOOK_KEEP
from ringConnector.watch.watcher import Watcher

_LOGGER = logging.getLogger(__name__)
__all__ = ["SIGNATURE_HEADER", "receive"]
# What Ring is told to wait before retrying a webhook the connector cannot act on yet.
RETRY_AFTER = 30.0


def receive(
    settings: Settings, connector: Connector, watcher: Watcher | None, body: bytes, signature: str | None
) -> str:
    """Verify, read and act on one webhook (Unauthorized / BadRequest / TryAgainLater otherwise);
    returns what became of it: "announced", "download started", "duplicate" or "ignored".

    Acted on means: its announcement is in the state database for the watcher, or (without watch
    mode) today's download has started. Only then is its request id remembered."""
    verify(settings.partner_webhook_key, body, signature)
    note = parse(body)
    _refuse_replays(note, connector.now())
    outcome = _act(connector, watcher, note) if note.kind is not None else "ignored"
    _LOGGER.info("webhook %s %s of %s: %s", note.type, note.request_id, note.device_id, outcome)
    return outcome


def _refuse_replays(note: Notification, now: datetime) -> None:
    """A signed webhook older than the dedupe window could be replayed as new: refused. (Ring
    retries for about an hour; one without a readable meta.time is taken: no source shows one.)"""
    if note.sent is not None and now - note.sent > timedelta(seconds=WEBHOOK_KEEP):
        hours = WEBHOOK_KEEP / 3600
        raise BadRequest(
            f"the webhook was sent at {note.sent:%Y-%m-%dT%H:%M:%SZ}, more than {hours:.0f} h ago: "
            "refused as a replay"
        )


def _act(connector: Connector, watcher: Watcher | None, note: Notification) -> str:
    try:
        if watcher is not None:
            fresh = watcher.announce(
                note.device_id,
                how="webhook",
                at=note.at,
                request_id=note.request_id,
                kind=note.kind or "ding",
            )
            return "announced" if fresh else "duplicate"
        if connector.state.seen(note.request_id):
            return "duplicate"
        connector.start_job()  # one job per day at a time: deliveries close together share it
        connector.state.remember(note.request_id)
    except Busy as ex:
        raise TryAgainLater(f"{ex}; Ring will retry this webhook", retry_after=ex.retry_after) from ex
    except OSError as ex:  # the state database: locked, full, gone
        raise TryAgainLater(
            f"the webhook could not be kept ({ex}); Ring will retry it", retry_after=RETRY_AFTER
        ) from ex
    return "download started"
