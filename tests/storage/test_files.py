"""Atomic files and the token store: nothing half-written ever appears under a final name."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
from pathlib import Path

import pytest

from ringConnector.errors import AuthorizationRequired
from ringConnector.logs import scrub
from ringConnector.storage.atomic import AtomicFile, write_json
from ringConnector.storage.library import EventLibrary
from ringConnector.storage.tokens import TokenFile


def test_atomic_file_appears_only_on_commit(tmp_path: Path) -> None:
    target = tmp_path / "videos" / "a.mp4"
    out = AtomicFile(target)
    out.write(b"partial")
    assert not target.exists()
    assert next(p.name for p in target.parent.iterdir()).startswith(".part-")
    out.commit()
    assert target.read_bytes() == b"partial"
    assert [p.name for p in target.parent.iterdir()] == ["a.mp4"]


def test_an_error_leaves_neither_the_final_name_nor_a_temporary(tmp_path: Path) -> None:
    target = tmp_path / "event.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), AtomicFile(target) as out:
        out.write(b"new but unfinished")
        raise RuntimeError("crash in the middle")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["event.json"]


def test_reset_throws_away_a_failed_attempt(tmp_path: Path) -> None:
    out = AtomicFile(tmp_path / "v.mp4")
    out.write(b"x" * 100)
    out.reset()
    out.write(b"abc")
    out.commit()
    assert (tmp_path / "v.mp4").read_bytes() == b"abc"
    assert out.written == 3


def test_token_store_writes_private_files_atomically(tmp_path: Path) -> None:
    store = TokenFile(tmp_path / "oauth-authorization.json")
    store.save({"access_token": "a", "refresh_token": "r"})
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.load()["refresh_token"] == "r"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == [
        "oauth-authorization.json"
    ]


def test_hardware_id_is_created_once_and_kept(tmp_path: Path) -> None:
    first = TokenFile(tmp_path / "t.json").hardware_id()
    second = TokenFile(tmp_path / "t.json").hardware_id()
    assert first == second
    assert stat.S_IMODE((tmp_path / "t.json.hardware_id").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("content", "says"),
    [(None, "no Ring token"), ("{not json", "unreadable"), ('{"access_token": "a"}', "holds no token")],
)
def test_missing_or_corrupt_token_names_the_fix(tmp_path: Path, content: str | None, says: str) -> None:
    path = tmp_path / "oauth-authorization.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(AuthorizationRequired, match=says) as caught:
        TokenFile(path).load()
    assert "startCreateAuthFile.py" in str(caught.value)


def test_a_token_file_for_something_else_names_it_in_errors_and_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = TokenFile(
        tmp_path / "fcm-credentials.json",
        fix="it registers again",
        required=("keys",),
        what="push credentials",
    )
    with pytest.raises(AuthorizationRequired, match=r"^no push credentials at .*: it registers again$"):
        store.load()
    caplog.set_level(logging.INFO, logger="ringConnector.storage.tokens")
    store.save({"keys": {"public": "p"}})
    assert [r.getMessage() for r in caplog.records] == [f"push credentials saved to {store.path}"]


def test_write_json_round_trips(tmp_path: Path) -> None:
    write_json(tmp_path / "e.json", {"ringId": "1", "name": "Haustür"})
    assert json.loads((tmp_path / "e.json").read_text()) == {"ringId": "1", "name": "Haustür"}


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (
            "GET https://bucket/x.mp4?X-Amz-Algorithm=A&X-Amz-Signature=deadbeef42&X-Amz-Expires=1",
            "deadbeef42",
        ),
        ('token {"access_token": "eyJsecret", "refresh_token": "rt-secret"}', "eyJsecret"),
        ('token {"access_token": "eyJsecret", "refresh_token": "rt-secret"}', "rt-secret"),
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        ("password=hunter2&username=me", "hunter2"),
    ],
)
def test_scrub_removes_secrets(line: str, secret: str) -> None:
    assert secret not in scrub(line)


def test_companions_appear_with_their_main_file_or_not_at_all(tmp_path: Path) -> None:
    main = AtomicFile(tmp_path / "e.mp4")
    part = AtomicFile(tmp_path / "e.part2.mp4")
    main.companions.append(part)
    main.write(b"one")
    part.write(b"two")
    (tmp_path / "e.part2.mp4").mkdir()  # the part cannot take its name: the commit fails
    with pytest.raises(OSError):
        main.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.part2.mp4"]  # just the blocking folder
    assert not (tmp_path / "e.mp4").exists()


def test_a_failed_main_commit_leaves_no_part(tmp_path: Path) -> None:
    main = AtomicFile(tmp_path / "e.mp4")
    part = AtomicFile(tmp_path / "e.part2.mp4")
    main.companions.append(part)
    (tmp_path / "e.mp4").mkdir()
    with pytest.raises(OSError):
        main.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.mp4"]


def test_reset_drops_the_companions(tmp_path: Path) -> None:
    main = AtomicFile(tmp_path / "e.mp4")
    main.companions.append(AtomicFile(tmp_path / "e.part2.mp4"))
    main.reset()
    main.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.mp4"]


def test_a_crash_while_saving_a_token_leaves_the_previous_one_usable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TokenFile(tmp_path / "oauth-authorization.json")
    store.save({"access_token": "old", "refresh_token": "old-refresh"})

    def power_cut(source: object, target: object) -> None:
        raise OSError("the machine died before the rename")

    monkeypatch.setattr("ringConnector.storage.atomic.os.replace", power_cut)
    with pytest.raises(OSError):
        store.save({"access_token": "new", "refresh_token": "new-refresh"})
    monkeypatch.undo()
    assert store.load()["refresh_token"] == "old-refresh"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".part-")] == []


def test_waiting_for_locks_held_elsewhere_keeps_threads_free(tmp_path: Path) -> None:
    """Two processes each holding locks the other waits for must not starve each other's
    threads (the thread that would finish a download and release its lock)."""
    from concurrent.futures import ThreadPoolExecutor

    from filelock import FileLock

    from ringConnector.download.day import _take

    holders = [FileLock(str(tmp_path / f"{n}.lock"), thread_local=False) for n in range(10)]
    for holder in holders:
        holder.acquire()  # "another process" (another descriptor: flock conflicts) holds them

    async def scenario() -> int:
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=2))
        waiters = [
            asyncio.create_task(_take(FileLock(str(tmp_path / f"{n}.lock"), thread_local=False)))
            for n in range(10)
        ]
        await asyncio.sleep(0.3)  # let every waiter try, and fail, at least once
        free = await asyncio.wait_for(asyncio.to_thread(lambda: 42), timeout=5)
        for task in waiters:
            task.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
        return free

    try:
        assert asyncio.run(scenario()) == 42
    finally:
        for holder in holders:
            holder.release()


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_videos_and_event_json_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    library = EventLibrary(tmp_path / "videos")
    previous = os.umask(umask)
    try:
        with library.open_video("20261122-123000-1") as video:
            video.write(b"mp4")
        library.save_event("20261122-123000-1", {"ringId": "1"})
    finally:
        os.umask(previous)
    assert stat.S_IMODE(library.video_path("20261122-123000-1").stat().st_mode) == mode
    assert stat.S_IMODE(library.json_path("20261122-123000-1").stat().st_mode) == mode


def test_tokens_stay_private_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o000)
    try:
        TokenFile(tmp_path / "t.json").save({"access_token": "a", "refresh_token": "r"})
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "t.json").stat().st_mode) == 0o600
