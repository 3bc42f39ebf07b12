"""Serving the app with waitress, a production WSGI server, with limits that keep it answering."""

from __future__ import annotations

import _thread
import logging
from typing import Protocol

import waitress
from flask import Flask

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.watch.watchdog import Watchdog
from ringConnector.watch.watcher import Watcher, WatcherStopped
from ringConnector.web.app import MAX_BODY_BYTES, create_app

_LOGGER = logging.getLogger(__name__)
# A download request holds a thread for its whole run (minutes, for a big day); probes, the
# library and small requests need threads of their own meanwhile. Threads wait on sockets and
# on the Connector's loop, not on the CPU, so more than the cores is right.
THREADS = 32
# waitress accepts no new connection beyond this many open ones (its default, 100, let 110
# half-open connections block every new request); idle ones are closed after CHANNEL_TIMEOUT.
CONNECTION_LIMIT = 1000
# A client that sends nothing for this long (a slow or half-open connection) is dropped.
CHANNEL_TIMEOUT = 30


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
        server = _listen(create_app(settings, connector=connector, watcher=watcher), settings)
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


def _listen(app: Flask, settings: Settings) -> _Listening:
    """waitress's server, its socket bound and listening (OSError if it cannot)."""
    server: _Listening = waitress.create_server(
        app,
        host=settings.host,
        port=settings.port,
        threads=THREADS,
        connection_limit=CONNECTION_LIMIT,
        channel_timeout=CHANNEL_TIMEOUT,
        # waitress buffers a whole body (to disk past 512 KB) before the app sees it: a body
        # larger than the API takes is refused here, before the key or Flask's limit is checked.
        max_request_body_size=MAX_BODY_BYTES,
        ident="ringConnector",
    )
    return server
