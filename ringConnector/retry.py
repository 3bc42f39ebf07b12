"""Retrying Ring's transient failures: exponential backoff with jitter, Retry-After, a total bound;
for a recording Ring is preparing, waits that follow the time it has already taken."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from ringConnector.errors import TransientError
from ringConnector.metrics import RETRIES

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying one operation; the bound is on the total time spent waiting."""

    max_wait: float = 100.0
    initial_delay: float = 2.0
    max_delay: float = 30.0
    sleep: Sleep = asyncio.sleep

    def preparation_delay(self, waited: float) -> float:
        """The wait before looking again at a recording Ring has had for `waited` seconds: a
        quarter of that, at least `initial_delay`. Preparation takes time, not attempts
        (docs/ring-apis.md §1.5, §3): this finds it within a quarter of its own time once ready,
        with attempts growing only with the logarithm of that time."""
        return max(self.initial_delay, waited / 4)

    def _wait(self, state: RetryCallState, waited: Callable[[], float] | None = None) -> float:
        backoff = wait_exponential_jitter(
            multiplier=self.initial_delay, max=self.max_delay, jitter=self.initial_delay
        )(state)
        age = waited() if waited is not None else -1.0
        if age >= 0:  # negative: an event from the future by our clock, its age unknown
            # A recording being prepared: never wait longer than the quarter of its age, so a fresh
            # recording is fetched soon after it is ready (an old one keeps the usual backoff).
            backoff = min(backoff, self.preparation_delay(age))
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, TransientError) and error.retry_after is not None:
            # Ring said how long to wait (429/503 Retry-After): never come back sooner.
            return max(error.retry_after, min(backoff, self.max_delay))
        return backoff

    def _stop(self, state: RetryCallState) -> bool:
        return state.idle_for + state.upcoming_sleep > self.max_wait

    async def run(
        self,
        operation: Callable[[], Awaitable[T]],
        *,
        what: str,
        waited: Callable[[], float] | None = None,
    ) -> tuple[T, int]:
        """Run `operation` until it succeeds or the wait budget is spent; return (result, attempts).

        `waited`, for a recording, gives the seconds Ring has been preparing it (see `_wait`).
        The last TransientError is re-raised when the budget runs out.
        """

        def log_retry(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            RETRIES.labels(getattr(error, "cause", "other")).inc()
            _LOGGER.info(
                "%s: attempt %d failed (%s), retrying in %.1f s",
                what,
                state.attempt_number,
                getattr(error, "cause", error),
                state.upcoming_sleep,
            )

        retrying = AsyncRetrying(
            retry=retry_if_exception_type(TransientError),
            wait=lambda state: self._wait(state, waited),
            stop=self._stop,
            sleep=self.sleep,
            before_sleep=log_retry,
            reraise=True,
        )
        attempts = 0
        async for attempt in retrying:
            with attempt:
                attempts = attempt.retry_state.attempt_number
                result = await operation()
        # tenacity leaves the loop only after a success; a last failure is re-raised above.
        return result, attempts
