"""Reliability figures: the random-fault soak of tests/system/test_reliability.py, larger and over
several seeds. Run: ./scripts/reliability.sh [--events 500 --seeds 1,2,3 --rate 0.3] [--update-docs]"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import figures  # noqa: E402

from tests.system.test_reliability import soak  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/reliability.sh", description=__doc__)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--rate", type=float, default=0.3, help="share of Ring requests that fail")
    parser.add_argument("--update-docs", action="store_true")
    args = parser.parse_args()
    seeds: list[dict[str, object]] = []
    kinds: Counter[str] = Counter()
    for seed in (int(s) for s in args.seeds.split(",")):
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            result = soak(Path(folder), events=args.events, seed=seed, rate=args.rate)
        kinds += result.faults
        seeds.append(
            {
                "seed": seed,
                "events": result.events,
                "faults": sum(result.faults.values()),
                "retries": result.retries,
                "calls": result.calls,
                "lost": result.lost,
                "duplicated": result.duplicates,
                "fetched_twice": len(result.fetched_twice),
                "seconds": time.perf_counter() - started,
            }
        )
    found: figures.Figures = {
        "rate": args.rate,
        "seeds": seeds,
        "faults_by_kind": dict(sorted(kinds.items())),
        "command": f"./scripts/reliability.sh --events {args.events} --seeds {args.seeds} --rate {args.rate}",
    }
    print(figures.render("reliability", found))
    if args.update_docs:
        figures.publish("reliability", found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
