"""Serving the app with waitress, a production WSGI server, with limits that keep it answering."""

from __future__ import annotations

import _thread
import logging
import resource
from typing import Any, Protocol

from flask import Flask

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.watch.watchdog import Watchdog
from ringConnector.watch.watcher import Watcher, WatcherStopped
from ringConnector.web.app import MAX_BODY_BYTES, create_app
from ringConnector.web.connections import REQUEST_DEADLINE, create_server

_LOGGER = logging.getLogger(__name__)
# A download request holds a thread for its whole run (minutes, for a big day); probes, the
# library and small requests need threads of their own meanwhile. Threads wait on sockets and
# on the Connector's loop, not on the CPU, so more than the cores is right.
THREADS = 32
# Connections open at once (waitress's default, 100, let 110 half-open connections block every
# new request); at the limit a new one takes the place of the one waiting longest for its request
# (web/connections.py).
CONNECTION_LIMIT = 1000
# A client that sends nothing for this long (a slow or half-open connection) is dropped; one
# sending a request has REQUEST_DEADLINE for all of it.
CHANNEL_TIMEOUT = 30
# Files the process keeps open besides its clients' connections: the state database, logs,
# connections to Ring and to CALLBACK_URL, push, the event loop's own.
FILES_BESIDES = 200


def serve(settings: Settings) -> None:
    """Build the app and serve it on HOST:PORT until interrupted; OSError if it cannot listen.
    With WATCH=true a watcher runs beside it once listening (WatcherBusy if another one holds
    DATA_DIR); should it stop by itself, serving ends too, with WatcherStopped (server.py exits
    1, and the service manager restarts it). systemd is told when the server is ready, and its
    watchdog fed while the watcher is not hung (watch.watchdog)."""
    connector = Connector(settings)
    # A watcher that cannot go on interrupts the main thread, as Ctrl-C would: serving ends.
    watcher = Watcher(connector, on_stopped=_thread.interrupt_main) if settings.watch else None
    watchdog = Watchdog(lambda: service_problem(watcher), status=lambda: _status(watcher))
    try:
        server = listen(create_app(settings, connector=connector, watcher=watcher), settings)
        try:
            if watcher is not None:
                watcher.start()
            # Said once the socket listens (waitress's own "Serving on" is not printed): a port
            # in use is then the only line.
            _LOGGER.info(
                "Serving on http://%s:%d (time zone %s)", settings.host, settings.port, settings.zone.key
            )
            watchdog.start()
            server.run()  # until Ctrl-C or SIGTERM, which it takes as the end
        except KeyboardInterrupt:
            if watcher is None or watcher.failure is None:
                raise
        finally:
            watchdog.stop()
            server.close()
        if watcher is not None and watcher.failure is not None:
            raise WatcherStopped(f"{watcher.failure}; exiting, for the service manager to start it again")
    finally:
        if watcher is not None:
            watcher.stop()
        connector.close()


def service_problem(watcher: Watcher | None) -> str | None:
    """What should make the service manager restart the server: a hung or stopped watcher."""
    if watcher is None:
        return None
    state, why = watcher.state()
    return why if state in ("hung", "stopped") else None


def _status(watcher: Watcher | None) -> str:
    """One line for `systemctl status`."""
    if watcher is None:
        return "serving"
    state, why = watcher.state()
    return f"serving; watcher {state}" + (f": {why}" if why and state != "stopped" else "")


class _Listening(Protocol):
    """waitress's server once its sockets listen (waitress carries no types)."""

    def run(self) -> None:
        """Serve until Ctrl-C or SIGTERM."""

    def close(self) -> None:
        """Close the listening sockets."""


def listen(
    app: Flask,
    settings: Settings,
    *,
    port: int | None = None,
    threads: int = THREADS,
    connection_limit: int = CONNECTION_LIMIT,
    request_deadline: float = REQUEST_DEADLINE,
    channels: dict[int, Any] | None = None,
) -> _Listening:
    """waitress's server with web/connections.py's bounds, its socket bound and listening on HOST
    and PORT (or `port`; 0: any free one) (OSError if it cannot). The other arguments are for
    tests; `channels` is its socket map (closing them all ends its loop)."""
    server: _Listening = create_server(
        app,
        host=settings.host,
        port=settings.port if port is None else port,
        threads=threads,
        connection_limit=min(connection_limit, _open_files_for(connection_limit)),
        channel_timeout=CHANNEL_TIMEOUT,
        # waitress buffers a whole body (to disk past 512 KB) before the app sees it: a body
        # larger than the API takes is refused here, before the key or Flask's limit is checked.
        max_request_body_size=MAX_BODY_BYTES,
        request_deadline=request_deadline,
        channels=channels,
    )
    return server


def _open_files_for(connections: int) -> int:
    """Raise this process's soft limit of open files (a systemd service's is 1024) towards what
    `connections` and FILES_BESIDES need, as far as the hard limit allows; the connections it
    can then hold. A process out of files cannot accept, and waitress would try again at once,
    for ever."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + FILES_BESIDES
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if raised > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return connections
    held = max(10, soft - FILES_BESIDES)
    _LOGGER.warning(
        "this process may open %d files (its hard limit): %d connections at once, not %d",
        soft,
        held,
        connections,
    )
    return held
