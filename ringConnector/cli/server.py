"""server.py: settings, the rule against an open API on the network, then serving."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from ringConnector.cli.arguments import OneLineParser
from ringConnector.cli.run import stop_on_sigterm
from ringConnector.config import load_settings
from ringConnector.errors import ConnectorError, DataDirUnwritable
from ringConnector.logs import configure_logging
from ringConnector.storage.data_dir import check_writable
from ringConnector.web.serving import serve

_LOGGER = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the REST API on HOST:PORT until interrupted."""
    OneLineParser(
        prog="server.py",
        description="Serve ringConnector's REST API with waitress (a production WSGI server).",
        epilog=(
            "Settings (environment, or .env in the project folder; see .env.example): HOST "
            "(default 127.0.0.1), PORT (default 5000), LOG_LEVEL, WATCH (also download each new "
            "event as soon as Ring has it), and those of startDownload.py (DATA_DIR, TIME_ZONE, ...)."
        ),
    ).parse_args(argv)
    try:
        settings = load_settings()
    except ConnectorError as ex:
        print(f"error: {ex}", file=sys.stderr)
        return 1
    configure_logging(settings.log_level, json_lines=settings.log_format == "json")
    if not settings.listens_on_loopback and not settings.api_key and not settings.allow_remote_without_key:
        print(
            f"error: HOST={settings.host} lets other machines reach the API, and no CONNECTOR_API_KEY "
            "is set: set one (or ALLOW_REMOTE_WITHOUT_KEY=true behind a proxy that checks callers)",
            file=sys.stderr,
        )
        return 1
    try:
        check_writable(settings.data_dir, settings.videos_dir)
    except DataDirUnwritable as ex:
        if settings.watch:  # the watcher could save nothing
            print(f"error: {ex}", file=sys.stderr)
            return 1
        _LOGGER.warning("%s; until it is, /readyz and the data endpoints answer 503", ex)
    # SIGTERM (systemd, docker stop) stops like Ctrl-C: the watcher finishes its round and
    # releases DATA_DIR, the Connector closes, the exit status is 0.
    stop_on_sigterm()
    try:
        serve(settings)
    except KeyboardInterrupt:
        return 0
    except OSError as ex:
        print(f"error: cannot listen on {settings.host}:{settings.port}: {ex}", file=sys.stderr)
        return 1
    except ConnectorError as ex:  # WATCH=true and another watcher holds DATA_DIR
        print(f"error: {ex}", file=sys.stderr)
        return 1
    return 0
