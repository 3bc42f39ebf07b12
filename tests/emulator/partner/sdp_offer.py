"""A browser-like WHEP offer for the emulator's live view tests."""

from __future__ import annotations

import requests

from ringConnector.emulator import FRONT_DOOR, Emulator, partner_device_id

FRONT = partner_device_id(FRONT_DOOR)
SESSIONS = f"/v1/devices/{FRONT}/media/streaming/whep/sessions"
SDP = {"Content-Type": "application/sdp"}

FINGERPRINT = ":".join(f"{n:02X}" for n in range(0xA0, 0xC0))


def browser_offer(
    *, video_pts: tuple[str, ...] = ("96", "97", "102", "103", "104", "106", "107"), end: str = "\r\n"
) -> str:
    """A recvonly offer shaped like Chrome's for addTransceiver("audio"/"video", recvonly)."""
    common = [
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:Jf4n",
        "a=ice-pwd:Bh7ud6tTYbIetyXsxv0IHz0M",
        "a=ice-options:trickle",
        f"a=fingerprint:sha-256 {FINGERPRINT}",
        "a=setup:actpass",
    ]
    video_maps = {
        "96": ["a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 goog-remb", "a=rtcp-fb:96 nack"],
        "97": ["a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96"],
        "102": [
            "a=rtpmap:102 H264/90000",
            "a=rtcp-fb:102 nack",
            "a=rtcp-fb:102 nack pli",
            "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
        ],
        "103": ["a=rtpmap:103 rtx/90000", "a=fmtp:103 apt=102"],
        "104": [
            "a=rtpmap:104 H264/90000",
            "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f",
        ],
        "106": [
            "a=rtpmap:106 H264/90000",
            "a=rtcp-fb:106 nack pli",
            "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
        ],
        "107": ["a=rtpmap:107 rtx/90000", "a=fmtp:107 apt=106"],
    }
    lines = [
        "v=0",
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "a=extmap-allow-mixed",
        "a=msid-semantic: WMS",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 0",
        *common,
        "a=mid:0",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        "a=recvonly",
        "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2",
        "a=rtcp-fb:111 transport-cc",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "a=rtpmap:0 PCMU/8000",
        f"m=video 9 UDP/TLS/RTP/SAVPF {' '.join(video_pts)}",
        *common,
        "a=mid:1",
        "a=recvonly",
        "a=rtcp-mux",
        "a=rtcp-rsize",
        *[line for pt in video_pts for line in video_maps[pt]],
    ]
    return end.join(lines) + end


def start_session(
    emu: Emulator, http: requests.Session, auth: dict[str, str], offer: str
) -> requests.Response:
    """POST the offer to the Front Door's WHEP endpoint."""
    return http.post(emu.partner_url + SESSIONS, data=offer, headers=auth | SDP)


def answer_lines(answer: str) -> list[str]:
    """Return the lines of an SDP answer, checking it uses CRLF throughout."""
    assert answer.endswith("\r\n") and "\n" not in answer.replace("\r\n", "")
    return answer.removesuffix("\r\n").split("\r\n")
