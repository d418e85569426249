"""Cross-origin access for browsers, off unless `DEXTER_CORS_ORIGINS` lists origins.

Allowed origins get credentialed CORS (the session cookie and the Authorization header
work); preflight requests are answered before authentication, as browsers send them
without credentials.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from bots.http.keys import CORE

ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS"
ALLOWED_HEADERS = "Content-Type, Authorization, X-API-Key"
PREFLIGHT_MAX_AGE = "600"


def is_allowed_origin(origin: str, allowed: tuple[str, ...]) -> bool:
    """True when `origin` may call the API from a browser ("*" allows any)."""
    return bool(origin) and ("*" in allowed or origin in allowed)


@web.middleware
async def cors_preflight_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer a CORS preflight from an allowed origin; leave every other request alone."""
    origin = request.headers.get("Origin", "")
    if (
        request.method == "OPTIONS"
        and "Access-Control-Request-Method" in request.headers
        and is_allowed_origin(origin, request.app[CORE].settings.dexter_cors_origins)
    ):
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            },
        )
    return await handler(request)


async def add_cors_headers(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare` hook: runs before headers go out, streamed responses included."""
    origin = request.headers.get("Origin", "")
    if is_allowed_origin(origin, request.app[CORE].settings.dexter_cors_origins):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers.add("Vary", "Origin")
