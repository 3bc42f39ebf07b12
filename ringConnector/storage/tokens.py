"""The Ring token file and this installation's stable hardware id, both kept private (0600)."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

from filelock import FileLock

from ringConnector.errors import AUTH_FIX, AuthorizationRequired
from ringConnector.storage.atomic import write_json, write_text

_LOGGER = logging.getLogger(__name__)
PRIVATE = 0o600


class TokenFile:
    """Reads and writes the OAuth token JSON (OAUTH_FILE) and the hardware id beside it."""

    def __init__(
        self,
        path: Path,
        *,
        fix: str = AUTH_FIX,
        required: tuple[str, ...] = ("refresh_token",),
        what: str = "Ring token",
    ) -> None:
        """Keep the token at `path`; the hardware id and a lock file live beside it.

        `fix` tells the user how to get a new token; `required` are the fields a usable token has;
        `what` names the token in messages and logs.
        """
        self.path = path
        self.fix = fix
        self.required = required
        self.what = what
        self.hardware_id_path = path.with_name(path.name + ".hardware_id")
        # One lock for every process using this token: a refresh in one must be seen by the others.
        # Not thread-local: the async refresh takes it in a worker thread and releases it in the
        # event loop's; callers serialize their own threads with a lock of their own first.
        self.lock = FileLock(str(path.with_name("." + path.name + ".lock")), thread_local=False)

    def load(self) -> dict[str, Any]:
        """The saved token; a missing or corrupt file is an AuthorizationRequired naming the fix."""
        try:
            token = json.loads(self.path.read_text())
        except FileNotFoundError as ex:
            raise AuthorizationRequired(f"no {self.what} at {self.path}: {self.fix}") from ex
        except (OSError, ValueError) as ex:
            raise AuthorizationRequired(f"the {self.what} file {self.path} is unreadable: {self.fix}") from ex
        if not isinstance(token, dict) or not all(token.get(name) for name in self.required):
            raise AuthorizationRequired(f"the {self.what} file {self.path} holds no token: {self.fix}")
        return token

    def peek(self) -> dict[str, Any] | None:
        """The saved token, or None when there is no usable one."""
        try:
            return self.load()
        except AuthorizationRequired:
            return None

    def save(self, token: dict[str, Any]) -> None:
        """Persist a token atomically with mode 0600 (ring_doorbell calls this on every refresh)."""
        with self.lock:
            write_json(self.path, token, mode=PRIVATE)
        _LOGGER.info("%s saved to %s", self.what, self.path)

    def hardware_id(self) -> str:
        """This installation's hardware id, created once, so Ring lists one client device only."""
        with self.lock:
            try:
                existing = self.hardware_id_path.read_text().strip()
            except FileNotFoundError:
                existing = ""
            if existing:
                return existing
            created = str(uuid.uuid4())
            write_text(self.hardware_id_path, created + "\n", mode=PRIVATE)
            _LOGGER.info("created hardware id file %s", self.hardware_id_path)
            return created
