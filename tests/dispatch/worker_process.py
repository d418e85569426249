"""One bot process for the multi-process dispatch tests.

It runs what `dexter run` would, minus the platforms: the real orchestrator against the
fake LLM, the Redis session store, the Redis dispatcher, and a `PostingRecorder` sink
factory for platform "test" that records what it "posted" in Redis. Platform deliveries
arrive on its own inbox list, so a test can deliver one event to several processes.

    python -m tests.dispatch.worker_process CONFIG_JSON

CONFIG_JSON holds `redis_url`, `prefix`, `llm_url`, `index`, `lease_ttl` and `settings`
(overrides of the agent's settings). Keys (under the prefix): `posts` what was posted,
`running` which pid opened each request's sink, `inbox:INDEX` deliveries to submit,
`submitted` the dispatcher's answer to each delivery, `ready` the pids of started
workers. SIGTERM stops it gracefully.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from typing import Any

from redis.asyncio import Redis

from dexter_core.dispatch.redis_streams import RedisDispatcher
from dexter_core.dispatch.requests import TurnRequest
from dexter_core.sessions.redis_store import RedisSessionStore
from tests.dispatch.agent_setup import agent_settings, make_agent
from tests.dispatch.recording import PostingRecorder


async def main(config: dict[str, Any]) -> None:
    redis_url, prefix, index = config["redis_url"], config["prefix"], config["index"]
    settings = agent_settings(
        config["llm_url"], redis_url=redis_url, dexter_redis_prefix=prefix, **config["settings"]
    )
    client = Redis.from_url(redis_url)
    store = RedisSessionStore(redis_url, prefix=prefix)
    orchestrator = make_agent(settings)
    dispatcher = RedisDispatcher(
        orchestrator=orchestrator, store=store, settings=settings, lease_ttl=config["lease_ttl"]
    )
    dispatcher.register_sink_factory("test", PostingRecorder(client, prefix))
    await dispatcher.start()
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    inbox = asyncio.create_task(_deliver(client, dispatcher, prefix, index))
    await client.rpush(f"{prefix}:ready", os.getpid())
    await stopping.wait()
    inbox.cancel()
    await dispatcher.stop(grace=settings.dexter_shutdown_grace)
    await orchestrator.aclose()
    await store.close()
    await client.aclose()


async def _deliver(client: Redis, dispatcher: RedisDispatcher, prefix: str, index: int) -> None:
    """Submit each delivery from this process's inbox, recording the dispatcher's answer."""
    while True:
        popped = await client.blpop([f"{prefix}:inbox:{index}"], timeout=1)
        if popped is None:
            continue
        request = TurnRequest.from_record(json.loads(popped[1]))
        result = await dispatcher.submit(request)
        await client.rpush(
            f"{prefix}:submitted",
            json.dumps({"event_id": request.event_id, "status": result.status.value}),
        )


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(main(json.loads(sys.argv[1])))
