"""A redis-server of a test's own, on its own port, that the test can stop and start again.

Its append-only file lives in a temporary directory, so its data outlives a restart;
the shared Redis is never touched. Tests that use it skip when redis-server is missing
(`needs_redis_server`).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tests.dispatch.processes import poll_until

needs_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs redis-server"
)


class PrivateRedis:
    """A redis-server on `port` keeping its data in `directory`."""

    def __init__(self, directory: Path, *, port: int) -> None:
        self._directory = directory
        self._port = port
        self._process: asyncio.subprocess.Process | None = None
        self.url = f"redis://127.0.0.1:{port}/0"

    async def start(self) -> None:
        """Start the server and return once it answers a ping (within 10 s)."""
        self._process = await asyncio.create_subprocess_exec(
            *[
                "redis-server",
                "--port",
                str(self._port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self._directory),
            ],
            stdout=asyncio.subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url)

        async def answers() -> bool:
            try:
                return bool(await client.ping())
            except RedisError:
                return False

        try:
            async with asyncio.timeout(10):
                await poll_until(answers)
        finally:
            await client.aclose()

    async def stop(self) -> None:
        """Stop the server as an operator would (SIGTERM: it flushes its append-only file)."""
        assert self._process is not None
        self._process.terminate()
        async with asyncio.timeout(10):
            await self._process.wait()
        self._process = None

    async def kill(self) -> None:
        """Kill the server if it runs; for a test's teardown."""
        if self._process is not None:
            self._process.kill()
            await self._process.wait()
