"""Random faults on every Ring call of a few hundred events: nothing lost, nothing twice, nothing
truncated. `soak` is also what bench/reliability.py runs, larger, for the README's figures."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, RandomFaults, bulk_scenario
from tests.support import DAY, ZONE, FakeSleep, leftovers, signed_in

ROUTES = {"session", "devices", "history", "share_play", "recording", "storage", "token"}
KINDS = {"status", "drop", "short"}


@dataclass
class Soak:
    """What a soak run did and found."""

    events: int
    calls: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    reported: list[str] = field(default_factory=list)  # ring ids, in every call's answers
    intact: set[str] = field(default_factory=set)  # on disk, bytes equal to what was served
    fetched_twice: list[str] = field(default_factory=list)  # completed storage downloads > 1
    leftovers: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.events - len(self.intact)

    @property
    def duplicates(self) -> int:
        return len(self.reported) - len(set(self.reported))


def soak(folder: Path, *, events: int, seed: int, rate: float, max_calls: int = 5) -> Soak:
    """Download a day of `events` recordings with random faults until a call reports no failure."""
    scenario = bulk_scenario(DAY, ZONE, events=events, size=44_000, devices=2)
    result = Soak(events)
    sleep = FakeSleep()
    with Emulator(scenario) as emulator:
        settings = signed_in(folder, emulator)
        emulator.expire_access_tokens()  # so the token endpoint, too, meets faults
        emulator.set_random_faults(RandomFaults(rate=rate, seed=seed, routes=ROUTES, kinds=KINDS))
        with Connector(settings, sleep=sleep) as connector:
            while result.calls < max_calls:
                result.calls += 1
                report = connector.download_day(DAY)
                result.reported += [str(body["ringId"]) for body in report.downloaded]
                if report.complete:
                    break
        emulator.set_random_faults(None)
        result.faults = Counter(emulator.state.faults.injected)
        result.retries = len(sleep.waits)
        for event in scenario.events:
            ring_id = str(event.id)
            if emulator.storage_downloads(ring_id) > 1:
                result.fetched_twice.append(ring_id)
            for video in settings.videos_dir.glob(f"*-{ring_id}.mp4"):
                digest = hashlib.sha256(video.read_bytes()).hexdigest()
                if video.with_suffix(".json").exists() and digest == emulator.expected_sha256(ring_id):
                    result.intact.add(ring_id)
        result.leftovers = leftovers(settings.videos_dir)
    return result


def test_random_faults_lose_nothing_and_duplicate_nothing(tmp_path: Path) -> None:
    result = soak(tmp_path, events=200, seed=7, rate=0.25)
    assert sum(result.faults.values()) > 100  # the faults really happened, of every kind
    assert {key.split()[1] for key in result.faults} == KINDS
    assert result.lost == 0
    assert result.duplicates == 0 and sorted(set(result.reported)) == sorted(result.intact)
    assert result.fetched_twice == []
    assert result.leftovers == []
