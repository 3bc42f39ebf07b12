"""SDP for WHEP: checking a browser's offer the way a WebRTC server does, and answering it."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

_LOGGER = logging.getLogger(__name__)

_LINE = re.compile(r"[a-z]=")
_FINGERPRINT = re.compile(r"sha-256 (?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}")
_DIRECTIONS = ("sendrecv", "recvonly", "sendonly", "inactive")
_RTP_KINDS = ("audio", "video")
# WebRTC media is DTLS-SRTP with feedback (RFC 8829 5.1.2); RTP/SAVPF is the older spelling.
_SECURE_RTP = ("UDP/TLS/RTP/SAVPF", "RTP/SAVPF")
# The host candidate's priority as browsers compute it for a host UDP candidate.
_HOST_PRIORITY = 2130706431


class SdpError(ValueError):
    """An offer a WebRTC server would refuse; the message names the problem."""


@dataclass
class Section:
    """One m-section: its m= line and its attributes (value None for flags such as rtcp-mux)."""

    kind: str
    port: str
    proto: str
    formats: list[str]
    attrs: list[tuple[str, str | None]] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        """Return the values of every a=name:value line."""
        return [v for n, v in self.attrs if n == name and v is not None]

    def has(self, name: str) -> bool:
        """Tell whether an a=name line (flag or valued) is present."""
        return any(n == name for n, _ in self.attrs)


@dataclass
class Offer:
    """A parsed offer: session-level lines by type, session attributes, and m-sections."""

    types: set[str]
    session: Section
    sections: list[Section]

    def effective(self, section: Section, name: str) -> list[str]:
        """Return an attribute's media-level values, else its session-level ones."""
        return section.values(name) or self.session.values(name)

    def direction(self, section: Section) -> str:
        """Return a section's direction; RFC 4566 makes it sendrecv when neither level says."""
        for level in (section, self.session):
            for name in _DIRECTIONS:
                if level.has(name):
                    return name
        return "sendrecv"


def parse_offer(text: str) -> Offer:
    """Parse an SDP offer with CRLF or LF line ends; raise SdpError if it is not SDP."""
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    if not lines or lines[0] != "v=0":
        raise SdpError("an SDP offer must start with the line v=0")
    offer = Offer(set(), Section("session", "", "", []), [])
    current = offer.session
    for number, line in enumerate(lines, start=1):
        if not _LINE.match(line):
            raise SdpError(f"line {number} is not <type>=<value>: {line[:40]!r}")
        kind, value = line[0], line[2:]
        if kind == "m":
            parts = value.split()
            if len(parts) < 4:
                raise SdpError(f"line {number}: an m= line needs media, port, proto and formats")
            current = Section(parts[0], parts[1], parts[2], parts[3:])
            offer.sections.append(current)
        elif kind == "a":
            name, colon, rest = value.partition(":")
            current.attrs.append((name, rest if colon else None))
        elif current is offer.session:
            offer.types.add(kind)
    return offer


def h264_payload_types(section: Section) -> list[str]:
    """Return the section's H264/90000 payload types, best first (packetization-mode=1, baseline)."""
    offered = []
    for rtpmap in section.values("rtpmap"):
        pt, _, codec = rtpmap.partition(" ")
        if codec.upper() == "H264/90000" and pt in section.formats:
            offered.append(pt)
    fmtp = {v.partition(" ")[0]: v.partition(" ")[2] for v in section.values("fmtp")}

    def score(pt: str) -> tuple[bool, bool]:
        params = fmtp.get(pt, "")
        return ("packetization-mode=1" not in params, "profile-level-id=42e01f" not in params)

    return sorted(offered, key=score)


def check_offer(offer: Offer) -> None:
    """Raise SdpError naming the first reason a WHEP server would refuse the offer."""
    for kind in "ost":
        if kind not in offer.types:
            raise SdpError(f"the offer has no {kind}= line")
    if not any(s.kind == "video" for s in offer.sections):
        raise SdpError("the offer has no m=video section")
    for number, section in enumerate(offer.sections):
        where = f"m-section {number} ({section.kind})"
        if section.kind in _RTP_KINDS and section.proto not in _SECURE_RTP:
            raise SdpError(f"{where} uses {section.proto}; WebRTC media needs UDP/TLS/RTP/SAVPF")
        for name in ("ice-ufrag", "ice-pwd"):
            if not offer.effective(section, name):
                raise SdpError(f"{where} has no a={name} (at session or media level)")
        if not any(_FINGERPRINT.fullmatch(f) for f in offer.effective(section, "fingerprint")):
            raise SdpError(f"{where} has no a=fingerprint:sha-256 with 32 hex pairs")
        setup = offer.effective(section, "setup")
        if not setup or setup[0] not in ("actpass", "active"):
            raise SdpError(f"{where} needs a=setup:actpass (or active) in an offer, not {setup or 'none'}")
        if not section.values("mid"):
            raise SdpError(f"{where} has no a=mid")
        if section.kind == "video":
            if offer.direction(section) not in ("recvonly", "sendrecv"):
                raise SdpError(f"{where} must be a=recvonly or a=sendrecv, not a={offer.direction(section)}")
            if not h264_payload_types(section):
                raise SdpError(f"{where} offers no H264/90000 payload type (a=rtpmap:<pt> H264/90000)")
        if section.kind in _RTP_KINDS and not (section.has("rtcp-mux") or offer.session.has("rtcp-mux")):
            raise SdpError(f"{where} has no a=rtcp-mux")


def _audio_payload_type(section: Section) -> str | None:
    for wanted in ("OPUS/48000/2", "PCMU/8000"):
        for rtpmap in section.values("rtpmap"):
            pt, _, codec = rtpmap.partition(" ")
            if codec.upper() == wanted and pt in section.formats:
                return pt
    return None


@dataclass(frozen=True)
class Identity:
    """The answering side's ICE credentials, DTLS fingerprint and media port."""

    session_id: int
    ufrag: str
    pwd: str
    fingerprint: str
    port: int
    ssrc: int


def build_answer(offer: Offer, me: Identity) -> str:
    """Return the SDP answer (CRLF line ends): send H264 (and audio) to a receiving offerer."""
    media: list[str] = []
    accepted: list[str] = []
    for section in offer.sections:
        mid = section.values("mid")[0]
        if section.kind == "video":
            pt: str | None = h264_payload_types(section)[0]
        else:
            pt = _audio_payload_type(section) if section.kind == "audio" else None
        if pt is None:  # refused: port 0 keeps the m-line count equal, as RFC 3264 requires
            media += [f"m={section.kind} 0 {section.proto} {' '.join(section.formats)}"]
            media += ["c=IN IP4 0.0.0.0", f"a=mid:{mid}"]
            continue
        accepted.append(mid)
        sends = offer.direction(section) in ("recvonly", "sendrecv")
        media += [f"m={section.kind} {me.port} {section.proto} {pt}", "c=IN IP4 127.0.0.1", f"a=mid:{mid}"]
        media += ["a=sendonly" if sends else "a=inactive", "a=rtcp-mux"]
        media += [f"a=ice-ufrag:{me.ufrag}", f"a=ice-pwd:{me.pwd}"]
        media += [f"a=fingerprint:sha-256 {me.fingerprint}", "a=setup:passive"]
        for name in ("rtpmap", "rtcp-fb", "fmtp"):
            # Only the chosen payload type's lines ("*" applies to every payload type).
            media += [f"a={name}:{v}" for v in section.values(name) if v.partition(" ")[0] in (pt, "*")]
        if sends:
            ssrc = me.ssrc + len(accepted)
            media += [f"a=msid:ring-emulator {section.kind}-{mid}", f"a=ssrc:{ssrc} cname:ring-emulator"]
        media += [f"a=candidate:1 1 udp {_HOST_PRIORITY} 127.0.0.1 {me.port} typ host", "a=end-of-candidates"]
    session = ["v=0", f"o=- {me.session_id} 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=ice-lite"]
    if any(v.startswith("BUNDLE") for v in offer.session.values("group")) and accepted:
        session.append("a=group:BUNDLE " + " ".join(accepted))
    return "\r\n".join(session + media) + "\r\n"
