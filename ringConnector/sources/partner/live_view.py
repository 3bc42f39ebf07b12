"""A receive-only WebRTC live view over WHEP (Partner API), made with aiortc.

Why a real WebRTC peer rather than a hand-written offer: aiortc's offer carries real ICE
credentials and host candidates, DTLS fingerprints, H264 and VP8, rtcp-mux and BUNDLE, and
the peer then runs ICE and DTLS and takes in the stream, as a viewer does. A server that
sees no ICE agent behind an offer may drop the session, and with it the recording we want.
Whether the connection came up is logged and kept in the event JSON (`liveView`).
"""

from __future__ import annotations

import asyncio
import logging

from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaBlackhole

from ringConnector.errors import ConnectorError, DownloadFailed
from ringConnector.retry import RetryPolicy
from ringConnector.sources.partner.client import PartnerClient, device_path, partner_error

_LOGGER = logging.getLogger(__name__)


async def receive_only_offer(peer: RTCPeerConnection) -> str:
    """Make `peer` offer to receive video and audio; returns the SDP with its ICE candidates."""
    peer.addTransceiver("video", direction="recvonly")
    peer.addTransceiver("audio", direction="recvonly")
    await peer.setLocalDescription(await peer.createOffer())
    return str(peer.localDescription.sdp)


class LiveView:
    """An open live view of one camera (which makes the camera record)."""

    def __init__(self, client: PartnerClient, device_id: str, policy: RetryPolicy | None = None) -> None:
        """Use `LiveView.open`."""
        self._client = client
        self._policy = policy
        self._device_id = device_id
        # No STUN/TURN servers: aiortc's default is a public Google STUN server, a third party
        # we never contact. Ring's WHEP endpoint is public, so our host candidates suffice.
        self._peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._sink = MediaBlackhole()  # we want the recording Ring makes, not the frames
        self._location: str | None = None
        self.connected = False

    @classmethod
    async def open(cls, client: PartnerClient, device_id: str, policy: RetryPolicy | None = None) -> LiveView:
        """POST an offer (Content-Type application/sdp) and apply Ring's answer; `policy`, if
        given, retries stopping the session."""
        view = cls(client, device_id, policy)
        try:
            await view._start()
        except BaseException:
            await view.close()
            raise
        return view

    async def _start(self) -> None:
        what = f"live view of {self._device_id}"

        @self._peer.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._sink.addTrack(track)

        @self._peer.on("connectionstatechange")
        def on_state() -> None:
            self.connected |= self._peer.connectionState == "connected"

        offer = await receive_only_offer(self._peer)
        response = await asyncio.to_thread(
            self._client.request,
            "POST",
            f"v1/devices/{device_path(self._device_id)}/media/streaming/whep/sessions",
            data=offer.encode(),
            headers={"Content-Type": "application/sdp"},
            what=what,
        )
        if response.status_code != 201:
            raise partner_error(response, what)
        location = response.headers.get("Location")
        if not location:
            raise DownloadFailed(f"{what}: Ring's answer has no session Location")
        self._location = self._client.resolve(response.url, location, what=what)
        self._client.judge(self._location, what=what)  # refused now, not at the DELETE
        try:
            await self._peer.setRemoteDescription(RTCSessionDescription(sdp=response.text, type="answer"))
        except ValueError as ex:
            raise DownloadFailed(f"{what}: Ring's SDP answer was not understood ({ex})") from ex
        await self._sink.start()
        _LOGGER.info("live view of %s started", self._device_id)

    async def close(self) -> str:
        """DELETE the session (stops the live view), close the peer; returns the ICE/DTLS state
        reached: "connected" if media ever flowed, else the peer's last state."""
        state = "connected" if self.connected else self._peer.connectionState
        what = f"stopping the live view of {self._device_id}"
        try:
            if self._location:
                location, self._location = self._location, None
                if self._policy is None:
                    await self._delete(location, what)
                else:  # a session left open keeps the camera busy, and its footage unfinished
                    await self._policy.run(lambda: self._delete(location, what), what=what)
        except ConnectorError as ex:
            # Ring ends an abandoned session by itself; the window we recorded is still good.
            _LOGGER.warning("could not stop the live view of %s: %s", self._device_id, ex)
        finally:
            await self._sink.stop()
            await self._peer.close()
        _LOGGER.info("live view of %s stopped (%s)", self._device_id, state)
        return state

    async def _delete(self, location: str, what: str) -> None:
        # The session URL gets the token only on the Partner API's own origin.
        if self._client.same_origin(location, what=what):
            response = await asyncio.to_thread(self._client.request, "DELETE", location, what=what)
        else:
            response = await asyncio.to_thread(self._client.unauthenticated, "DELETE", location, what=what)
        response.close()
        if response.status_code not in (200, 204, 404):
            raise partner_error(response, what)
