"""What every script does around its work: settings, logging, and one line per error with its exit status."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from ringConnector.config import Settings, load_settings
from ringConnector.errors import AuthorizationRequired, ConnectorError, LoginRejected
from ringConnector.logs import configure_logging

# Exit statuses: 0 all done, 1 something failed (retry later), 2 bad usage (argparse's own),
# 3 Ring sign-in needed (run startCreateAuthFile.py).
EXIT_FAILED, EXIT_USAGE, EXIT_AUTH = 1, 2, 3


def guarded(run: Callable[[Settings], int]) -> int:
    """Load settings and logging, run, and turn any connector error into one line on stderr."""
    try:
        settings = load_settings()
        configure_logging(settings.log_level, json_lines=settings.log_format == "json")
        return run(settings)
    except (AuthorizationRequired, LoginRejected) as ex:
        print(f"error: {ex}", file=sys.stderr)
        return EXIT_AUTH
    except ConnectorError as ex:
        print(f"error: {ex}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as ex:  # the disk (full, read-only) under DATA_DIR or a token file
        print(f"error: {ex}", file=sys.stderr)
        return EXIT_FAILED
    except (KeyboardInterrupt, EOFError):
        print("error: interrupted", file=sys.stderr)
        return EXIT_FAILED


def stop_on_sigterm() -> None:
    """Make SIGTERM (systemd, docker stop, kill) stop this process as Ctrl-C does."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
