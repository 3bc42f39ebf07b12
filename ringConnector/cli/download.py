"""startDownload.py: a day, a range of days, or a recording on demand, with a line per event."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date, timedelta

from ringConnector.cli.arguments import OneLineParser
from ringConnector.cli.progress import done_line, progress_for, tell_events_once
from ringConnector.cli.run import EXIT_FAILED, guarded, stop_on_sigterm
from ringConnector.config import SNAPSHOT_MODES, Settings
from ringConnector.connector import Connector
from ringConnector.download.day import NOT_READY, DayReport, check_devices
from ringConnector.download.on_demand import check_seconds
from ringConnector.errors import BadRequest, ConnectorError
from ringConnector.model.days import CLI_DAY, parse_day
from ringConnector.storage.data_dir import check_writable
from ringConnector.watch.watcher import Watcher

SETTINGS_HELP = """\
settings (environment, or .env in the project folder; see .env.example):
  OAUTH_FILE            token file written by startCreateAuthFile.py
  DATA_DIR              videos and event JSON go to DATA_DIR/videos
  TIME_ZONE             the zone whose calendar day is downloaded (default: this machine's)
  RING_DEVICE_TYPES     doorbots,authorized_doorbots[,stickup_cams]
  RING_DEVICES          only these devices, by id or name (as --device)
  RING_EVENT_KINDS      ding[,motion,on_demand]
  SNAPSHOTS             also (a still beside each video, default), only (stills only), never
  RETRY_MAX_WAIT        seconds one recording may wait for Ring to prepare it (default 100)
  RETRY_INITIAL_DELAY   first retry delay, doubling with jitter (default 2)
  RETRY_MAX_DELAY       longest single retry delay unless Retry-After asks more (default 30)
  RING_SOURCE           consumer (default) or partner (Ring's Partner API)
  RING_API_URL, RING_OAUTH_URL, RING_PARTNER_*, CLIP_*, DOWNLOAD_CONCURRENCY, HTTP_TIMEOUT,
  LOG_LEVEL             see .env.example

Relative paths (OAUTH_FILE, DATA_DIR) are relative to the working directory; the event JSON's
videoFileName is absolute.

exit status: 0 all done, 1 some events failed (run again later), 2 bad arguments,
3 Ring sign-in needed (run ./startCreateAuthFile.py)."""


def download_parser() -> argparse.ArgumentParser:
    """Arguments of startDownload.py."""
    parser = OneLineParser(
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
    parser.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="a range of days: the first")
    parser.add_argument(
        "--to", dest="last", metavar="YYYY-MM-DD", help="a range of days: the last (default: --from)"
    )
    parser.add_argument(
        "--kind",
        action="append",
        help="ding, motion, on_demand (repeat, or a comma list); instead of RING_EVENT_KINDS",
    )
    parser.add_argument("--device", action="append", help="only this device, by id or name (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the events as one JSON list, nothing else")
    parser.add_argument(
        "--dry-run", action="store_true", help="list what would be downloaded; download nothing"
    )
    parser.add_argument(
        "--record",
        metavar="DEVICE",
        help="record on demand (RING_SOURCE=partner): open a live view of DEVICE, then download it",
    )
    parser.add_argument(
        "--seconds", type=int, default=10, help="with --record: how long to record (default 10)"
    )
    parser.add_argument(
        "--snapshots",
        choices=SNAPSHOT_MODES,
        help="a still picture per event: also (beside the video), only (no video), never; "
        "instead of SNAPSHOTS",
    )
    parser.add_argument(
        "--watch",
        action="store_true",
        help="keep watching: download each new event as soon as Ring has it, until Ctrl-C",
    )
    return parser


def download_main(argv: Sequence[str] | None = None) -> int:
    """Run startDownload.py; returns the exit status."""
    parser = download_parser()
    args = parser.parse_args(argv)
    try:
        if args.watch:
            if args.day or args.first or args.last or args.record or args.dry_run or args.json:
                raise BadRequest("--watch watches today: give no day, --record, --dry-run or --json with it")
            return guarded(lambda settings: _watch(settings, args))
        if args.record is not None:
            if args.day or args.first or args.last:
                raise BadRequest("give either days or --record, not both")
            seconds = check_seconds(args.seconds)
            return guarded(lambda settings: _record(settings, args.record, seconds))
        days = _days(args)
    except ConnectorError as ex:
        parser.error(str(ex))  # one line and exit status 2
    kinds = tuple(k.strip().lower() for item in args.kind or () for k in item.split(",") if k.strip())
    return guarded(lambda settings: _download(settings, days, kinds, args))


# A range longer than this is a typo, not a request.
MAX_DAYS = 366


def _days(args: argparse.Namespace) -> list[date | None]:
    if args.day and (args.first or args.last):
        raise BadRequest("give either a day or --from/--to, not both")
    if args.last and not args.first:
        raise BadRequest("--to needs --from")
    if not args.first:
        return [parse_day(args.day, CLI_DAY) if args.day else None]
    first = parse_day(args.first, CLI_DAY)
    last = parse_day(args.last, CLI_DAY) if args.last else first
    if last < first:
        raise BadRequest("--to is before --from")
    if (last - first).days >= MAX_DAYS:
        raise BadRequest(f"at most {MAX_DAYS} days at a time")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _download(
    settings: Settings, days: list[date | None], kinds: tuple[str, ...], args: argparse.Namespace
) -> int:
    if kinds:
        settings = settings.replace(event_kinds=kinds)
    if args.snapshots:
        settings = settings.replace(snapshots=args.snapshots)
    _before_ring(settings)
    complete, everything = True, []
    with Connector(settings) as connector:
        for day in days:
            progress = None if args.json or args.dry_run else progress_for(sys.stdout, sys.stderr)
            try:
                report = connector.download_day(
                    day, devices=args.device or (), dry_run=args.dry_run, progress=progress
                )
            finally:
                if progress is not None:
                    progress.close()
            everything += report.planned if args.dry_run else report.downloaded
            if not args.json:
                print_report(report, dry_run=args.dry_run)
            if report.fatal is not None:
                raise report.fatal
            complete &= report.complete
    if args.json:
        print(json.dumps(everything, indent=2, ensure_ascii=False))
    return 0 if complete else EXIT_FAILED


def _watch(settings: Settings, args: argparse.Namespace) -> int:
    """Watch until Ctrl-C or SIGTERM; one line per event downloaded."""
    kinds = tuple(k.strip().lower() for item in args.kind or () for k in item.split(",") if k.strip())
    if kinds:
        settings = settings.replace(event_kinds=kinds)
    if args.device:
        settings = settings.replace(devices=tuple(args.device))
    if args.snapshots:
        settings = settings.replace(snapshots=args.snapshots)
    _before_ring(settings)
    stop_on_sigterm()
    interrupted = False
    with Connector(settings) as connector:
        if settings.devices:  # a typo would only be a warning at every poll
            check_devices(connector.devices(), settings.devices)
        watcher = Watcher(connector, on_report=_print_downloaded)
        try:
            # What server.py does with WATCH=true: the lock (WatcherBusy: one line, exit 1), Ring's
            # pushes (RING_PUSH) and the loop in its thread; this thread only waits for Ctrl-C.
            watcher.start()
            print(f"watching (a poll every {settings.watch_poll_interval:g} s); Ctrl-C stops", flush=True)
            watcher.wait()
        except KeyboardInterrupt:
            interrupted = True
        finally:
            watcher.stop()
    if not interrupted:
        why = watcher.failure or "the watcher stopped unexpectedly"
        print(f"error: {why} (see the log above)", file=sys.stderr)
        return EXIT_FAILED
    print("stopped watching", flush=True)
    return 0


def _before_ring(settings: Settings) -> None:
    """What every run does before Ring is asked anything: DATA_DIR checked (DataDirUnwritable now,
    not after a session was opened: Ring allows about 50 a day), and each event told once, by
    this script's line."""
    check_writable(settings.data_dir, settings.videos_dir)
    tell_events_once()


def _print_downloaded(report: DayReport) -> None:
    for body in [*report.downloaded, *report.late]:
        print(done_line(body), flush=True)


def _record(settings: Settings, device_id: str, seconds: int) -> int:
    _before_ring(settings)
    with Connector(settings) as connector:
        body = connector.record(device_id, seconds)
    print(f"recorded {body['ringId']} {body['eventName']} {body['deviceName']} -> {body['videoFileName']}")
    return 0


def print_report(report: DayReport, *, dry_run: bool = False) -> None:
    """After a day: what was skipped, failed histories, and a summary line (downloaded and
    failed events were printed as they finished)."""
    for plan in report.planned:
        print(f"would download {plan['ringId']} {plan['eventName']} {plan['kind']} {plan['deviceName']}")
    preparing = {event.id for event in report.preparing}
    for ring_id, why in report.skipped:
        if why == NOT_READY and ring_id in preparing:  # kept pending: any later run tries it again
            why += ", Ring is still preparing it: not a failure, a later run fetches it"
        elif why == NOT_READY:  # listed without a recording (or a dry run, which does not wait)
            why += ": not a failure, a later run of this day fetches it once Ring has it"
        print(f"skipped    {ring_id}: {why}")
    for failure in report.failed:
        if failure.unreadable:
            named = f"item {failure.ring_id}" if failure.ring_id else "an item without an id"
            print(f"failed     {named} of {failure.device}'s history: {failure.reason}")
        elif failure.ring_id is None:
            print(f"failed     history of {failure.device}: {failure.reason}")
    for body in report.late:
        print(
            f"late       {body['ringId']} {body['eventName']} {body['deviceName']} -> {body['videoFileName']}"
        )
    if dry_run:
        print(f"{report.day}: {len(report.planned)} to download, {len(report.skipped)} skipped")
        return
    print(
        f"{report.day}: {len(report.downloaded)} downloaded, {len(report.skipped)} skipped, "
        f"{len(report.failed)} failed"
    )
