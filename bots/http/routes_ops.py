"""Endpoints for operators: liveness, readiness and Prometheus metrics (no credentials)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bots.http.keys import CORE
from dexter_core.dispatch.resilient_store import ResilientStore
from dexter_core.metrics import render_metrics

log = logging.getLogger(__name__)

STORE_PING_TIMEOUT = 2.0


def add_ops_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_endpoint)


async def healthz(request: web.Request) -> web.Response:
    """200 while the process serves requests; checks nothing else."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """200 when the store answers (and holds no turns still to write back) and an LLM is
    configured; else 503 with the reasons."""
    core = request.app[CORE]
    reasons: list[str] = []
    try:
        await asyncio.wait_for(core.store.ping(), STORE_PING_TIMEOUT)
    except Exception as exc:  # any failure means "not ready"; the log has the details
        # No traceback: probes repeat every few seconds while the store is down.
        log.warning("not ready: session store ping failed: %s", exc)
        reasons.append(f"session store ({core.store.name}) is unreachable: {type(exc).__name__}")
    else:
        if isinstance(core.store, ResilientStore) and core.store.is_degraded:
            reasons.append(
                f"session store ({core.store.name}) is catching up after an outage: "
                f"{core.store.waiting_turns} answered turns not yet written back"
            )
    if not core.settings.llm_configured:
        reasons.append("no LLM is configured: set OPENAI_API_KEY or OPENAI_BASE_URL")
    if reasons:
        return web.json_response({"status": "unready", "reasons": reasons}, status=503)
    return web.json_response({"status": "ready", "store": core.store.name})


async def metrics_endpoint(request: web.Request) -> web.Response:
    """The Prometheus text exposition."""
    body, content_type = render_metrics()
    return web.Response(body=body, headers={"Content-Type": content_type})
