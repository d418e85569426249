"""How the benchmarks summarise their samples."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentiles(
    samples: Sequence[float], *, scale: float = 1.0, digits: int = 2
) -> dict[str, float]:
    """The median, 95th percentile (nearest rank) and maximum of `samples` times `scale`
    (1000 for seconds to milliseconds), rounded to `digits` decimals."""
    ordered = sorted(sample * scale for sample in samples)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "p50": round(statistics.median(ordered), digits),
        "p95": round(p95, digits),
        "max": round(ordered[-1], digits),
    }
