"""`StageTimes`: where one turn's time went, stage by stage, for the metrics and the log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from dexter_core import metrics


class StageTimes:
    """Seconds one turn spent in each stage (`metrics.STAGES`), added up as stages run.

    A stage entered several times in one turn (an LLM call per tool step) counts once,
    with its total.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def measure(self, stage: str) -> Iterator[None]:
        """Add the time the `with` block takes to `stage`, however the block ends."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started

    def observe(self) -> None:
        """Record each measured stage once in `dexter_turn_stage_seconds`."""
        for stage, seconds in self.seconds.items():
            metrics.TURN_STAGE_SECONDS.labels(stage=stage).observe(seconds)
