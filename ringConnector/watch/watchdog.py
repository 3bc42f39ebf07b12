"""Telling the service manager how the server stands (systemd's sd_notify protocol): ready once
it listens, then alive every half WatchdogSec while its watcher is not stopped or hung, so that
systemd restarts a server whose watcher hangs (docs/ringconnector.service).

The protocol is a datagram per message on the Unix socket NOTIFY_SOCKET names ("@..." is in the
abstract namespace); WATCHDOG_USEC says how often systemd wants to hear "WATCHDOG=1", and
WATCHDOG_PID for which process (sd_notify(3), sd_watchdog_enabled(3)). Without NOTIFY_SOCKET
(not run by systemd) nothing is sent.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping

_LOGGER = logging.getLogger(__name__)


def notify(message: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Send `message` ("READY=1", "WATCHDOG=1", "STATUS=...", "STOPPING=1") to the service
    manager; False when there is none to tell, or it cannot be reached (never an error: the
    service works without one)."""
    address = environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]  # the abstract namespace
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as ex:
        _LOGGER.warning("could not tell the service manager %s: %s", message.split("=")[0], ex)
        return False
    return True


def watchdog_interval(environ: Mapping[str, str] = os.environ) -> float | None:
    """Seconds between two "WATCHDOG=1": half of WatchdogSec, as sd_watchdog_enabled(3) advises;
    None when no watchdog is asked of this process."""
    usec, pid = environ.get("WATCHDOG_USEC", ""), environ.get("WATCHDOG_PID", "")
    if not usec.isdecimal() or int(usec) == 0 or (pid.isdecimal() and int(pid) != os.getpid()):
        return None
    return int(usec) / 2_000_000


class Watchdog:
    """Says READY=1 when started, then WATCHDOG=1 every `watchdog_interval()` while `problem()`
    says nothing is wrong; a problem (a hung watcher) stops the pings, so systemd restarts the
    service, and is logged once. STOPPING=1 on stop."""

    def __init__(
        self,
        problem: Callable[[], str | None],
        *,
        status: Callable[[], str] = lambda: "serving",
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        """`problem`: what keeps the service from working (None: nothing); `status`: one line for
        `systemctl status`."""
        self._problem = problem
        self._status = status
        self._environ = environ
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.looked = 0  # times it asked whether to feed the watchdog

    def start(self) -> None:
        """Tell the service manager the service is ready, and feed its watchdog from now on."""
        notify(f"READY=1\nSTATUS={self._status()}", self._environ)
        interval = watchdog_interval(self._environ)
        if interval is not None:
            self._thread = threading.Thread(target=self._feed, args=(interval,), name="watchdog", daemon=True)
            self._thread.start()

    def _feed(self, interval: float) -> None:
        told = None
        while not self._stopping.wait(interval):
            problem = self._problem()
            self.looked += 1
            if problem is None:
                notify(f"WATCHDOG=1\nSTATUS={self._status()}", self._environ)
            elif problem != told:
                _LOGGER.error(
                    "%s: the service manager's watchdog is no longer fed (it restarts the service)", problem
                )
                notify(f"STATUS={problem}", self._environ)
            told = problem

    def stop(self) -> None:
        """Say the service is stopping, and stop feeding the watchdog."""
        self._stopping.set()
        notify("STOPPING=1", self._environ)
        if self._thread is not None:
            self._thread.join(timeout=5)
