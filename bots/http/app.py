"""The aiohttp application: the session API, operator endpoints, and adapters' routes."""

from __future__ import annotations

from aiohttp import web

from bots.http.auth import auth_middleware
from bots.http.cors import add_cors_headers, cors_preflight_middleware
from bots.http.errors import error_middleware
from bots.http.keys import CORE, SIGNING_KEY
from bots.http.request_metrics import request_metrics_middleware
from bots.http.routes_agent import add_agent_routes
from bots.http.routes_ops import add_ops_routes
from bots.http.session_access_logic import signing_key
from dexter_core.core import Core


def create_app(core: Core, *, with_agent_api: bool = True) -> web.Application:
    """The web app over `core`. Without `with_agent_api` it serves only `/healthz`,
    `/readyz`, `/metrics` and whatever routes adapters add (e.g. Slack's `/slack/events`).

    Bodies over `DEXTER_MAX_BODY_BYTES` are refused with 413; every error is a JSON body.
    """
    settings = core.settings
    # Outermost first: metrics see the final status, errors become JSON before that, and
    # CORS preflights are answered before credentials are asked for.
    middlewares = [request_metrics_middleware, error_middleware]
    if settings.dexter_cors_origins:
        middlewares.append(cors_preflight_middleware)
    middlewares.append(auth_middleware)
    app = web.Application(client_max_size=settings.dexter_max_body_bytes, middlewares=middlewares)
    app[CORE] = core
    app[SIGNING_KEY] = signing_key(settings)
    add_ops_routes(app)
    if with_agent_api:
        add_agent_routes(app)
    if settings.dexter_cors_origins:
        app.on_response_prepare.append(add_cors_headers)
    app.on_response_prepare.append(_add_security_headers)
    return app


async def _add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
