"""Rates that say what they count: a share, its count, and its 95% Wilson score interval."""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the standard normal quantile of 97.5%


def wilson_interval(successes: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of ``successes`` out of ``total`` (None when there is nothing to count).

    Unlike the plain share, it is honest about small counts: 1 of 1 is [0.21, 1], not "100%",
    so that ranking by its lower bound never puts a unit with one lucky item above a unit that
    answered 95 of 100 on time.
    """
    if total <= 0:
        return None
    if not 0 <= successes <= total:
        raise ValueError(f"{successes} successes out of {total}")
    share = successes / total
    square = z * z
    centre = share + square / (2 * total)
    spread = z * math.sqrt(share * (1 - share) / total + square / (4 * total * total))
    scale = 1 + square / total
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def rate(successes: int, total: int, minimum: int = 0) -> dict:
    """``{"rate", "rate_low", "rate_high", "counted", "too_few"}`` for a share, rounded to 4 places."""
    interval = wilson_interval(successes, total)
    return {
        "rate": round(successes / total, 4) if total else None,
        "rate_low": round(interval[0], 4) if interval else None,
        "rate_high": round(interval[1], 4) if interval else None,
        "counted": total,
        "too_few": total < minimum,
    }
