"""Serving an aiohttp app on a free loopback port: the fakes, and Dexter's own server in
tests and benchmarks."""

from __future__ import annotations

from typing import Any, Self

from aiohttp import web


async def serve_on_loopback(
    app: web.Application, **runner_options: Any
) -> tuple[web.AppRunner, int]:
    """Serve `app` on 127.0.0.1 at a port the system picks; returns the runner (its
    `cleanup()` stops the server) and the port. `runner_options` go to `web.AppRunner`."""
    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, runner.addresses[0][1]


class LoopbackFake:
    """A fake server used as `async with Fake() as fake:`, on a free loopback port.

    Subclasses build their routes in `make_app`. Requests still running at shutdown (a
    scripted hang) are dropped at once, so they never hold a test up.
    """

    port: int = 0
    _runner: web.AppRunner | None = None

    def make_app(self) -> web.Application:
        raise NotImplementedError

    async def start(self) -> None:
        self._runner, self.port = await serve_on_loopback(
            self.make_app(), handle_signals=False, shutdown_timeout=0.1, handler_cancellation=True
        )

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
