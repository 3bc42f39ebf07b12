"""Google's registration calls as firebase-messaging makes them, at their real paths under one base
URL: /checkin (protobuf), /c2dm/register3 (form, `token=` text), and the Firebase installations and
registrations calls (JSON). Shapes: firebase-messaging 0.4.5's test fixtures
(https://github.com/sdb9696/firebase-messaging/tree/main/tests/fixtures) and its fcmregister.py."""

from __future__ import annotations

import json
import secrets
import time

from aiohttp import web
from firebase_messaging.proto.checkin_pb2 import AndroidCheckinRequest, AndroidCheckinResponse

from .state import PushState

PUSH_STATE = web.AppKey("push_state", PushState)
# The registrations call is given the GCM token inside this endpoint URL (fcmregister.py).
SEND_PREFIX = "https://fcm.googleapis.com/fcm/send/"


def _faulted(request: web.Request, call: str) -> web.Response | None:
    """The answer of a call a test made go wrong: 400, or the connection closed unanswered."""
    fault = request.app[PUSH_STATE].fault(call)
    if fault == "hang up" and request.transport is not None:
        request.transport.close()  # the client sees the server disconnect
        return web.Response(status=400)
    if fault == "fail":
        return web.json_response({"error": {"code": 400, "status": "INVALID_ARGUMENT"}}, status=400)
    return None


def _token(size: int = 96) -> str:
    return secrets.token_urlsafe(size)[:size]


async def checkin(request: web.Request) -> web.Response:
    """POST /checkin: AndroidCheckinRequest in, AndroidCheckinResponse out (new ids without ids)."""
    state = request.app[PUSH_STATE]
    if state.reject_registrations:
        state.bump("rejected")
        return web.Response(status=400, text="Bad Request")
    asked = AndroidCheckinRequest()
    asked.ParseFromString(await request.read())
    found = state.check_in(asked.id or None, asked.security_token or None)
    if found is None:  # ids Google does not know (any more)
        return web.Response(status=400, text="Bad Request")
    answer = AndroidCheckinResponse()
    answer.stats_ok = True
    answer.time_msec = int(time.time() * 1000)
    answer.android_id = found.android_id
    answer.security_token = found.security_token
    answer.version_info = _token(31)
    return web.Response(body=answer.SerializeToString(), content_type="application/x-protobuf")


async def register3(request: web.Request) -> web.Response:
    """POST /c2dm/register3: `Authorization: AidLogin <android id>:<security token>`, a form with
    the app's X-subtype; answers `token=<GCM token>` (or `Error=...`, as GCM does)."""
    state = request.app[PUSH_STATE]
    scheme, _, ids = request.headers.get("Authorization", "").partition(" ")
    android, _, secret = ids.partition(":")
    found = None
    if scheme == "AidLogin" and android.isdecimal() and secret.isdecimal():
        found = state.find(int(android), int(secret))
    if state.reject_registrations or found is None:
        state.bump("rejected")
        return web.Response(text="Error=PHONE_REGISTRATION_ERROR")
    form = await request.post()
    found.app_id = str(form.get("X-subtype", ""))
    found.gcm_token = f"{_token(11)}:APA91b{_token(140)}"
    state.bump("register")
    return web.Response(text=f"token={found.gcm_token}")


async def installations(request: web.Request) -> web.Response:
    """POST /v1/projects/{project}/installations: a Firebase installation and its auth token."""
    state = request.app[PUSH_STATE]
    if state.reject_registrations:
        state.bump("rejected")
        return web.json_response({"error": {"code": 400, "status": "INVALID_ARGUMENT"}}, status=400)
    if (faulted := _faulted(request, "installation")) is not None:
        return faulted
    body = json.loads(await request.read())
    fid = str(body.get("fid", _token(22)))
    state.bump("installation")
    project = request.match_info["project"]
    return web.json_response(
        {
            "name": f"projects/{project}/installations/{fid}",
            "fid": fid,
            "refreshToken": f"1_{_token(120)}",
            "authToken": {"token": _token(240), "expiresIn": "604800s"},
        }
    )


async def registrations(request: web.Request) -> web.Response:
    """POST /v1/projects/{project}/registrations: the Web Push keys in, the FCM token out."""
    state = request.app[PUSH_STATE]
    if (faulted := _faulted(request, "registration")) is not None:
        return faulted
    web_keys = json.loads(await request.read()).get("web", {})
    endpoint = str(web_keys.get("endpoint", ""))
    gcm_token = endpoint.removeprefix(SEND_PREFIX)
    found = next(
        (r for r in [state.by_gcm_token(gcm_token)] if r is not None and endpoint.startswith(SEND_PREFIX)),
        None,
    )
    if (
        state.reject_registrations
        or found is None
        or not request.headers.get("x-goog-firebase-installations-auth")
    ):
        state.bump("rejected")
        return web.json_response({"error": {"code": 400, "status": "INVALID_ARGUMENT"}}, status=400)
    found.p256dh, found.auth = str(web_keys.get("p256dh", "")), str(web_keys.get("auth", ""))
    found.fcm_token = f"{_token(40)}:APA91b{_token(140)}"
    state.bump("registration")
    project = request.match_info["project"]
    return web.json_response(
        {
            "name": f"projects/{project}/registrations/{found.fcm_token}",
            "token": found.fcm_token,
            "web": {"endpoint": endpoint, "p256dh": found.p256dh, "auth": found.auth},
        }
    )


def create_registration_app(state: PushState) -> web.Application:
    """The registration host."""
    app = web.Application()
    app[PUSH_STATE] = state
    app.router.add_post("/checkin", checkin)
    app.router.add_post("/c2dm/register3", register3)
    app.router.add_post("/v1/projects/{project}/installations", installations)
    app.router.add_post("/v1/projects/{project}/registrations", registrations)
    return app
