"""The credential check in front of every request but `/healthz` and adapters' own routes."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from bots.http.auth_logic import AuthRefused, authenticate
from bots.http.errors import ApiError
from bots.http.keys import CORE, SUBJECT

PROTECTED_PREFIX = "/agent/"
# Readiness reasons and metrics describe the deployment, so they need credentials too;
# only liveness is public (DESIGN: "/healthz needs no credentials").
PROTECTED_PATHS = frozenset({"/readyz", "/metrics"})


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse `/agent/*`, `/readyz` and `/metrics` requests without valid credentials (401)
    when credentials are configured; note the caller's subject."""
    if request.path.startswith(PROTECTED_PREFIX) or request.path in PROTECTED_PATHS:
        try:
            request[SUBJECT] = authenticate(
                request.app[CORE].settings,
                authorization=request.headers.get("Authorization", ""),
                api_key=request.headers.get("X-API-Key", ""),
            )
        except AuthRefused as exc:
            raise ApiError(
                401, "unauthorized", str(exc), headers={"WWW-Authenticate": "Bearer"}
            ) from None
    return await handler(request)
