"""A receive-only WebRTC live view over WHEP (Partner API), made with aiortc.

Why a real WebRTC peer rather than a hand-written offer: the offer aiortc makes is what a
browser sends (ICE credentials, DTLS fingerprints, H264 and VP8, rtcp-mux, BUNDLE), and the
peer then really completes ICE and DTLS and receives the stream. A server that sees no ICE
agent behind an offer drops the session, and with it the recording we want.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from urllib.parse import urljoin

from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaBlackhole

from ringConnector.errors import ConnectorError, DownloadFailed
from ringConnector.sources.partner_api import PartnerClient, device_path, partner_error

_LOGGER = logging.getLogger(__name__)


async def receive_only_offer(peer: RTCPeerConnection) -> str:
    """Make `peer` offer to receive video and audio; returns the SDP with its ICE candidates."""
    peer.addTransceiver("video", direction="recvonly")
    peer.addTransceiver("audio", direction="recvonly")
    await peer.setLocalDescription(await peer.createOffer())
    return str(peer.localDescription.sdp)


class LiveView:
    """`async with LiveView(client, device_id):` keeps a live view open (and the camera recording)."""

    def __init__(self, client: PartnerClient, device_id: str) -> None:
        """Nothing happens until the view is entered."""
        self._client = client
        self._device_id = device_id
        # No STUN/TURN servers: aiortc's default is a public Google STUN server, a third party
        # we never contact. Ring's WHEP endpoint is public, so our host candidates suffice.
        self._peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._sink = MediaBlackhole()  # we want the recording Ring makes, not the frames
        self._location: str | None = None

    async def __aenter__(self) -> LiveView:
        """POST the offer (Content-Type application/sdp) and apply Ring's answer."""
        what = f"live view of {self._device_id}"

        @self._peer.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._sink.addTrack(track)

        try:
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
            self._location = urljoin(response.url, location)
            try:
                await self._peer.setRemoteDescription(RTCSessionDescription(sdp=response.text, type="answer"))
            except ValueError as ex:
                raise DownloadFailed(f"{what}: Ring's SDP answer was not understood ({ex})") from ex
            await self._sink.start()
        except BaseException:
            await self._close()
            raise
        _LOGGER.info("live view of %s started", self._device_id)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """DELETE the session (stops the live view) and close the peer connection."""
        await self._close()
        _LOGGER.info("live view of %s stopped", self._device_id)

    async def _close(self) -> None:
        try:
            if self._location:
                location, self._location = self._location, None
                what = f"stopping the live view of {self._device_id}"
                response = await asyncio.to_thread(self._client.request, "DELETE", location, what=what)
                response.close()
                if response.status_code not in (200, 204, 404):
                    _LOGGER.warning("%s: HTTP %d", what, response.status_code)
        except ConnectorError as ex:
            # Ring ends an abandoned session by itself; the window we recorded is still good.
            _LOGGER.warning("could not stop the live view of %s: %s", self._device_id, ex)
        finally:
            await self._sink.stop()
            await self._peer.close()
