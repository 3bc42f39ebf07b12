"""Ring's side of the Partner API's webhooks: signed POSTs to the partner's registered URL.

What Ring documents (https://developer.amazon.com/docs/ring/notifications.html,
button-press.html, motion-detection.html; docs/ring-apis.md §2.10): a JSON:API v1.1 payload,
`X-Signature: sha256=<hex>` (HMAC-SHA256 of the raw body under the app's HMAC key), an answer
expected within 5 s, 5xx and time-outs retried about 6 times from 1 s to 1 h, 4xx never. What
Ring warns of and tests need: deliveries dropped, duplicated and delayed, set here as faults.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
import queue
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

_LOGGER = logging.getLogger(__name__)

TIMEOUT_S = 5.0  # Ring treats a slower answer as a failed delivery
# Ring's retry schedule for 5xx and time-outs: "about 6 times, 1 s ... 1 h" (notifications page).
RETRY_DELAYS_S = (1.0, 5.0, 30.0, 300.0, 1800.0, 3600.0)
# The data.type Ring sends for each history kind; other kinds make no webhook.
TYPES = {"ding": "button_press", "motion": "motion_detected"}


@dataclasses.dataclass
class WebhookFaults:
    """How the next deliveries misbehave: each count is used up one delivery at a time."""

    drop: int = 0  # never sent at all
    duplicate: int = 0  # sent twice, the same body (and request_id) both times
    delay_s: float = 0.0  # every delivery waits this long before it is sent
    # Ring's retry delays are multiplied by this (tests make an hour a fraction of a second).
    retry_scale: float = 1.0


@dataclasses.dataclass
class Delivery:
    """One webhook and what became of it: its attempts' HTTP statuses (0: no answer)."""

    request_id: str
    type: str
    device: str
    timestamp_ms: int
    body: bytes
    statuses: list[int] = dataclasses.field(default_factory=list)
    dropped: bool = False
    withheld: bool = False  # never sent: the app integration was not completed
    copies: int = 1

    @property
    def delivered(self) -> bool:
        """Tell whether any attempt got a 2xx."""
        return any(200 <= status < 300 for status in self.statuses)

    def summary(self) -> dict[str, Any]:
        """JSON-ready, without the body."""
        fields = ("request_id", "type", "device", "timestamp_ms", "statuses", "dropped", "withheld", "copies")
        return {name: getattr(self, name) for name in fields} | {"delivered": self.delivered}


def sign(key: str, body: bytes) -> str:
    """Return the X-Signature header Ring sends with `body`."""
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def payload(
    kind: str, device: str, timestamp_ms: int, now: datetime, *, sub_type: str | None
) -> dict[str, Any]:
    """The v1.1 webhook document of button-press.html / motion-detection.html."""
    data: dict[str, Any] = {"id": f"{device}_{sub_type or kind}_{timestamp_ms}", "type": kind}
    if sub_type is not None:
        data["subType"] = sub_type  # where Ring's page puts it
    data["attributes"] = {"source": device, "source_type": "devices", "timestamp": timestamp_ms}
    data["relationships"] = {"devices": {"links": {"self": f"/v1/devices/{device}"}}}
    return {
        "meta": {
            "version": "1.1",
            "time": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "request_id": str(uuid.uuid4()),
            "account_id": "ava1.ring.account.EMULATOR",
        },
        "data": data,
    }


class WebhookSender:
    """Sends webhooks from one worker thread, in order, with Ring's retries and the set faults."""

    def __init__(
        self, key: str, wall_clock: Callable[[], float], *, sending: Callable[[], bool] = lambda: True
    ) -> None:
        """Nothing is sent until a URL is registered, nor while `sending()` is false (an app
        integration not `completed`: linking.py)."""
        self.key = key
        self._wall_clock = wall_clock
        self._sending = sending
        self._lock = threading.Lock()
        self._url: str | None = None
        self._faults = WebhookFaults()
        self._log: list[Delivery] = []
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None

    def register(self, url: str | None, faults: WebhookFaults | None = None) -> None:
        """Set (or with None, clear) the partner's webhook URL, and the faults from now on."""
        with self._lock:
            self._url = url
            self._faults = faults or WebhookFaults()
            if url is not None and self._worker is None:
                self._worker = threading.Thread(target=self._run, name="emulator-webhooks", daemon=True)
                self._worker.start()

    def announce(self, kind: str, device: str, timestamp_ms: int, *, sub_type: str | None = None) -> None:
        """Send the webhook for a new history event of `kind`, if its kind makes one."""
        webhook_type = TYPES.get(kind)
        with self._lock:
            if self._url is None or webhook_type is None:
                return
            now = datetime.fromtimestamp(self._wall_clock(), UTC)
            document = payload(webhook_type, device, timestamp_ms, now, sub_type=sub_type)
            delivery = Delivery(
                request_id=document["meta"]["request_id"],
                type=webhook_type,
                device=device,
                timestamp_ms=timestamp_ms,
                body=json.dumps(document).encode(),
            )
            if not self._sending():
                delivery.withheld = True
            elif self._faults.drop > 0:
                self._faults.drop -= 1
                delivery.dropped = True
            elif self._faults.duplicate > 0:
                self._faults.duplicate -= 1
                delivery.copies = 2
            self._log.append(delivery)
        if not (delivery.dropped or delivery.withheld):
            self._queue.put(delivery)

    def deliveries(self) -> list[dict[str, Any]]:
        """What was announced so far, oldest first, with each delivery's outcome."""
        with self._lock:
            return [delivery.summary() for delivery in self._log]

    def stop(self) -> None:
        """Stop the worker (deliveries still queued are abandoned, as on a Ring outage)."""
        self._stopping.set()
        self._queue.put(None)

    def _run(self) -> None:
        while not self._stopping.is_set():
            delivery = self._queue.get()
            if delivery is None:
                return
            with self._lock:
                faults = dataclasses.replace(self._faults)
            if faults.delay_s and self._stopping.wait(faults.delay_s):
                return
            for _ in range(delivery.copies):
                self._deliver(delivery, faults)

    def _deliver(self, delivery: Delivery, faults: WebhookFaults) -> None:
        """One delivery with Ring's retries: 5xx and time-outs again later, 4xx never."""
        for delay in (0.0, *RETRY_DELAYS_S):
            if delay and self._stopping.wait(delay * faults.retry_scale):
                return
            status = self._post(delivery)
            with self._lock:
                delivery.statuses.append(status)
            if status and status < 500:
                return

    def _post(self, delivery: Delivery) -> int:
        with self._lock:
            url = self._url
        if url is None:
            return 0
        request = urllib.request.Request(  # noqa: S310 - a URL the test registered
            url,
            data=delivery.body,
            method="POST",
            headers={"Content-Type": "application/json", "X-Signature": sign(self.key, delivery.body)},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except (OSError, ValueError) as error:  # refused, reset, timed out
            _LOGGER.info("emulator webhook to %s: no answer (%s)", url, error)
            return 0
