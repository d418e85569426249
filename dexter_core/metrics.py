"""Prometheus metrics of the whole process, served as text on `GET /metrics`.

Every metric is a plain module-level object on one registry of Dexter's own; any module
updates them directly, e.g. `metrics.TURNS.labels(platform="slack", outcome="answered").inc()`.
Label values must come from small fixed sets (never a session or user id), or the
exposition grows without bound.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import (
    PlatformCollector as _PlatformCollector,
)
from prometheus_client import (
    ProcessCollector as _ProcessCollector,
)

REGISTRY = CollectorRegistry(auto_describe=True)
_ProcessCollector(registry=REGISTRY)
_PlatformCollector(registry=REGISTRY)

# Turn stages run from a fraction of a millisecond (context load from memory) to minutes
# (a long agent run), so the buckets span that range.
_STAGE_BUCKETS = (0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320)

STAGES = ("queue_wait", "context_load", "llm", "tools", "post", "total")
"""The values of `TURN_STAGE_SECONDS`'s `stage` label."""

HTTP_REQUESTS = Counter(
    "dexter_http_requests",
    "HTTP requests answered, by route pattern, method and status code.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
"""Incremented once per HTTP response. `route` is the pattern ("/agent/query"), not the
raw path, and "unmatched" for paths no route serves."""

HTTP_REQUEST_SECONDS = Histogram(
    "dexter_http_request_seconds",
    "Time to answer an HTTP request (for /agent/query: until the stream ends).",
    ["route"],
    registry=REGISTRY,
    buckets=_STAGE_BUCKETS,
)
"""Observed once per HTTP response, labelled like `HTTP_REQUESTS`."""

TURNS = Counter(
    "dexter_turns",
    "Turns that ended, by platform and outcome.",
    ["platform", "outcome"],
    registry=REGISTRY,
)
"""Incremented once per turn when it ends. `outcome` is "answered", or the
`TurnFailed.reason` of a turn that ended without an answer ("timeout", "llm_unavailable",
...), or "refused" for a request the dispatcher did not accept."""

TURN_STAGE_SECONDS = Histogram(
    "dexter_turn_stage_seconds",
    "Seconds one turn spent in each stage.",
    ["stage"],
    registry=REGISTRY,
    buckets=_STAGE_BUCKETS,
)
"""Observed once per turn and stage it went through; `stage` is one of `STAGES`: waiting
in the session's queue, loading and selecting context, waiting on the LLM (all calls of
the turn), running tool steps, showing the answer (or failure), and the whole turn from
receipt until it is stored."""

LLM_TOKENS = Counter(
    "dexter_llm_tokens",
    "LLM tokens used, by kind (prompt or completion).",
    ["kind"],
    registry=REGISTRY,
)
"""Incremented by the usage the LLM reports for each call (answers and summaries);
`kind` is "prompt" or "completion"."""

TOOL_CALLS = Counter(
    "dexter_tool_calls",
    "Tool calls the agent made, by tool name.",
    ["tool"],
    registry=REGISTRY,
)
"""Incremented once per tool call that runs, whatever its result (a repeat of an earlier
call of the turn, or one with unusable arguments, does not run). A name the toolbox does
not know is counted as "unknown"."""

TOOL_ERRORS = Counter(
    "dexter_tool_errors",
    "Tool calls that failed, by tool name.",
    ["tool"],
    registry=REGISTRY,
)
"""Incremented once per tool call that ended in an error (the model saw the error)."""

ACTIVE_SESSIONS = Gauge(
    "dexter_active_sessions",
    "Sessions with a turn running or queued in this process.",
    registry=REGISTRY,
)
"""Raised when a session gets its first pending turn, lowered when its queue empties."""

DEDUPE_DROPS = Counter(
    "dexter_dedupe_drops",
    "Platform deliveries dropped as duplicates of an event already handled.",
    ["platform"],
    registry=REGISTRY,
)
"""Incremented once per duplicate delivery (a platform retry, or a second process)."""


def render_metrics() -> tuple[bytes, str]:
    """The Prometheus text exposition of every metric, and its Content-Type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
