"""The Partner API source end to end against the emulator: the same days, files and event JSON."""

from __future__ import annotations

import json
import stat
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ringConnector.cli.sign_in import write_partner_token_file
from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import (
    Emulator,
    Event,
    Fault,
    ManualClock,
    PartnerApp,
    partner_device_id,
    partner_event_id,
)
from ringConnector.errors import AuthorizationRequired
from ringConnector.sources.partner.client import PartnerClient
from ringConnector.storage.tokens import TokenFile
from ringConnector.web.app import create_app
from tests.sources.partner.support import SharedSleep, long_event, partial_events, partner_environment
from tests.support import (
    BACK,
    DAY,
    FRONT,
    GARAGE,
    SmallDay,
    make_event,
    run,
    sha256,
)

FRONT_ID = partner_device_id(FRONT)
KEY = PartnerApp().hmac_key


def partner_ids(*events: Event) -> set[str]:
    return {partner_event_id(e.id) for e in events}


def by_id(bodies: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(body["ringId"]): body for body in bodies}


def expected_dings() -> set[str]:
    """The dings of the day on the doorbells: the Partner API has no "processing" state, and
    the Shed (no plan on the consumer side) has footage too."""
    return partner_ids(
        SmallDay.first, SmallDay.answered, SmallDay.shared_no_duration, SmallDay.same_second,
        SmallDay.processing, SmallDay.shed, SmallDay.last, long_event(), *partial_events(),
    )  # fmt: skip


def test_a_day_downloads_through_the_partner_api(
    partner_connector: Connector, partner_emulator: Emulator
) -> None:
    report = partner_connector.download_day(DAY)
    assert set(by_id(report.downloaded)) == expected_dings()
    first = by_id(report.downloaded)[partner_event_id(SmallDay.first.id)]
    assert first["eventName"] == "20261122-000005"
    assert first["createdAt"] == "2026-11-21T10:00:05.000000Z"
    assert first["kind"] == "ding" and first["status"] == "UNPROCESSED" and first["duration"] == 30.0
    assert first["partial"] is False and first["clipLengthMs"] == 30_000
    video = Path(str(first["videoFileName"]))
    start = int(SmallDay.first.created_at.timestamp() * 1000)
    assert sha256(video) == partner_emulator.expected_clip_sha256(FRONT_ID, start, 30_000)
    assert json.loads(video.with_suffix(".json").read_text()) == first


def test_the_same_day_twice_downloads_nothing_new(
    partner_connector: Connector, partner_emulator: Emulator
) -> None:
    partner_connector.download_day(DAY)
    before = len(partner_emulator.clip_requests())
    assert partner_connector.download_day(DAY).downloaded == []
    assert len(partner_emulator.clip_requests()) == before


def test_devices_without_video_are_not_walked(
    partner_connector: Connector, partner_emulator: Emulator
) -> None:
    partner_connector.download_day(DAY)
    assert partner_emulator.count("partner_history", partner_device_id(3 + FRONT)) == 0  # the chime
    assert partner_emulator.count("partner_history", FRONT_ID) >= 1


def test_a_partly_recorded_window_keeps_the_part(partner_connector: Connector) -> None:
    body = by_id(partner_connector.download_day(DAY).downloaded)[partner_event_id(partial_events()[1].id)]
    assert body["partial"] is True
    assert body["clipStart"] == "2026-11-22T02:00:20.000000Z"  # 16:00:20 at UTC+14
    assert body["clipLengthMs"] == 10_000


def test_an_event_longer_than_15_minutes_is_fetched_as_consecutive_clips(
    partner_connector: Connector,
) -> None:
    body = by_id(partner_connector.download_day(DAY).downloaded)[partner_event_id(long_event().id)]
    clips = body["clips"]
    assert isinstance(clips, list)
    assert [clip["clipLengthMs"] for clip in clips] == [900_000, 100_000]
    names = [Path(clip["videoFileName"]).name for clip in clips]
    assert names == [
        f"20261122-150000-{partner_event_id(long_event().id)}{suffix}" for suffix in (".mp4", ".part2.mp4")
    ]
    assert all(Path(clip["videoFileName"]).exists() for clip in clips)


def test_no_footage_is_skipped_not_failed(
    partner_settings: Settings, shared_sleep: SharedSleep, wall: ManualClock, partner_emulator: Emulator
) -> None:
    lonely = make_event(FRONT, DAY, "20:00:00", recording_status=None)
    partner_emulator.add_events([lonely])
    with Connector(
        partner_settings, sleep=shared_sleep, now=lambda: datetime.fromtimestamp(wall(), UTC)
    ) as connector:
        report = connector.download_day(DAY)
    assert (partner_event_id(lonely.id), "no footage") in report.skipped
    assert report.complete
    assert [
        r["status"]
        for r in partner_emulator.clip_requests()
        if r["body"]["timestamp"] == int(lonely.created_at.timestamp() * 1000)
    ] == [416]


def test_motion_sub_types_are_selectable(
    partner_settings: Settings, shared_sleep: SharedSleep, wall: ManualClock
) -> None:
    humans = partner_settings.replace(event_kinds=("motion.human",))
    with Connector(humans, sleep=shared_sleep, now=lambda: datetime.fromtimestamp(wall(), UTC)) as connector:
        report = connector.download_day(DAY)
    # Items carry no sub_type (recorded answers): Ring's event_types filter is what selects.
    assert [(body["kind"], body["createdAt"][11:19]) for body in report.downloaded] == [
        ("motion", "21:00:00")
    ]  # 11:00 in ZONE (UTC+14)


@pytest.mark.parametrize("status", [301, 302, 303, 307])
def test_redirected_clips_are_fetched_without_the_bearer(
    partner_connector: Connector, partner_emulator: Emulator, status: int
) -> None:
    partner_emulator.set_clip_redirect(status)
    report = partner_connector.download_day(DAY)
    assert report.complete and report.downloaded
    fetches = partner_emulator.clip_fetches()
    assert fetches and all(f["method"] == "GET" and not f["authorization"] for f in fetches)


@pytest.mark.parametrize(
    "fault",
    [
        Fault("partner_clip", "status", status=429, retry_after=9, times=2),
        Fault("partner_clip", "status", status=503, retry_after=4),
        Fault("partner_clip", "status", status=500, times=2),
        Fault("partner_clip", "drop"),
        Fault("partner_clip", "short"),
        Fault("partner_history", "status", status=429, retry_after=3),
        Fault("partner_devices", "status", status=502),
    ],
    ids=lambda f: f"{f.route}-{f.kind}-{f.status}",
)
def test_transient_answers_are_retried(
    partner_connector: Connector, partner_emulator: Emulator, shared_sleep: SharedSleep, fault: Fault
) -> None:
    partner_emulator.add_fault(fault)
    report = partner_connector.download_day(DAY)
    assert report.complete
    assert set(by_id(report.downloaded)) == expected_dings()
    assert shared_sleep.waits  # the fault happened and was waited out
    if fault.retry_after:
        assert shared_sleep.waits[0] >= fault.retry_after


@pytest.mark.parametrize("status", [400, 403, 404])
def test_client_errors_fail_the_event_naming_device_and_event(
    partner_connector: Connector, partner_emulator: Emulator, status: int
) -> None:
    partner_emulator.add_fault(Fault("partner_clip", "status", status=status, key=FRONT_ID))
    report = partner_connector.download_day(DAY)
    assert len(report.failed) == 1
    failure = report.failed[0]
    assert failure.ring_id is not None and failure.ring_id.startswith("ava1.ring.history.event.")
    assert "Front Door" in failure.reason and failure.ring_id.split(".")[-1] in failure.reason
    assert f"HTTP {status}" in failure.reason


def test_an_offline_device_is_waited_for_then_reported(
    partner_connector: Connector, partner_emulator: Emulator, shared_sleep: SharedSleep
) -> None:
    partner_emulator.set_device_offline(partner_device_id(BACK), True)
    report = partner_connector.download_day(DAY)
    failed = {f.ring_id for f in report.failed}
    assert partner_event_id(SmallDay.shared_no_duration.id) in failed
    # Each of the Back Door's three events waits at most RETRY_MAX_WAIT (100 s) in all.
    assert 100 < sum(shared_sleep.waits) <= 3 * 100
    partner_emulator.set_device_offline(partner_device_id(BACK), False)
    assert partner_event_id(SmallDay.shared_no_duration.id) in by_id(
        partner_connector.download_day(DAY).downloaded
    )


def test_an_expired_access_token_is_refreshed_and_the_pair_saved(
    partner_connector: Connector, partner_emulator: Emulator, partner_settings: Settings
) -> None:
    before = json.loads(partner_settings.partner_token_file.read_text())
    partner_emulator.expire_partner_access_tokens()
    assert partner_connector.download_day(DAY).complete
    after = json.loads(partner_settings.partner_token_file.read_text())
    assert after["refresh_token"] != before["refresh_token"]
    assert stat.S_IMODE(partner_settings.partner_token_file.stat().st_mode) == 0o600
    assert partner_emulator.count("partner_token") == 1


def test_a_token_near_expiry_is_refreshed_before_use(
    partner_connector: Connector, partner_emulator: Emulator, wall: ManualClock
) -> None:
    wall.advance(14_400 - 100)  # inside the refresh margin, not yet expired
    assert partner_connector.download_day(DAY).complete
    assert partner_emulator.count("partner_token") == 1


def test_a_rejected_refresh_says_how_to_link_again(
    partner_connector: Connector, partner_emulator: Emulator
) -> None:
    partner_emulator.revoke_partner_refresh_tokens()
    partner_emulator.expire_partner_access_tokens()
    with pytest.raises(AuthorizationRequired, match="--partner"):
        partner_connector.download_day(DAY)


def test_record_on_demand_downloads_exactly_the_window(
    partner_app: FlaskClient, partner_emulator: Emulator, wall: ManualClock
) -> None:
    started = wall()
    response = partner_app.post(f"/connector/record/{FRONT_ID}?seconds=12")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    sessions = partner_emulator.whep_sessions()
    assert len(sessions) == 1 and sessions[0]["deleted_ms"] is not None
    assert body["ringId"] == partner_event_id(sessions[0]["event_id"])  # the on_demand event of the live view
    assert body["kind"] == "on_demand" and body["duration"] == 12.0
    assert body["clipLengthMs"] == 12_000 and body["partial"] is False
    clip = partner_emulator.clip_requests()[-1]["body"]
    assert clip == {"timestamp": int(started * 1000), "duration": 12_000}  # exactly the window
    assert body["liveView"]  # the ICE/DTLS state reached (the emulator has no media behind it)
    video = Path(body["videoFileName"])
    assert sha256(video) == partner_emulator.expected_clip_sha256(FRONT_ID, clip["timestamp"], 12_000)


@pytest.mark.parametrize("query", ["", "?seconds=0", "?seconds=901", "?seconds=abc", "?seconds=-3"])
def test_record_rejects_bad_lengths(partner_app: FlaskClient, partner_emulator: Emulator, query: str) -> None:
    response = partner_app.post(f"/connector/record/{FRONT_ID}{query}")
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"
    assert partner_emulator.whep_sessions() == []


def test_record_on_an_unknown_device_is_a_404(partner_app: FlaskClient, partner_emulator: Emulator) -> None:
    response = partner_app.post("/connector/record/ava1.ring.device.999?seconds=5")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_record_needs_the_partner_source(tmp_path: Path) -> None:
    with Connector(Settings(data_dir=tmp_path)) as connector:
        response = (
            create_app(Settings(), connector=connector).test_client().post("/connector/record/x?seconds=5")
        )
    assert response.status_code == 400 and "RING_SOURCE=partner" in response.get_json()["message"]


def test_linking_with_an_authorization_code(partner_settings: Settings, partner_emulator: Emulator) -> None:
    partner_settings.partner_token_file.unlink()
    code = partner_emulator.issue_partner_code()
    write_partner_token_file(partner_settings, ask=lambda _: "", ask_secret=lambda _: code)
    saved = json.loads(partner_settings.partner_token_file.read_text())
    assert saved["access_token"] and saved["refresh_token"]
    assert stat.S_IMODE(partner_settings.partner_token_file.stat().st_mode) == 0o600


def test_a_used_code_is_refused_and_the_old_token_kept(
    partner_settings: Settings, partner_emulator: Emulator
) -> None:
    code = partner_emulator.issue_partner_code()
    write_partner_token_file(partner_settings, ask=lambda _: "", ask_secret=lambda _: code)
    before = partner_settings.partner_token_file.read_bytes()
    with pytest.raises(AuthorizationRequired, match="invalid_grant"):
        write_partner_token_file(partner_settings, ask=lambda _: "", ask_secret=lambda _: code)
    assert partner_settings.partner_token_file.read_bytes() == before


def test_linking_with_a_pasted_playground_token(
    partner_settings: Settings, partner_connector: Connector, partner_emulator: Emulator, wall: ManualClock
) -> None:
    pasted = partner_emulator.issue_partner_token()
    answers = iter(["", pasted["access_token"], ""])  # no code, the token, no refresh token
    linker = PartnerClient(partner_settings, wall_clock=wall)
    write_partner_token_file(
        partner_settings, ask=lambda _: "", ask_secret=lambda _: next(answers), client=linker
    )
    saved = json.loads(partner_settings.partner_token_file.read_text())
    assert saved["access_token"] == pasted["access_token"] and "refresh_token" not in saved
    assert partner_connector.download_day(DAY).complete


def test_the_download_endpoint_is_the_same(partner_app: FlaskClient) -> None:
    response = partner_app.post("/connector/download/20261122", json=[partner_event_id(SmallDay.first.id)])
    assert response.status_code == 200
    assert set(by_id(response.get_json())) == expected_dings() - partner_ids(SmallDay.first)
    assert response.headers["X-Download-Complete"] == "true"


@pytest.mark.process
class TestTheScripts:
    """The launchers on RING_SOURCE=partner, in subprocesses on the real clock."""

    @pytest.fixture
    def wall(self) -> ManualClock:  # the emulator on real time: the scripts run on it
        return time.time  # type: ignore[return-value]

    @pytest.fixture
    def env(self, partner_settings: Settings) -> dict[str, str]:
        return partner_environment(
            partner_settings,
        )

    def test_start_download_gets_the_day(self, env: dict[str, str]) -> None:
        result = run("startDownload.py", "2026-11-22", env=env)
        assert result.returncode == 0, result.stderr
        assert f"20261122: {len(expected_dings())} downloaded" in result.stdout

    def test_linking_through_the_script(
        self, env: dict[str, str], partner_settings: Settings, partner_emulator: Emulator
    ) -> None:
        """The code, then the address Ring opened in the browser: the link ends `completed`."""
        partner_settings.partner_token_file.unlink()
        code = partner_emulator.issue_partner_code()
        stdin = f"{code}\n{partner_emulator.partner_account_link()}\n"
        result = run(
            "startCreateAuthFile.py", "--partner", env=env | {"RING_PARTNER_WEBHOOK_KEY": KEY}, stdin=stdin
        )
        assert result.returncode == 0, result.stderr
        assert "(status completed): completed" in result.stdout
        assert partner_emulator.partner_integration()["status"] == "completed"
        assert stat.S_IMODE(partner_settings.partner_token_file.stat().st_mode) == 0o600
        token = json.loads(partner_settings.partner_token_file.read_text())
        assert token["access_token"] not in result.stdout + result.stderr

    def test_start_download_warns_a_week_before_the_link_runs_out(
        self, env: dict[str, str], partner_settings: Settings
    ) -> None:
        store = TokenFile(partner_settings.partner_token_file, required=("access_token",))
        store.save(store.load() | {"linked_at": time.time() - 25 * 86_400})
        result = run("startDownload.py", "2026-11-22", env=env)
        assert result.returncode == 0, result.stderr
        assert "the Partner account link runs out in about 5 days" in result.stderr
        assert "./startCreateAuthFile.py --partner" in result.stderr

    @pytest.mark.parametrize(
        "args",
        [("--record", FRONT_ID, "--seconds", "0"), ("--record", FRONT_ID, "2026-11-22"), ("--seconds", "x")],
    )
    def test_bad_record_arguments_are_one_line(self, env: dict[str, str], args: tuple[str, ...]) -> None:
        result = run("startDownload.py", *args, env=env)
        assert result.returncode == 2
        assert result.stderr.strip().splitlines()[-1].startswith("startDownload.py: error:")


@pytest.mark.parametrize(
    "fault",
    [Fault("whep", "status", status=503, retry_after=6), Fault("whep", "status", status=429, retry_after=3)],
    ids=["offline", "busy"],
)
def test_record_waits_for_a_busy_or_offline_camera(
    partner_app: FlaskClient, partner_emulator: Emulator, shared_sleep: SharedSleep, fault: Fault
) -> None:
    partner_emulator.add_fault(fault)
    response = partner_app.post(f"/connector/record/{FRONT_ID}?seconds=5")
    assert response.status_code == 200, response.get_json()
    assert shared_sleep.waits[0] >= (fault.retry_after or 0)
    assert len(partner_emulator.whep_sessions()) == 1


def test_record_retries_footage_ring_has_not_processed(
    partner_app: FlaskClient, partner_emulator: Emulator, shared_sleep: SharedSleep
) -> None:
    partner_emulator.add_fault(Fault("partner_clip", "status", status=416, key=FRONT_ID))
    response = partner_app.post(f"/connector/record/{FRONT_ID}?seconds=5")
    assert response.status_code == 200, response.get_json()
    assert shared_sleep.waits[:2] == [5, 2]  # the recording, the processing delay, then a retry
    assert len(shared_sleep.waits) == 3


def test_record_keeps_the_clip_when_stopping_fails(
    partner_app: FlaskClient, partner_emulator: Emulator
) -> None:
    partner_emulator.add_fault(Fault("whep_delete", "status", status=500))
    response = partner_app.post(f"/connector/record/{FRONT_ID}?seconds=5")
    assert response.status_code == 200
    assert Path(response.get_json()["videoFileName"]).exists()


def test_record_accepts_any_video_device(
    partner_settings: Settings, shared_sleep: SharedSleep, wall: ManualClock
) -> None:
    doorbells_only = partner_settings.replace(device_types=("doorbots",))
    with Connector(
        doorbells_only, sleep=shared_sleep, now=lambda: datetime.fromtimestamp(wall(), UTC)
    ) as connector:
        body = connector.record(partner_device_id(GARAGE), 3)
    assert body["deviceName"] == "Garage"


def test_the_device_list_is_the_same(partner_app: FlaskClient) -> None:
    devices = {d["id"]: d for d in partner_app.get("/connector/devices").get_json()}
    # The Partner API has no device kind: every device with video is reported as "video".
    assert devices[FRONT_ID] == {
        "id": FRONT_ID,
        "name": "Front Door",
        "kind": "video",
        "type": "video",
        "timeZone": None,
        "hasRecordings": True,
    }
    assert devices[partner_device_id(GARAGE)]["type"] == "video"
    assert partner_device_id(3 + FRONT) not in devices  # the chime has no video
    assert partner_app.get("/readyz").status_code == 200
