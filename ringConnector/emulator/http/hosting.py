"""Serving aiohttp applications on loopback sockets from one background thread and event loop."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

_LOGGER = logging.getLogger(__name__)

# How long shutdown lets in-flight handlers finish before aiohttp cancels them. Stalls and paced
# downloads end at once on shutdown, so this only bounds a client that stopped reading.
_SHUTDOWN_TIMEOUT = 0.5
_START_TIMEOUT = 10.0
_JOIN_TIMEOUT = 10.0

# Builds one application per socket; the event is set when shutdown begins.
AppsBuilder = Callable[[asyncio.Event], Sequence[web.Application]]
# A raw stream server (the push emulator's MCS socket): its connection handler and TLS context.
StreamHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
StreamsBuilder = Callable[[], Sequence[tuple[StreamHandler, ssl.SSLContext | None]]]


def check_loopback(host: str) -> str:
    """Return the loopback address to bind for `host`, refusing anything else."""
    if host == "localhost":
        return "127.0.0.1"
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).is_loopback:
            return host
    raise ValueError(f"the Ring emulator only listens on loopback, not on {host!r}")


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # A fixed CLI port must be reusable right after the previous emulator stopped.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


class LoopbackHosts:
    """Sockets bound up front (so port 0 yields known ports), served by a background thread."""

    def __init__(self, host: str, ports: Sequence[int], stream_ports: Sequence[int] = ()) -> None:
        """Remember where to listen (`stream_ports`: raw stream servers after the HTTP ones);
        nothing is bound yet."""
        self.host = check_loopback(host)
        self._ports = list(ports)
        self._stream_ports = list(stream_ports)
        self._socks: list[socket.socket] = []
        self._stream_socks: list[socket.socket] = []
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None
        self._error: BaseException | None = None

    @property
    def running(self) -> bool:
        """Tell whether the serving thread is up."""
        return self._thread is not None

    def bind(self) -> list[str]:
        """Bind every port and return the base URLs, in the order of the ports."""
        if self._socks or self._thread is not None:
            raise RuntimeError("already bound")
        try:
            for port in self._ports:
                self._socks.append(_bind(self.host, port))
            for port in self._stream_ports:
                self._stream_socks.append(_bind(self.host, port))
        except OSError:
            self._close_sockets()
            raise
        urls = []
        for sock in self._socks:
            host, port = sock.getsockname()[:2]
            urls.append(f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}")
        return urls

    @property
    def stream_addresses(self) -> list[str]:
        """`host:port` of each bound stream socket."""
        return [f"{sock.getsockname()[0]}:{sock.getsockname()[1]}" for sock in self._stream_socks]

    def start(self, build: AppsBuilder, streams: StreamsBuilder | None = None) -> None:
        """Serve the built applications (and stream servers) on the bound sockets; return once
        all listen."""
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(build, streams, ready), name="ring-emulator", daemon=True
        )
        self._thread.start()
        if not ready.wait(_START_TIMEOUT) or self._error is not None:
            self.stop()
            raise RuntimeError("Ring emulator failed to start") from self._error

    def _run(self, build: AppsBuilder, streams: StreamsBuilder | None, ready: threading.Event) -> None:
        try:
            asyncio.run(self._serve(build, streams, ready))
        except BaseException as ex:  # kept for start(); the thread must not die silently
            self._error = ex
            _LOGGER.exception("Ring emulator thread failed")
        finally:
            ready.set()

    async def _serve(
        self, build: AppsBuilder, streams: StreamsBuilder | None, ready: threading.Event
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        stopping = asyncio.Event()
        runners: list[web.AppRunner] = []
        servers: list[asyncio.Server] = []
        try:
            for (handler, context), sock in zip(
                streams() if streams else [], self._stream_socks, strict=True
            ):
                servers.append(await asyncio.start_server(handler, sock=sock, ssl=context))
            for app, sock in zip(build(stopping), self._socks, strict=True):
                # handler_cancellation: a client that hangs up cancels its handler, so stalled
                # and half-sent requests don't pile up behind a timed-out client.
                runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=_SHUTDOWN_TIMEOUT)
                await runner.setup()
                runners.append(runner)
                await web.SockSite(runner, sock).start()
            ready.set()
            await self._stop_requested.wait()
        finally:
            stopping.set()
            for server in servers:
                server.close()  # its open connections' handlers are cancelled with the loop
            for runner in runners:
                await runner.cleanup()
            self._close_sockets()

    def _close_sockets(self) -> None:
        # A no-op for sockets aiohttp's servers already closed; covers a failed start.
        for sock in [*self._socks, *self._stream_socks]:
            sock.close()
        self._socks = []
        self._stream_socks = []

    def stop(self) -> None:
        """Stop serving, close every socket and join the thread; safe to call twice."""
        thread, loop, event = self._thread, self._loop, self._stop_requested
        if thread is None:
            self._close_sockets()
            return
        if loop is not None and event is not None and not loop.is_closed():
            # The loop may close between the check and the call: then it has stopped anyway.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)
        thread.join(_JOIN_TIMEOUT)
        if thread.is_alive():
            _LOGGER.error("Ring emulator thread did not stop within %s s", _JOIN_TIMEOUT)
        self._thread = self._loop = self._stop_requested = None
