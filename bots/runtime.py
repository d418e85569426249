"""Running Dexter's services in one process until SIGINT/SIGTERM, then stopping cleanly.

One `Core` is shared by the HTTP server and every adapter started. On a signal: adapters
stop taking events, the server stops accepting connections, turns in flight get
`DEXTER_SHUTDOWN_GRACE` seconds to finish (their streams with them), then the store closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from aiohttp import web

from bots.adapter import Adapter, AdapterSpec
from bots.http.app import create_app
from bots.http.auth_logic import public_bind_refusal
from bots.run_logic import (
    ServiceState,
    StartupFailed,
    describe_access,
    http_url,
    startup_summary,
)
from dexter_core.bootstrap import build_core, close_core
from dexter_core.core import Core
from dexter_core.errors import InvalidInputError
from dexter_core.redaction import redact, secrets_of
from dexter_core.settings import Settings

log = logging.getLogger(__name__)


async def run_services(
    settings: Settings,
    *,
    serve_api: bool,
    specs: Sequence[AdapterSpec],
    off: Sequence[ServiceState] = (),
    stop: asyncio.Event | None = None,
    out: TextIO | None = None,
) -> None:
    """Start the adapters in `specs` (and the session API with `serve_api`), print the
    summary to `out` (stdout), and run until `stop` is set or a SIGINT/SIGTERM arrives.

    The web server also runs without `serve_api` when an adapter added routes to it (Slack
    in HTTP mode). `off` lists services left off, for the summary. Raises
    `InvalidInputError` when the server would listen publicly without credentials, and
    `StartupFailed` when nothing could be started.
    """
    stop = stop or asyncio.Event()
    out = out or sys.stdout
    # Only the session API needs credentials to be public; adapters' routes (Slack's
    # signed events) and the probes are safe on any interface.
    if serve_api and (refusal := public_bind_refusal(settings)):
        raise InvalidInputError(refusal)
    with _stop_on_signals(stop):
        await _run(settings, serve_api=serve_api, specs=specs, off=off, stop=stop, out=out)


async def _run(
    settings: Settings,
    *,
    serve_api: bool,
    specs: Sequence[AdapterSpec],
    off: Sequence[ServiceState],
    stop: asyncio.Event,
    out: TextIO,
) -> None:
    core = await build_core(settings, start=False)
    adapters: list[Adapter] = []
    runner: web.AppRunner | None = None
    try:
        app = create_app(core, with_agent_api=serve_api)
        routes_before = len(app.router.routes())
        created = [(spec, spec.create(core, app)) for spec in specs]
        serves_http = serve_api or len(app.router.routes()) > routes_before
        await core.dispatcher.start()
        states: list[ServiceState] = []
        if serves_http:
            runner, url = await _start_http(app, settings)
            served = describe_access(settings) if serve_api else "adapter routes and probes only"
            states.append(ServiceState(name="http", is_on=True, detail=f"{url} ({served})"))
        for spec, adapter in created:
            try:
                await adapter.start()
            except Exception as exc:
                log.exception("adapter %s failed to start", spec.name)
                # The summary goes to stdout, past the log's redaction: mask it here.
                reason = redact(f"failed: {exc}", secrets_of(settings))
                states.append(ServiceState(name=spec.name, is_on=False, detail=reason))
            else:
                adapters.append(adapter)
                states.append(ServiceState(name=spec.name, is_on=True, detail="connected"))
        if runner is None and not adapters:
            raise StartupFailed("nothing to run: " + _reasons(states + list(off)))
        print(
            startup_summary([*states, *off], store_name=core.store.name, settings=settings),
            file=out,
            flush=True,
        )
        await stop.wait()
        log.info("shutting down; in-flight turns get %.0f s", settings.dexter_shutdown_grace)
    finally:
        await _shut_down(core, adapters, runner, grace=settings.dexter_shutdown_grace)


async def _start_http(app: web.Application, settings: Settings) -> tuple[web.AppRunner, str]:
    # Handlers still streaming at shutdown get the same grace as the turns they stream.
    # access_log=None: the request middleware logs each request in Dexter's own format.
    runner = web.AppRunner(
        app,
        handle_signals=False,
        access_log=None,
        shutdown_timeout=settings.dexter_shutdown_grace,
    )
    await runner.setup()
    site = web.TCPSite(runner, settings.dexter_host, settings.dexter_port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise StartupFailed(
            f"cannot listen on {http_url(settings.dexter_host, settings.dexter_port)}: "
            f"{exc.strerror or exc}"
        ) from None
    port = runner.addresses[0][1]
    return runner, http_url(settings.dexter_host, port)


async def _shut_down(
    core: Core, adapters: list[Adapter], runner: web.AppRunner | None, *, grace: float
) -> None:
    for adapter in adapters:
        try:
            await adapter.stop()
        except Exception:
            log.exception("adapter %s did not stop cleanly", adapter.name)
    # The server stops listening and waits for open streams while the core finishes the
    # turns those streams are showing.
    closing = [close_core(core, grace=grace)]
    if runner is not None:
        closing.append(runner.cleanup())
    await asyncio.gather(*closing)


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Set `stop` on SIGINT/SIGTERM while inside; later signals during shutdown do nothing
    more, so the grace period is not cut short by an impatient second Ctrl-C."""
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def _reasons(states: Sequence[ServiceState]) -> str:
    return "; ".join(f"{s.name}: {s.detail}" for s in states) or "no service is configured"
