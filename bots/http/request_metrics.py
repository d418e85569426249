"""Counting, timing and logging every HTTP request.

This is the server's access log too (aiohttp's own is off): one line per request with
the method, path and status, and the duration as a structured field. Probes of `/healthz`,
`/readyz` and `/metrics` log at DEBUG, as they come every few seconds.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from dexter_core import metrics

log = logging.getLogger(__name__)

UNMATCHED_ROUTE = "unmatched"
PROBE_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
# Clients may send any method token; other ones share a label so they cannot grow the set.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@web.middleware
async def request_metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count, time and log the response by route pattern and status (streams until they end)."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        seconds = time.perf_counter() - started
        route = route_label(request)
        method = request.method if request.method in _KNOWN_METHODS else "other"
        metrics.HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
        metrics.HTTP_REQUEST_SECONDS.labels(route=route).observe(seconds)
        log.log(
            logging.DEBUG if route in PROBE_ROUTES else logging.INFO,
            "%s %s %d",
            method,
            request.path,
            status,
            extra={"status": status, "duration_ms": round(seconds * 1000, 1)},
        )


def route_label(request: web.Request) -> str:
    """The route's pattern ("/agent/history"): raw paths would make labels unbounded."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED_ROUTE
