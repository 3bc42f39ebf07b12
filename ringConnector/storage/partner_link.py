"""When the Partner account link was made and when it runs out: Ring's refresh tokens live about
30 days, and then the user must link again (docs/ring-apis.md §2.1, §7.6). The link's time is
kept in the Partner token file (`linked_at`, epoch seconds) by `startCreateAuthFile.py
--partner`; scripts, /readyz and /metrics read it from there."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ringConnector.config import Settings
from ringConnector.storage.tokens import TokenFile

DAY = 86_400.0
# Warnings start this long before the link runs out.
WARN_DAYS = 7.0
# How a user links again (app-deployment.html §5-6: Ring sends the code, then the browser).
RELINK = (
    "link the app again from Ring's app store in the Ring app; Ring then sends a new authorization "
    "code to your token exchange URL: run ./startCreateAuthFile.py --partner within a minute, paste "
    "the code, then the address Ring opened in your browser"
)


@dataclass(frozen=True)
class LinkTerm:
    """A Partner link's start and its expected end (epoch seconds)."""

    linked_at: float
    ends_at: float

    def days_left(self, now: float) -> float:
        """Days until the link is expected to run out (negative once it has)."""
        return (self.ends_at - now) / DAY

    def warning(self, now: float) -> str | None:
        """What to tell the user from WARN_DAYS before the end; None before that."""
        left = self.days_left(now)
        if left > WARN_DAYS:
            return None
        if left <= 0:
            return f"the Partner account link has probably run out ({self.describe()}): {RELINK}"
        when = f"in about {left:.0f} days" if left >= 1 else "within a day"
        return f"the Partner account link runs out {when} ({self.describe()}): {RELINK}"

    def describe(self) -> str:
        """When it was made and runs out, as dates."""
        life = (self.ends_at - self.linked_at) / DAY
        return (
            f"linked {_day(self.linked_at)}; Ring's refresh tokens live about {life:g} days "
            f"(RING_PARTNER_LINK_DAYS), so until about {_day(self.ends_at)}"
        )


def link_term(token: Mapping[str, Any] | None, life_days: float) -> LinkTerm | None:
    """The term of the link a Partner token stands for; None without a refresh token (a
    Playground token ends with its access token) or without a known `linked_at`."""
    if not token or not token.get("refresh_token"):
        return None
    linked_at = token.get("linked_at")
    if not isinstance(linked_at, int | float) or isinstance(linked_at, bool):
        return None
    return LinkTerm(float(linked_at), float(linked_at) + life_days * DAY)


def read_link_term(settings: Settings) -> LinkTerm | None:
    """The term of the link in RING_PARTNER_TOKEN_FILE (None: not the Partner source, no token,
    or a link made before its time was kept)."""
    if settings.source != "partner":
        return None
    token = TokenFile(settings.partner_token_file, required=("access_token",)).peek()
    return link_term(token, settings.partner_link_days)


def _day(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d")
