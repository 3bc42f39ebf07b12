"""waitress's connections, bounded so that a slow client costs nothing but its own connection.

waitress reads requests in one loop and hands a thread only a request that has arrived whole, so
a client that trickles bytes costs no thread; but it holds a connection for as long as it keeps
trickling (waitress drops only connections silent for `channel_timeout`), and waitress stops
accepting at `connection_limit`: 1,000 clients sending a byte every 20 s each kept /healthz
unanswered for a minute (bench/trickle.py). Here, waitress's own extension points (its server's
`channel_class`, `maintenance` and accepting, its channel's `error_task_class`) add:

- a deadline: a request must arrive whole, headers and body, within `request_deadline` seconds of
  its first byte, else it is answered 408 and its connection closed;
- room at the limit: a new connection takes the place of the one that has waited longest for
  its request (idle, or still arriving); only when every connection has a request being answered
  does the server stop accepting, as waitress does;
- its own refusals (400, 408, 413, 431, 501) as the API's JSON errors with its security headers.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher
from waitress.utilities import Error

from ringConnector.web.browsers import SECURITY_HEADERS

_LOGGER = logging.getLogger(__name__)
# How long a request may take to arrive whole, headers and body (1 MiB at most), from its first
# byte: a client on loopback or behind a proxy sends it in milliseconds.
REQUEST_DEADLINE = 10.0
# How often connections are looked over (waitress's own default, 30 s, let an idle client stay
# up to twice CHANNEL_TIMEOUT).
CLEANUP_INTERVAL = 1
# At most one warning a minute that connections are being dropped to make room.
ROOM_WARNING_EVERY = 60.0


class RequestTimeout(Error):  # type: ignore[misc]  # waitress carries no types
    """A request that did not arrive whole within the deadline."""

    code = 408
    reason = "Request Timeout"


class JsonErrorTask(ErrorTask):  # type: ignore[misc]  # waitress carries no types
    """waitress's own error answers as the API's: {"error", "message"} and the security headers."""

    def execute(self) -> None:
        """Write the error as JSON and close the connection."""
        error: Error = self.request.error
        code = error.reason.lower().replace(" ", "_")  # as web/json_errors.py names werkzeug's
        message = f"{error.reason}: {error.body}" if error.body else error.reason
        body = json.dumps({"error": code, "message": message[:300]}).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend([("Content-Type", "application/json"), *SECURITY_HEADERS.items()])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class Connection(HTTPChannel):  # type: ignore[misc]  # waitress carries no types
    """A client's connection, which notes when the request it is receiving began."""

    error_task_class = JsonErrorTask
    request: Any  # waitress's parser of the request being received (None between requests)
    request_began = 0.0  # time.time() of the first byte of the request being received

    def received(self, data: bytes) -> bool:
        """Note a new request's first byte, then parse as waitress does."""
        if self.request is None and data:
            self.request_began = time.time()
        return bool(super().received(data))

    @property
    def waiting(self) -> bool:
        """No request of it is being answered, nothing is left to send: it waits for its client."""
        return not (self.requests or self.total_outbufs_len or self.will_close or self.close_when_flushed)

    def waiting_since(self) -> float:
        """Since when it has waited for a whole request: its first byte, or its last activity."""
        return self.request_began if self.request is not None else float(self.last_activity)

    def time_out(self, deadline: float) -> None:
        """Answer the request still arriving 408 (as waitress answers a malformed one) and close."""
        with self.requests_lock:
            request = self.request
            if request is None or not self.waiting:
                return
            request.error = RequestTimeout(f"the request did not arrive whole within {deadline:g} s")
            request.completed = True
            self.requests.append(request)
            self.request = None
        self.server.add_task(self)


class BoundedServer(TcpWSGIServer):  # type: ignore[misc]  # waitress carries no types
    """waitress's TCP server with the request deadline and room made at the connection limit."""

    channel_class = Connection
    next_channel_cleanup: float
    request_deadline = REQUEST_DEADLINE
    _warned_at = float("-inf")

    def readable(self) -> bool:
        """Look connections over when due; accept while there is room, or room can be made."""
        now = time.time()
        if now >= self.next_channel_cleanup:
            self.next_channel_cleanup = now + self.adj.cleanup_interval
            self.maintenance(now)
        if not self.accepting:
            return False
        return len(self._map) < self.adj.connection_limit or self._longest_waiting() is not None

    def handle_accept(self) -> None:
        """At the limit, drop the connection that has waited longest for its request first."""
        if len(self._map) >= self.adj.connection_limit:
            dropped = self._longest_waiting()
            if dropped is not None:
                if time.monotonic() - self._warned_at > ROOM_WARNING_EVERY:
                    self._warned_at = time.monotonic()
                    _LOGGER.warning(
                        "%d connections open: new ones take the place of those waiting longest for "
                        "their request (slow or idle clients)",
                        self.adj.connection_limit,
                    )
                dropped.handle_close()
        super().handle_accept()

    def maintenance(self, now: float) -> None:
        """waitress's (idle connections closed), and requests past the deadline answered 408."""
        super().maintenance(now)
        late = now - self.request_deadline
        for connection in list(self.active_channels.values()):
            if connection.request is not None and connection.request_began < late:
                connection.time_out(self.request_deadline)

    def _longest_waiting(self) -> Connection | None:
        waiting = [c for c in self.active_channels.values() if c.waiting]
        return min(waiting, key=lambda c: c.waiting_since(), default=None)


def create_server(
    app: Any,
    *,
    host: str,
    port: int,
    threads: int,
    connection_limit: int,
    channel_timeout: int,
    max_request_body_size: int,
    request_deadline: float = REQUEST_DEADLINE,
    channels: dict[int, Any] | None = None,
) -> Any:
    """waitress's create_server for `host`:`port` (each address a name resolves to), with
    BoundedServer; bound and listening (OSError if it cannot). `channels`: its socket map."""
    adj = Adjustments(
        host=host,
        port=port,
        threads=threads,
        connection_limit=connection_limit,
        channel_timeout=channel_timeout,
        cleanup_interval=CLEANUP_INTERVAL,
        max_request_body_size=max_request_body_size,
        # poll(), not select(): select() cannot watch a socket numbered 1024 or more, and a
        # thousand connections with the files beside them get there.
        asyncore_use_poll=True,
        ident="ringConnector",
    )
    socket_map: dict[int, Any] = {} if channels is None else channels
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    servers = []
    for sockinfo in adj.listen:
        server = BoundedServer(app, socket_map, True, None, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo)
        server.request_deadline = request_deadline
        servers.append(server)
    if len(servers) == 1:
        return servers[0]
    listening = [(s.effective_host, s.effective_port) for s in servers]
    return MultiSocketServer(socket_map, adj, listening, dispatcher, servers[-1].log_info)
