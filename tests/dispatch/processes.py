"""Starting and stopping `worker_process` bot processes for the multi-process tests."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

_ROOT = Path(__file__).resolve().parents[2]


async def poll_until(predicate: Callable[[], Awaitable[bool]], *, interval: float = 0.05) -> None:
    """Return once `predicate()` is true; bound it with `asyncio.timeout` at the call site."""
    # What is awaited lives in other processes (Redis, workers): nothing here can signal it.
    while not await predicate():  # noqa: ASYNC110
        await asyncio.sleep(interval)


class WorkerPool:
    """Bot processes on one Redis prefix and fake LLM; every one is killed at `close`."""

    def __init__(
        self,
        *,
        redis_url: str,
        prefix: str,
        llm_url: str,
        lease_ttl: float,
        settings: dict[str, Any] | None = None,
    ) -> None:
        self._config = {
            "redis_url": redis_url,
            "prefix": prefix,
            "llm_url": llm_url,
            "lease_ttl": lease_ttl,
            "settings": settings or {},
        }
        self._client = Redis.from_url(redis_url)
        self._prefix = prefix
        self.processes: dict[int, asyncio.subprocess.Process] = {}
        self._started = 0

    async def start(self, count: int) -> list[int]:
        """Start `count` workers (inbox indexes follow on from earlier ones); return
        their pids once each says it is ready."""
        ready_before = await self._client.llen(f"{self._prefix}:ready")
        started = []
        for _ in range(count):
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.dispatch.worker_process",
                json.dumps({**self._config, "index": self._started}),
                cwd=_ROOT,
                env={**os.environ, "HF_HUB_OFFLINE": "1"},
            )
            self.processes[process.pid] = process
            started.append(process.pid)
            self._started += 1

        async def all_ready() -> bool:
            return await self._client.llen(f"{self._prefix}:ready") >= ready_before + count

        async with asyncio.timeout(30):
            await poll_until(all_ready)
        return started

    async def kill(self, pid: int) -> None:
        """kill -9: no cleanup of any kind."""
        process = self.processes.pop(pid)
        os.kill(pid, signal.SIGKILL)
        await process.wait()

    async def terminate(self, pid: int) -> int:
        """SIGTERM and wait for the graceful exit; return the exit code."""
        process = self.processes.pop(pid)
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(20):
            return await process.wait()

    async def close(self) -> None:
        for process in self.processes.values():
            process.kill()
            await process.wait()
        self.processes.clear()
        await self._client.aclose()
