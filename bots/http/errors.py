"""JSON error bodies: every refusal or failure of the HTTP server has the same shape.

`{"error": "<code>", "message": "<one sentence for people>"}` with a 4xx or 5xx status.
Handlers raise `ApiError`; the middleware here turns it, aiohttp's own HTTP errors (404,
405, 413, ...) and anything unexpected into that shape, so no traceback ever reaches a
client.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from dexter_core.errors import InvalidInputError, StoreUnavailableError

log = logging.getLogger(__name__)

# aiohttp's own errors by status, named for clients.
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


class ApiError(Exception):
    """A refusal to send as a JSON error body."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None
) -> web.Response:
    """The JSON error body every refusal uses."""
    body: dict[str, Any] = {"error": code, "message": message}
    return web.json_response(body, status=status, headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every exception a handler raises into a JSON error response."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, headers=exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _from_http_exception(exc)
    except InvalidInputError as exc:
        return error_response(400, "bad_request", str(exc))
    except StoreUnavailableError as exc:
        log.warning("%s %s: %s", request.method, request.path, exc)
        return error_response(
            503, "store_unavailable", "Conversation history is unavailable right now."
        )
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal", "Something went wrong on our side.")


def _from_http_exception(exc: web.HTTPException) -> web.Response:
    headers = {name: exc.headers[name] for name in ("Allow", "Retry-After") if name in exc.headers}
    if exc.status == 413:
        message = "The request body is too large."
    elif exc.status == 405:
        message = f"Method not allowed here; use {headers.get('Allow', 'another method')}."
    elif exc.status == 404:
        message = "No such endpoint."
    else:
        message = exc.reason
    return error_response(
        exc.status, _CODES.get(exc.status, "http_error"), message, headers=headers
    )
