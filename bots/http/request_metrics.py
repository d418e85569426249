"""Counting and timing every HTTP request for `/metrics`."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from dexter_core import metrics

UNMATCHED_ROUTE = "unmatched"
# Clients may send any method token; other ones share a label so they cannot grow the set.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@web.middleware
async def request_metrics_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Count the response by route pattern and status, and time it (streams until they end)."""
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
        route = route_label(request)
        method = request.method if request.method in _KNOWN_METHODS else "other"
        metrics.HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
        metrics.HTTP_REQUEST_SECONDS.labels(route=route).observe(time.perf_counter() - started)


def route_label(request: web.Request) -> str:
    """The route's pattern ("/agent/history"): raw paths would make labels unbounded."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED_ROUTE
