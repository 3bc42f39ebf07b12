"""The command-line scripts: startDownload.py and startCreateAuthFile.py."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date

from ringConnector import authorization
from ringConnector.config import Settings, load_settings
from ringConnector.core import DayReport
from ringConnector.days import CLI_DAY, parse_day
from ringConnector.errors import AuthorizationRequired, BadRequest, ConnectorError, LoginRejected
from ringConnector.logs import configure_logging
from ringConnector.record import check_seconds
from ringConnector.service import Connector

# Exit statuses: 0 all done, 1 something failed (retry later), 2 bad usage (argparse's own),
# 3 Ring sign-in needed (run startCreateAuthFile.py).
EXIT_FAILED, EXIT_USAGE, EXIT_AUTH = 1, 2, 3

SETTINGS_HELP = """\
settings (environment or .env, see .env.example):
  OAUTH_FILE            token file written by startCreateAuthFile.py
  DATA_DIR              videos and event JSON go to DATA_DIR/videos
  TIME_ZONE             the zone whose calendar day is downloaded (default: this machine's)
  RING_DEVICE_TYPES     doorbots,authorized_doorbots[,stickup_cams]
  RING_EVENT_KINDS      ding[,motion,on_demand]
  RETRY_MAX_WAIT        seconds one recording may wait for Ring to prepare it (default 100)
  RETRY_INITIAL_DELAY   first retry delay, doubling with jitter (default 2)
  RETRY_MAX_DELAY       longest single retry delay unless Retry-After asks more (default 30)
  RING_SOURCE           consumer (default) or partner (Ring's Partner API)
  RING_API_URL, RING_OAUTH_URL, RING_PARTNER_*, CLIP_*, DOWNLOAD_CONCURRENCY, HTTP_TIMEOUT,
  LOG_LEVEL             see .env.example

Relative paths (OAUTH_FILE, DATA_DIR) are relative to the working directory.

exit status: 0 all done, 1 some events failed (run again later), 2 bad arguments,
3 Ring sign-in needed (run ./startCreateAuthFile.py)."""


def download_parser() -> argparse.ArgumentParser:
    """Arguments of startDownload.py."""
    parser = argparse.ArgumentParser(
        prog="startDownload.py",
        description=(
            "Download one day's ready Ring recordings (and their event JSON) that are not in DATA_DIR yet."
        ),
        epilog=SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "day",
        nargs="?",
        help="the day, YYYY-MM-DD, in TIME_ZONE (default: today)",
    )
    parser.add_argument(
        "--record",
        metavar="DEVICE",
        help="record on demand (RING_SOURCE=partner): open a live view of DEVICE, then download it",
    )
    parser.add_argument(
        "--seconds", type=int, default=10, help="with --record: how long to record (default 10)"
    )
    return parser


def download_main(argv: Sequence[str] | None = None) -> int:
    """Run startDownload.py; returns the exit status."""
    parser = download_parser()
    args = parser.parse_args(argv)
    try:
        day = parse_day(args.day, CLI_DAY) if args.day else None
        if args.record is not None:
            if day is not None:
                raise BadRequest("give either a day or --record, not both")
            seconds = check_seconds(args.seconds)
            return _guarded(lambda settings: _record(settings, args.record, seconds))
    except ConnectorError as ex:
        parser.error(str(ex))  # one line and exit status 2
    return _guarded(lambda settings: _download(settings, day))


def _record(settings: Settings, device_id: str, seconds: int) -> int:
    with Connector(settings) as connector:
        body = connector.record(device_id, seconds)
    print(f"recorded {body['ringId']} {body['eventName']} {body['deviceName']} -> {body['videoFileName']}")
    return 0


def _download(settings: Settings, day: date | None) -> int:
    with Connector(settings) as connector:
        report = connector.download_day(day)
    print_report(report)
    if report.fatal is not None:
        raise report.fatal
    return 0 if report.complete else EXIT_FAILED


def print_report(report: DayReport) -> None:
    """One line per downloaded and failed event, then a summary line."""
    for body in report.downloaded:
        print(
            f"downloaded {body['ringId']} {body['eventName']} {body['deviceName']} -> {body['videoFileName']}"
        )
    for ring_id, why in report.skipped:
        print(f"skipped    {ring_id}: {why}")
    for failure in report.failed:
        what = f"event {failure.ring_id}" if failure.ring_id else f"history of {failure.device}"
        print(f"failed     {what}: {failure.reason}")
    print(
        f"{report.day}: {len(report.downloaded)} downloaded, {len(report.skipped)} skipped, "
        f"{len(report.failed)} failed"
    )


def auth_main(argv: Sequence[str] | None = None) -> int:
    """Run startCreateAuthFile.py; returns the exit status."""
    args = authorization.parser().parse_args(argv)

    def run(settings: Settings) -> int:
        if args.partner:
            authorization.write_partner_token_file(settings)
        else:
            authorization.write_auth_file(settings)
        return 0

    return _guarded(run)


def _guarded(run: Callable[[Settings], int]) -> int:
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
    except (KeyboardInterrupt, EOFError):
        print("error: interrupted", file=sys.stderr)
        return EXIT_FAILED
