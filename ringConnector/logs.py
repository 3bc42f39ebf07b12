"""Logging, set up once at start-up, with secrets scrubbed from every line."""

from __future__ import annotations

import json
import logging
import re

# What must never reach a log: pre-signed URL signatures and credentials, whoever logs them
# (our code, ring_doorbell's debug lines, aiohttp).
_SECRETS = (
    (re.compile(r"(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s\"']+", re.I), r"\1…"),
    # CloudFront and Google Cloud Storage sign URLs too, should Ring's storage move.
    (
        re.compile(r"([?&](?:Signature|Key-Pair-Id|Policy|X-Goog-Signature|X-Goog-Credential)=)[^&\s\"']+"),
        r"\1…",
    ),
    # Any token by its key: access_token, refresh_token, push's push_notification_token (in
    # ring_doorbell's DEBUG line of the PATCH that hands Ring the FCM token), securityToken,
    # authToken, "token": and token= (not the word in a sentence: "holds no token: run ...").
    (re.compile(r"(\b\w+_token[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,}]+", re.I), r"\1…"),
    (re.compile(r"(\b\w*[a-z]Token[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,}]+"), r"\1…"),
    (re.compile(r"([\"']token[\"']\s*:\s*[\"']?|\btoken=)[^\"'&\s,}]+", re.I), r"\1…"),
    # An FCM or GCM registration token wherever it stands (in a URL, a list): "<id>:APA91b<...>".
    (re.compile(r"[\w-]{8,}:APA91b[\w-]+"), "…"),
    # Google's check-in credentials in a header: "AidLogin <android id>:<security token>".
    (re.compile(r"(AidLogin\s+)[^\s\"',}]+"), r"\1…"),
    (re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.I), r"\1…"),
    # user:password@ in any URL (a CALLBACK_URL with credentials, say).
    (re.compile(r"(://)[^/@\s\"']+@"), r"\1…@"),
    (re.compile(r"((?:password|2fa-code)[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,}]+", re.I), r"\1…"),
)


def scrub(text: str) -> str:
    """`text` with signatures, tokens and passwords replaced by an ellipsis."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class ScrubSecrets(logging.Filter):
    """A handler filter that scrubs every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, scrubbed, and drop the arguments."""
        message = record.getMessage()
        clean = scrub(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


class ScrubbedText(logging.Formatter):
    """Text lines, scrubbed whole: the filter scrubs the message only, and a traceback (or a stack)
    quotes exception messages and source lines that can hold a token or a signed URL."""

    def format(self, record: logging.LogRecord) -> str:
        """The line and any traceback after it, scrubbed."""
        return scrub(super().format(record))


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message (for log collectors)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line; a traceback goes into "exception", a stack into "stack",
        each scrubbed before it is encoded (an escaped quote would hide a secret from `scrub`)."""
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        if record.stack_info:
            line["stack"] = scrub(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str = "INFO", *, json_lines: bool = False) -> None:
    """Log to stderr at `level` (LOG_LEVEL), as text or JSON lines (LOG_FORMAT), scrubbed."""
    handler = logging.StreamHandler()
    handler.addFilter(ScrubSecrets())
    text = ScrubbedText("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler.setFormatter(JsonLines() if json_lines else text)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    # aiortc and aioice log every ICE candidate pair (with local addresses) at INFO.
    for chatty in ("aioice", "aiortc"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
