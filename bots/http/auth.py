"""The credential check in front of every `/agent/*` request."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from bots.http.auth_logic import AuthRefused, authenticate
from bots.http.errors import ApiError
from bots.http.keys import CORE, SUBJECT

PROTECTED_PREFIX = "/agent/"


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse `/agent/*` requests without valid credentials (401); note the caller's subject."""
    if request.path.startswith(PROTECTED_PREFIX):
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
