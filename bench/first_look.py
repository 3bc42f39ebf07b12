"""The first-look benchmark: from a ding to its still on disk and to the pipeline's SNAPSHOT
callback, beside the ding to its video's callback; by push (consumer API) and by webhook
(Partner API), against the emulator (server.py watching, on the real clock). Not part of the
tests.

Run: ./scripts/bench.sh --first-look [--dings 20 --still 0.5 --prepare 20]   (add --update-docs to
keep the figures in bench/measured/first_look.json and docs/benchmarks.md)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import figures  # noqa: E402
from watch import Receiver, _house, _p95, _server, partner_environment, push_environment, wait_for_push  # noqa: E402

from ringConnector.emulator import FRONT_DOOR  # noqa: E402


@dataclass
class Figures:
    """Seconds from each ding to its still on disk, its SNAPSHOT callback and its video's callback."""

    to_still: list[float]
    to_snapshot: list[float]
    to_video: list[float]


def _stills(data: Path, seen: dict[str, float], stop: threading.Event) -> None:
    """Note when each still appears (sampled every 20 ms)."""
    while not stop.is_set():
        for path in (data / "videos").glob("*.jpg"):
            seen.setdefault(path.stem.split("-", 2)[2], time.time())
        time.sleep(0.02)


def _measure(
    data: Path,
    stages: Receiver,  # the pipeline: when each event's SNAPSHOT and video callbacks arrived
    ring: Callable[[int], tuple[str, str]],
    *,
    dings: int,
    wait: float,
) -> Figures:
    """Ring `dings` times, 3 s apart (`ring(n)` gives the id in files and in the event JSON)."""
    rung: dict[str, tuple[str, float]] = {}
    seen: dict[str, float] = {}
    stop = threading.Event()
    threading.Thread(target=_stills, args=(data, seen, stop), daemon=True).start()
    for n in range(dings):
        at = time.time()
        in_file, ring_id = ring(n)
        rung[ring_id] = (in_file, at)
        time.sleep(3.0)
    deadline = time.time() + wait
    while time.time() < deadline and not all((i, "UNPROCESSED") in stages.stages for i in rung):
        time.sleep(0.1)
    stop.set()

    def called(status: str) -> list[float]:
        arrived = stages.stages
        return [arrived[(i, status)] - at for i, (_, at) in rung.items() if (i, status) in arrived]

    return Figures(
        [seen[f] - at for f, at in rung.values() if f in seen], called("SNAPSHOT"), called("UNPROCESSED")
    )


def by_push(dings: int, still: float, prepare: float) -> Figures:
    """Consumer API with push: each ding pushed at once, Ring's picture `still` s later, its
    recording `prepare` s later."""
    with _house() as (emu, data, receiver):
        env = push_environment(emu, data, receiver)

        def ring(n: int) -> tuple[str, str]:
            event = emu.ring_now(FRONT_DOOR, ready_after=prepare, still_after=still, seq=400 + n)
            return str(event.id), str(event.id)

        with _server(env) as base:
            wait_for_push(base)
            return _measure(data, receiver, ring, dings=dings, wait=prepare + 60)


def by_webhook(dings: int, still: float, prepare: float) -> Figures:
    """Partner API: each ding announced by a signed webhook at once, Ring's picture `still` s
    later (425 before), its recording `prepare` s later."""
    with _house() as (emu, data, receiver):
        env = partner_environment(emu, data, receiver, 60.0)

        def ring(n: int) -> tuple[str, str]:
            event = emu.ring_now(FRONT_DOOR, ready_after=prepare, still_after=still, seq=500 + n)
            return f"ava1.ring.history.event.{event.id}", f"ava1.ring.history.event.{event.id}"

        with _server(env) as base:
            time.sleep(3)
            emu.register_webhook(base + "/connector/webhooks/ring")
            return _measure(data, receiver, ring, dings=dings, wait=prepare + 60)


def _row(way: str, found: Figures) -> dict[str, object]:
    row: dict[str, object] = {"way": way, "snapshots": len(found.to_snapshot), "videos": len(found.to_video)}
    for key, values in (
        ("still", found.to_still),
        ("snapshot", found.to_snapshot),
        ("video", found.to_video),
    ):
        if values:
            row[f"{key}_median"] = round(statistics.median(values), 2)
            row[f"{key}_p95"] = round(_p95(values), 2)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dings", type=int, default=20)
    parser.add_argument("--still", type=float, default=0.5, help="seconds before Ring has its picture")
    parser.add_argument("--prepare", type=float, default=20.0, help="seconds before Ring has the recording")
    parser.add_argument("--update-docs", action="store_true")
    args = parser.parse_args()
    pushed = by_push(args.dings, args.still, args.prepare)
    hooked = by_webhook(args.dings, args.still, args.prepare)
    command = " ".join(
        ["./scripts/bench.sh --first-look", *(a for a in sys.argv[1:] if a != "--update-docs")]
    )
    found: figures.Figures = {
        "setup": {"dings": args.dings, "still": args.still, "prepare": args.prepare, "cores": os.cpu_count()},
        "rows": [_row("push", pushed), _row("webhook", hooked)],
        "command": command,
    }
    print(figures.render("first_look", found))
    if args.update_docs:
        figures.publish("first_look", found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
