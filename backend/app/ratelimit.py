"""Token-bucket rate limits kept in this process's memory (per user, per username, per address)."""

import time

from app.config import RateLimit


class RateLimiter:
    # Buckets that have refilled completely carry no information; they are dropped once the
    # map grows past this, so an attacker cycling keys cannot grow memory without bound.
    PRUNE_ABOVE = 50_000

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._rate = limit.count / limit.seconds if limit.enabled else 0.0
        self._buckets: dict[object, tuple[float, float]] = {}  # key -> (tokens, at)

    def _tokens(self, key: object, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.limit.count), now))
        return min(float(self.limit.count), tokens + (now - at) * self._rate)

    def retry_after(self, key: object) -> float | None:
        """Seconds to wait if one more event for `key` would be over the limit, else None."""
        if not self.limit.enabled:
            return None
        tokens = self._tokens(key, time.monotonic())
        return None if tokens >= 1.0 else (1.0 - tokens) / self._rate

    def hit(self, key: object) -> float | None:
        """Count one event; if it is over the limit, count nothing and return the wait."""
        if not self.limit.enabled:
            return None
        now = time.monotonic()
        tokens = self._tokens(key, now)
        if tokens < 1.0:
            return (1.0 - tokens) / self._rate
        if len(self._buckets) > self.PRUNE_ABOVE:
            self._prune(now)
        self._buckets[key] = (tokens - 1.0, now)
        return None

    def _prune(self, now: float) -> None:
        full = [key for key in self._buckets if self._tokens(key, now) >= self.limit.count]
        for key in full:
            del self._buckets[key]
