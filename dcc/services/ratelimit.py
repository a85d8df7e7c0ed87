"""A fixed-window request counter per API token, kept in Django's cache (Redis when configured, so every worker
counts together; each process's memory on the embedded default)."""

import math
import time

from django.core.cache import cache

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def rate_parse(rate: str) -> tuple[int, int]:
    """ "120/minute" → (120, 60): requests allowed, window length in seconds."""
    count, _slash, period = rate.partition("/")
    return int(count), PERIODS[period.strip()]


def rate_limit_hit(*, key: str, rate: str) -> int | None:
    """Count one request of `key`: None while within the rate, else the seconds until its window ends."""
    allowed, period = rate_parse(rate)
    now = time.time()
    window = int(now // period)
    cache_key = f"dcc-rate:{key}:{window}"
    # add() then incr(): both atomic in Redis, so concurrent workers never lose a count.
    cache.add(cache_key, 0, timeout=period + 1)
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # the key expired between the two calls
        cache.set(cache_key, 1, timeout=period + 1)
        hits = 1
    if hits <= allowed:
        return None
    return max(1, math.ceil((window + 1) * period - now))
