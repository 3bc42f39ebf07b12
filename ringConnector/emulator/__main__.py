"""Command line: `python -m ringConnector.emulator` serves a scenario until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from datetime import date, datetime
from types import FrameType
from zoneinfo import ZoneInfo

from .http.hosting import check_loopback
from .scenario import Scenario, load_scenario
from .seed import bulk_scenario, demo_scenario
from .server import Emulator

_LOGGER = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ringConnector.emulator", description=__doc__)
    parser.add_argument("--scenario", default="demo", help='"demo" or a scenario JSON file')
    parser.add_argument("--day", type=date.fromisoformat, help="YYYY-MM-DD (default: today in --tz)")
    parser.add_argument("--tz", default="America/New_York", help="the devices' time zone")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--api-port", type=int, default=8700, help="0 picks a free port")
    parser.add_argument("--storage-port", type=int, default=8701, help="0 picks a free port")
    parser.add_argument("--partner-port", type=int, default=8702, help="Partner API; 0 picks a free port")
    parser.add_argument("--google-port", type=int, default=8703, help="push registration; 0: a free port")
    parser.add_argument("--mcs-port", type=int, default=8704, help="push MCS socket (TLS); 0: a free port")
    parser.add_argument("--storage-latency", type=float, default=0.0, help="seconds to first byte")
    parser.add_argument("--storage-bandwidth", type=float, help="bytes/s per connection")
    parser.add_argument("--api-latency", type=float, default=0.0, help="seconds per API answer")
    parser.add_argument("--bulk-events", type=int, help="serve N evenly spaced events instead")
    parser.add_argument("--bulk-size", type=int, default=200_000, help="bytes per bulk recording")
    parser.add_argument("--bulk-devices", type=int, default=1, help="doorbells of the bulk day")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser


def _scenario(args: argparse.Namespace) -> Scenario:
    day = args.day or datetime.now(ZoneInfo(args.tz)).date()
    if args.bulk_events is not None:
        return bulk_scenario(
            day, args.tz, events=args.bulk_events, size=args.bulk_size, devices=args.bulk_devices
        )
    if args.scenario == "demo":
        # Today's events fitted before now, as in the demo: history lists nothing ahead of it.
        now = datetime.now(ZoneInfo(args.tz))
        return demo_scenario(day, args.tz, now=now if day == now.date() else None)
    return load_scenario(args.scenario)


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until a signal arrives; print its URLs as one JSON line first."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    try:
        check_loopback(args.host)
    except ValueError as ex:
        _LOGGER.error("%s", ex)
        return 2
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    emulator = Emulator(
        _scenario(args),
        host=args.host,
        api_port=args.api_port,
        storage_port=args.storage_port,
        partner_port=args.partner_port,
        google_port=args.google_port,
        mcs_port=args.mcs_port,
        storage_first_byte_latency=args.storage_latency,
        storage_bandwidth=args.storage_bandwidth,
        api_latency=args.api_latency,
    )
    try:
        emulator.start()
    except OSError as ex:
        _LOGGER.error("cannot listen: %s", ex)
        return 1
    try:
        # A parent process reads this line to learn the ports: flush it now.
        urls = {"api_url": emulator.api_url, "oauth_url": emulator.oauth_url}
        urls["storage_url"] = emulator.storage_url
        urls["partner_url"] = emulator.partner_url
        # Push: RING_PUSH_GOOGLE_URL, RING_PUSH_MCS, and the test CA to give as SSL_CERT_FILE.
        urls["push_google_url"] = emulator.google_url
        urls["push_mcs"] = emulator.mcs_address
        urls["push_ca_file"] = str(emulator.push_ca_file)
        print(json.dumps(urls), flush=True)
        stop.wait()
    finally:
        emulator.stop()
    _LOGGER.info("Ring emulator stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
