"""Reliability figures: the random-fault soak of tests/system/test_reliability.py, larger and over
several seeds. Run: ./scripts/reliability.sh [--events 500 --seeds 1,2,3 --rate 0.3] [--update-readme]"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from readme import update_readme  # noqa: E402

from tests.system.test_reliability import soak  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/reliability.sh", description=__doc__)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--rate", type=float, default=0.3, help="share of Ring requests that fail")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()
    header = (
        "| seed | events | faults injected | retries | calls | lost | duplicated | fetched twice | seconds |"
    )
    rows = [header, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    kinds: Counter[str] = Counter()
    for seed in (int(s) for s in args.seeds.split(",")):
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            result = soak(Path(folder), events=args.events, seed=seed, rate=args.rate)
        kinds += result.faults
        seconds = time.perf_counter() - started
        rows.append(
            f"| {seed} | {result.events} | {sum(result.faults.values())} | {result.retries} | {result.calls} "
            f"| {result.lost} | {result.duplicates} | {len(result.fetched_twice)} | {seconds:.1f} |"
        )
    by_kind = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
    text = "\n".join(
        [
            f"Random faults on {args.rate:.0%} of Ring requests (token, session, devices, history, "
            "recording URLs, storage): statuses 429/500/503, dropped connections, short bodies.",
            "",
            *rows,
            "",
            f"Faults by kind, all seeds: {by_kind}.",
            "",
            "Command: `./scripts/reliability.sh "
            f"--events {args.events} --seeds {args.seeds} --rate {args.rate}`",
        ]
    )
    print(text)
    if args.update_readme:
        update_readme("reliability", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
