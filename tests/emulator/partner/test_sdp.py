"""WHEP offers: each rule a WebRTC server checks, line ends, and the payload type chosen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
import requests

from ringConnector.emulator import Emulator

from .sdp_offer import FINGERPRINT, SESSIONS, answer_lines, browser_offer, start_session


def test_single_h264_payload_type_and_lf_line_ends(
    emu: Emulator, http: requests.Session, pauth: dict[str, str]
) -> None:
    """An LF-only offer with one H264 type (102) is accepted and that type is chosen."""
    answer = start_session(emu, http, pauth, browser_offer(video_pts=("96", "97", "102", "103"), end="\n"))
    assert answer.status_code == 201
    video = next(line for line in answer_lines(answer.text) if line.startswith("m=video"))
    assert video.split()[3:] == ["102"]


def test_session_level_ice_credentials_are_enough(
    emu: Emulator, http: requests.Session, pauth: dict[str, str]
) -> None:
    """ICE credentials and the fingerprint may sit at session level instead."""
    offer = browser_offer()
    moved = [f"a=fingerprint:sha-256 {FINGERPRINT}", "a=ice-ufrag:Jf4n", "a=ice-pwd:Bh7ud6tTYbIetyXsxv0IHz0M"]
    for line in moved:
        offer = offer.replace(line + "\r\n", "")
    offer = offer.replace("t=0 0\r\n", "t=0 0\r\n" + "".join(f"{line}\r\n" for line in moved))
    assert start_session(emu, http, pauth, offer).status_code == 201


def _drop(prefix: str) -> Callable[[str], str]:
    return lambda offer: "".join(
        line for line in offer.splitlines(keepends=True) if not line.startswith(prefix)
    )


def _replace(old: str, new: str) -> Callable[[str], str]:
    return lambda offer: offer.replace(old, new)


def _video_only(old: str, new: str) -> Callable[[str], str]:
    def change(offer: str) -> str:
        head, _, video = offer.partition("m=video")
        return head + "m=video" + video.replace(old, new)

    return change


@pytest.mark.parametrize(
    ("mangle", "detail"),
    [
        (lambda offer: "hello", "v=0"),
        (_replace("v=0", "v=1"), "v=0"),
        (_drop("o="), "o= line"),
        (_drop("s="), "s= line"),
        (_drop("t="), "t= line"),
        (lambda offer: offer.partition("m=video")[0], "m=video"),
        (_replace("m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 106 107", "m=video 9 RTP/AVP"), "m= line"),
        (_replace("m=video 9 UDP/TLS/RTP/SAVPF", "m=video 9 RTP/AVP"), "UDP/TLS/RTP/SAVPF"),
        (_drop("a=ice-ufrag"), "ice-ufrag"),
        (_drop("a=ice-pwd"), "ice-pwd"),
        (_replace("sha-256", "sha-1"), "fingerprint"),
        (_replace(FINGERPRINT, FINGERPRINT[:-3]), "fingerprint"),
        (_replace("a=setup:actpass", "a=setup:passive"), "setup"),
        (_drop("a=setup"), "setup"),
        (_drop("a=mid:1"), "a=mid"),
        (_video_only("a=recvonly", "a=sendonly"), "recvonly"),
        (_video_only("a=recvonly", "a=inactive"), "recvonly"),
        (_replace("H264/90000", "VP9/90000"), "H264"),
        (_replace("SAVPF 96 97 102 103 104 106 107", "SAVPF 96 97"), "H264"),
        (_drop("a=rtcp-mux"), "rtcp-mux"),
        (_replace("a=mid:0\r\n", "a=mid:0\r\nbroken\r\n"), "line"),
    ],
)
def test_malformed_offers_are_400_naming_the_problem(
    emu: Emulator,
    http: requests.Session,
    pauth: dict[str, str],
    mangle: Callable[[str], str],
    detail: str,
) -> None:
    """Each rule a WebRTC server checks: a JSON:API 400 whose detail names what is wrong."""
    answer = start_session(emu, http, pauth, mangle(browser_offer()))
    assert answer.status_code == 400, answer.text
    (error,) = answer.json()["errors"]
    assert error["status"] == "400" and detail in error["detail"]
    assert emu.whep_sessions() == []


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
def test_wrong_content_type_is_415(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], content_type: str | None
) -> None:
    """Only application/sdp is accepted."""
    headers = pauth | ({} if content_type is None else {"Content-Type": content_type})
    answer = http.post(emu.partner_url + SESSIONS, data=browser_offer().encode(), headers=headers)
    assert answer.status_code == 415 and answer.json()["errors"][0]["status"] == "415"


def test_an_aiortc_offer_is_accepted_and_its_answer_applies(
    emu: Emulator, http: requests.Session, pauth: dict[str, str]
) -> None:
    """A real WebRTC peer's recvonly offer (aiortc, which the connector uses) round-trips."""
    aiortc = pytest.importorskip("aiortc")

    async def run() -> None:
        # No ICE servers: the default would ask a public STUN server, and tests stay off the network.
        peer = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
        try:
            peer.addTransceiver("video", direction="recvonly")
            peer.addTransceiver("audio", direction="recvonly")
            await peer.setLocalDescription(await peer.createOffer())
            answer = await asyncio.to_thread(start_session, emu, http, pauth, peer.localDescription.sdp)
            assert answer.status_code == 201, answer.text
            await peer.setRemoteDescription(aiortc.RTCSessionDescription(sdp=answer.text, type="answer"))
            assert peer.signalingState == "stable"
        finally:
            await peer.close()

    asyncio.run(run())
