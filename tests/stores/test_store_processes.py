"""Several OS processes appending to one session at once lose and duplicate nothing."""

from __future__ import annotations

import asyncio
import multiprocessing
from pathlib import Path

import pytest

from tests.stores.backends import append_as_worker, build_store

SID = "slack:T1:C1:1700000000.000100"
PROCESSES = 4
TURNS_EACH = 30


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "redis"])
async def test_processes_appending_at_once_lose_nothing(
    kind: str, tmp_path: Path, redis_url: str, redis_prefix: str
):
    options = {"ttl": 3600, "tmp_path": tmp_path, "redis_url": redis_url, "prefix": redis_prefix}
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(PROCESSES)
    workers = [
        spawn.Process(target=append_as_worker, args=(kind, options, SID, worker, TURNS_EACH, start))
        for worker in range(PROCESSES)
    ]
    for process in workers:
        process.start()
    for process in workers:
        await asyncio.to_thread(process.join, 60)
    assert [p.exitcode for p in workers] == [0] * PROCESSES

    store = build_store(kind, **options)
    turns = await store.get_turns(SID)
    meta = await store.get_metadata(SID)
    await store.close()

    queries = [t.query for t in turns]
    assert len(queries) == len(set(queries)) == PROCESSES * TURNS_EACH
    assert meta is not None and meta.turn_count == PROCESSES * TURNS_EACH
    for worker in range(PROCESSES):
        own = [q for q in queries if q.startswith(f"w{worker}-")]
        assert own == [f"w{worker}-{n}" for n in range(TURNS_EACH)]
