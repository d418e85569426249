"""`RedisDispatcher`: one turn pipeline shared by every process on the same Redis.

Design. An accepted request is appended, in one Lua step, to a stream read by a consumer
group (`P:requests:<platform>`, or `P:relayed` for a request with a sink of its own) and
a reference to that entry to the session's list `P:queue:<session>`: the list is the
session's order, the pending stream entry its durable ticket. A worker that reads an
entry tries to take the session's lease `P:lease:<session>` (set-if-absent with an
expiry, its value a fencing token from `P:fence:<session>`); the holder runs the
session's requests from the head of the list one at a time, renewing the lease while a
turn runs, and only once the answer is posted and the turn stored pops the request and
XACKs (and deletes) its entry, in one script that checks the token. A worker that cannot
take the lease leaves its entry pending: the holder reaches that request in list order,
and gives the lease up only when the list is empty (checked in the same script), so no
request is stranded and one session's turns never run side by side or out of order,
whichever process received them. A process reads only the streams of the platforms it
has a sink factory for (and the relayed one), so an answer is always run where it can be
shown.

Crash recovery. A process that dies leaves its entries pending and its lease to expire.
Every process XAUTOCLAIMs entries idle for longer than the lease and tries their
sessions again, so an interrupted request, still at the head of its list, runs again.
Its post ledger `P:ledger:<request>` (shared by every process) lets the platform sink
skip what it already posted. Once the answer has gone out, the id of its turn is noted
in `P:answered:<session>`: when a re-run finds that turn already in the store, the
stored answer is shown again instead of asking the agent twice.

Local sinks. A request submitted with a sink of its own (an HTTP client's stream) runs
wherever its session's lease is, like any other; its events come back to the submitting
process through a per-request Redis stream (`dispatch.relay`).

Redis down. Submissions fall back to the in-process `EmbeddedDispatcher`, as does every
later request of a session that still has turns there, so adapters keep answering; the
resilient store keeps those turns in memory until Redis is back. Requests already in
Redis wait for it.

The scripts touch the streams and a session's keys together, so this dispatcher needs a
single Redis node (or a Redis Cluster proxy that keeps those keys together).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import uuid
from typing import TYPE_CHECKING, Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError, ResponseError

from dexter_core import metrics
from dexter_core.agent.events import Event, FinalAnswer, TurnEnded
from dexter_core.dispatch import admission_logic, failure_logic
from dexter_core.dispatch.admission import check_admission, record_refusal
from dexter_core.dispatch.backoff import MAX_DELAY, Backoff
from dexter_core.dispatch.embedded import EmbeddedDispatcher
from dexter_core.dispatch.post_ledgers import RedisPostLedger
from dexter_core.dispatch.rate_limiters import RedisRateLimiter
from dexter_core.dispatch.relay import RelaySink, forward_relayed
from dexter_core.dispatch.requests import SinkFactory, SubmitResult, TurnRequest, TurnSink
from dexter_core.dispatch.resilient_store import ResilientStore
from dexter_core.dispatch.turn_runner import GuardedSink, TurnRunner
from dexter_core.errors import StoreUnavailableError

if TYPE_CHECKING:
    from dexter_core.agent.orchestrator import Orchestrator
    from dexter_core.sessions.store import SessionStore
    from dexter_core.settings import Settings

logger = logging.getLogger(__name__)

GROUP = "workers"
DEFAULT_LEASE_TTL = 30.0
# How far back a re-run looks for the turn it may already have stored.
_RECENT_TURNS = 20
_READ_BLOCK_MS = 1000
_CONNECTION_WAIT = 10.0
# Queues, fences and answered marks of a session outlive any turn, then clean themselves.
_SESSION_KEY_TTL_MS = 24 * 3600 * 1000

# A session's queue holds "<tag>|<entry id>": tag `a` for an entry of the shared stream of
# relayed requests, `p` for one of the stream of the session's platform.
_ANY, _PLATFORM = "a", "p"

# KEYS: stream, queue. ARGV: request JSON, request id, the stream's tag, queue limit,
# queue TTL (ms). Returns the entry id, or false when the session's queue is full.
_PUSH = """
local limit = tonumber(ARGV[4])
if limit > 0 and redis.call('LLEN', KEYS[2]) >= limit then return false end
local id = redis.call('XADD', KEYS[1], '*', 'request', ARGV[1], 'rid', ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[3] .. '|' .. id)
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return id
"""

# What `_TAKE` and `_STEP` return: {_HEAD, token, queue item, entry fields, answered
# turn id or nil}, {_RELEASED} when the queue is empty (the lease is dropped in the same
# step), or {_REFUSED} when another holder has the session.
_REFUSED, _RELEASED, _HEAD = 0, 1, 2
_HEAD_OF_QUEUE = """
local function entry_of(item, any_stream, platform_stream)
  local tag, id = string.match(item, '^(%a)|(.+)$')
  if tag == 'a' then return any_stream, id end
  return platform_stream, id
end

local function head(lease, queue, any_stream, platform_stream, answered, token, lease_ttl)
  local item = redis.call('LINDEX', queue, 0)
  while item do
    local stream, id = entry_of(item, any_stream, platform_stream)
    local entries = redis.call('XRANGE', stream, id, id)
    if #entries > 0 then
      redis.call('SET', lease, token, 'PX', lease_ttl)
      local fields, rid = entries[1][2], ''
      for i = 1, #fields, 2 do
        if fields[i] == 'rid' then rid = fields[i + 1] end
      end
      return {2, token, item, fields, redis.call('HGET', answered, rid)}
    end
    redis.call('LPOP', queue)  -- an entry that is gone cannot be answered
    item = redis.call('LINDEX', queue, 0)
  end
  redis.call('DEL', lease)
  return {1}
end
"""

# KEYS: lease, fence, queue, relayed stream, platform stream, answered. ARGV: lease TTL
# (ms), fence TTL (ms). Takes a free lease with a new fencing token and returns the head.
_TAKE = (
    _HEAD_OF_QUEUE
    + """
if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
local token = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return head(KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6], token, ARGV[1])
"""
)

# KEYS: lease, queue, relayed stream, platform stream, answered. ARGV: token, finished
# queue item, its request id, group, lease TTL (ms). Pops the finished request and
# acknowledges (and deletes) its entry, then returns the next head, all unless another
# holder has taken the session. A lease that lapsed while Redis was away is taken back.
_STEP = (
    _HEAD_OF_QUEUE
    + """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return {0} end
if redis.call('LINDEX', KEYS[2], 0) == ARGV[2] then redis.call('LPOP', KEYS[2]) end
local stream, id = entry_of(ARGV[2], KEYS[3], KEYS[4])
redis.call('XACK', stream, ARGV[4], id)
redis.call('XDEL', stream, id)
redis.call('HDEL', KEYS[5], ARGV[3])
return head(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1], ARGV[5])
"""
)

# KEYS: lease. ARGV: token, lease TTL (ms). Returns 1 while the lease is ours.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

# KEYS: lease. ARGV: token. Gives the lease up if it is still ours.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class _AnswerMarkingSink:
    """Forwards events; once the answer has gone out, records which turn it was in the
    session's `answered` hash, so a re-run after a crash can find that turn stored."""

    def __init__(self, sink: GuardedSink, client: Redis, key: str, request_id: str) -> None:
        self._sink = sink
        self._client = client
        self._key = key
        self._request_id = request_id

    async def send(self, event: Event) -> None:
        await self._sink.send(event)
        if isinstance(event, FinalAnswer):
            try:
                async with self._client.pipeline(transaction=True) as pipe:
                    pipe.hset(self._key, self._request_id, event.turn_id or "unknown")
                    pipe.pexpire(self._key, _SESSION_KEY_TTL_MS)
                    await pipe.execute()
            except RedisError as error:
                logger.warning("could not mark a turn answered: %s", error)


class RedisDispatcher:
    """A `Dispatcher` whose queue lives in Redis and whose workers run in every process.

    `lease_ttl` is how long a session stays locked to a process that stopped renewing
    it: the time before another process takes over after a crash. `consumers` is how
    many sessions this process serves at once (default `DEXTER_MAX_CONCURRENCY`); 0
    makes a process that only submits and leaves the answering to others.
    """

    def __init__(
        self,
        *,
        orchestrator: Orchestrator,
        store: SessionStore,
        settings: Settings,
        client: Redis | None = None,
        lease_ttl: float = DEFAULT_LEASE_TTL,
        consumers: int | None = None,
    ) -> None:
        # Turns keep being answered, and stored in order, through a Redis outage.
        self._owns_resilience = not isinstance(store, ResilientStore)
        self._store = store if isinstance(store, ResilientStore) else ResilientStore(store)
        self._settings = settings
        self._consumer_count = (
            max(1, settings.dexter_max_concurrency) if consumers is None else consumers
        )
        self._owns_client = client is None
        # A burst of submissions waits for a free connection rather than failing.
        self._client = client or Redis(
            connection_pool=BlockingConnectionPool.from_url(
                settings.redis_url,
                max_connections=2 * self._consumer_count + 64,
                timeout=_CONNECTION_WAIT,
                socket_timeout=5,
                socket_connect_timeout=2,
            )
        )
        self._lease_ttl_ms = int(lease_ttl * 1000)
        self._prefix = f"{settings.dexter_redis_prefix}:dispatch"
        # Relayed requests run anywhere; the others only where their platform renders.
        self._relayed_stream = f"{self._prefix}:relayed"
        self._grouped: set[str] = set()
        self._consumer = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._runner = TurnRunner(orchestrator=orchestrator, store=self._store, settings=settings)
        self._fallback = EmbeddedDispatcher(
            orchestrator=orchestrator, store=self._store, settings=settings
        )
        self._rate_limiter = RedisRateLimiter(
            self._client, prefix=f"{self._prefix}:rate", limit=settings.dexter_user_rate_limit
        )
        self._slots = asyncio.Semaphore(max(1, self._consumer_count))
        self._push = self._client.register_script(_PUSH)
        self._take = self._client.register_script(_TAKE)
        self._step_script = self._client.register_script(_STEP)
        self._renew = self._client.register_script(_RENEW)
        self._release = self._client.register_script(_RELEASE)
        self._consumers: list[asyncio.Task[None]] = []
        self._reclaimer: asyncio.Task[None] | None = None
        self._sessions: set[asyncio.Task[None]] = set()
        self._relays: dict[str, tuple[asyncio.Task[None], GuardedSink]] = {}
        self._is_accepting = True
        self._is_stopping = False
        self._is_redis_up = True
        # While Redis is away, submissions try it again at most this often.
        self._next_redis_try = 0.0

    # -- Dispatcher --------------------------------------------------------------------

    def register_sink_factory(self, platform: str, factory: SinkFactory) -> None:
        self._runner.register_sink_factory(platform, factory)
        self._fallback.register_sink_factory(platform, factory)

    async def start(self) -> None:
        """Create the consumer groups if needed and start this process's workers.

        Starts even when Redis is unreachable: requests run in-process until it is back.
        """
        try:
            await self._ensure_groups()
        except RedisError as error:
            self._set_redis_up(False, error)
        self._is_accepting, self._is_stopping = True, False
        await self._fallback.start()
        self._consumers = [
            asyncio.create_task(self._consume(), name=f"dexter-consumer-{i}")
            for i in range(self._consumer_count)
        ]
        if self._consumer_count:
            self._reclaimer = asyncio.create_task(self._reclaim(), name="dexter-reclaim")

    async def submit(self, request: TurnRequest, *, sink: TurnSink | None = None) -> SubmitResult:
        """Queue `request` in Redis (or in this process while Redis is away); return at once.

        Raises `InvalidInputError` when there is no sink and no factory for the platform.
        """
        self._runner.check_deliverable(request, has_sink=sink is not None)
        refusal = await check_admission(
            request,
            is_accepting=self._is_accepting,
            store=self._store,
            rate_limiter=self._rate_limiter,
            rate_limit=self._settings.dexter_user_rate_limit,
        )
        if refusal is not None:
            return refusal
        if not self._should_try_redis() or self._fallback.unfinished(request.session_id):
            return self._fallback.enqueue(request, sink=sink)
        is_relayed = sink is not None
        try:
            entry_id = await self._push(
                keys=[
                    self._relayed_stream if is_relayed else self._platform_stream(request.platform),
                    self._queue_key(request.session_id),
                ],
                args=[
                    json.dumps(request.to_record()),
                    request.request_id,
                    _ANY if is_relayed else _PLATFORM,
                    self._settings.dexter_session_queue_limit,
                    _SESSION_KEY_TTL_MS,
                ],
            )
        except RedisError as error:
            # A push that timed out may have landed too; then the request is answered
            # twice (here and from Redis) rather than not at all.
            self._set_redis_up(False, error)
            return self._fallback.enqueue(request, sink=sink)
        self._set_redis_up(True)
        if entry_id is None:
            return record_refusal(request, admission_logic.SESSION_BUSY)
        if sink is not None:
            self._start_relay(request, sink)
        return admission_logic.ACCEPTED

    async def stop(self, *, grace: float) -> None:
        """Take no new requests; finish running turns within `grace` seconds.

        Requests not started by then stay in Redis for another process (or this one
        after a restart); turns cut off at the deadline are re-run there too.
        """
        self._is_accepting, self._is_stopping = False, True
        deadline = time.monotonic() + grace
        if self._reclaimer is not None:
            self._reclaimer.cancel()
        relays = list(self._relays.values())
        busy = [*self._consumers, *self._sessions, *(task for task, _ in relays)]
        if busy:
            _, late = await asyncio.wait(busy, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            for task, sink in relays:
                if task in late:
                    await sink.send(failure_logic.HANDED_OVER)
        await self._fallback.stop(grace=max(0.0, deadline - time.monotonic()))
        if self._owns_resilience:
            await self._store.flush()  # the store itself is closed by whoever made it
        if self._owns_client:
            await self._client.aclose(close_connection_pool=True)

    @property
    def is_redis_up(self) -> bool:
        """False while Redis is unreachable and requests run in this process only."""
        return self._is_redis_up

    # -- workers ---------------------------------------------------------------------

    async def _consume(self) -> None:
        """Read new entries of the streams this process can serve and serve their
        sessions, one session at a time."""
        backoff = Backoff()
        while not self._is_stopping:
            try:
                await self._ensure_groups()
                batches = await self._client.xreadgroup(
                    GROUP,
                    self._consumer,
                    dict.fromkeys(self._streams(), ">"),
                    count=1,
                    block=_READ_BLOCK_MS,
                )
            except ResponseError as error:
                self._lost_groups(error)
                await backoff.wait()
                continue
            except RedisError as error:
                self._set_redis_up(False, error)
                await backoff.wait()
                continue
            backoff.reset()
            self._set_redis_up(True)
            for _, entries in batches:
                for _, fields in entries:
                    request = _request_of(fields)
                    if request is not None and not self._is_stopping:
                        await self._serve_guarded(request)

    async def _serve_guarded(self, request: TurnRequest) -> None:
        """`_serve` the request's session, logging instead of raising: a worker outlives
        any one session."""
        try:
            await self._serve(request.session_id, request.platform)
        except Exception:
            logger.exception("serving a session failed", extra={"session_id": request.session_id})

    async def _reclaim(self) -> None:
        """Take over entries left pending by a process that died (or stalled) and serve
        their sessions in background tasks."""
        cursors: dict[str, bytes | str] = {}  # each walks its whole pending list over rounds
        while not self._is_stopping:
            await asyncio.sleep(self._lease_ttl_ms / 2000)
            for stream in self._streams():
                try:
                    await self._ensure_groups()
                    cursors[stream], claimed, *_ = await self._client.xautoclaim(
                        stream,
                        GROUP,
                        self._consumer,
                        min_idle_time=self._lease_ttl_ms,
                        start_id=cursors.get(stream, "0-0"),
                        count=100,
                    )
                except ResponseError as error:
                    self._lost_groups(error)
                    break
                except RedisError as error:
                    self._set_redis_up(False, error)
                    break
                requests = [_request_of(fields) for _, fields in claimed if fields]
                sessions = {(r.session_id, r.platform): r for r in requests if r is not None}
                for request in sessions.values():
                    task = asyncio.create_task(self._serve_guarded(request))
                    self._sessions.add(task)
                    task.add_done_callback(self._sessions.discard)

    async def _serve(self, session_id: str, platform: str) -> None:
        """If the session's lease is free, take it and run the session's queue in order."""
        lease, queue, answered = self._session_keys(session_id)
        async with self._slots:
            try:
                step = await self._take(
                    keys=[
                        lease,
                        f"{self._prefix}:fence:{session_id}",
                        queue,
                        self._relayed_stream,
                        self._platform_stream(platform),
                        answered,
                    ],
                    args=[self._lease_ttl_ms, _SESSION_KEY_TTL_MS],
                )
            except RedisError as error:
                self._set_redis_up(False, error)
                return
            if step[0] != _HEAD:
                return  # the holder will reach our request in list order
            token = step[1]
            renewal = asyncio.create_task(self._keep_lease(lease, token))
            metrics.ACTIVE_SESSIONS.inc()
            try:
                while step[0] == _HEAD and not self._is_stopping:
                    _, _, item, raw_fields, answered_turn = step
                    fields = dict(zip(raw_fields[::2], raw_fields[1::2], strict=True))
                    request = TurnRequest.from_record(json.loads(fields[b"request"]))
                    is_relayed = item.startswith(_ANY.encode())
                    if not is_relayed and request.platform not in self._runner.platforms:
                        # A session mixing platforms: leave this one to a process that
                        # renders it (its entry stays pending and is reclaimed there).
                        await self._give_back(lease, token)
                        return
                    await self._run(
                        request,
                        is_relayed=is_relayed,
                        answered_turn=answered_turn.decode() if answered_turn else "",
                    )
                    step = await self._step(session_id, platform, token, item, request.request_id)
                if step[0] == _REFUSED:
                    logger.warning(
                        "lost the session lease while answering; another process re-runs it",
                        extra={"session_id": session_id},
                    )
            except RedisError as error:
                # The lease expires by itself; our pending entries will be reclaimed.
                self._set_redis_up(False, error)
            finally:
                renewal.cancel()
                metrics.ACTIVE_SESSIONS.dec()
                if self._is_stopping:
                    await self._give_back(lease, token)

    async def _run(self, request: TurnRequest, *, is_relayed: bool, answered_turn: str) -> None:
        """Run one request; when a crashed run already answered it and stored the turn,
        show that stored answer instead of asking again."""
        ledger = RedisPostLedger(self._client, f"{self._prefix}:ledger:{request.request_id}")
        relay = RelaySink(self._client, self._relay_key(request)) if is_relayed else None
        sink = await self._runner.open_sink(request, ledger=ledger, sink=relay)
        if answered_turn:
            stored = await self._stored_answer(request.session_id, answered_turn)
            if stored is not None:
                await sink.send(stored)
                await sink.send(TurnEnded())
                return
        _, _, answered = self._session_keys(request.session_id)
        await self._runner.run(
            request, _AnswerMarkingSink(sink, self._client, answered, request.request_id)
        )

    async def _stored_answer(self, session_id: str, turn_id: str) -> FinalAnswer | None:
        try:
            turns = await self._store.get_turns(session_id, limit=_RECENT_TURNS)
        except StoreUnavailableError:
            return None  # cannot tell: answer again rather than not at all
        for turn in turns:
            if turn.turn_id == turn_id:
                return FinalAnswer(text=turn.answer, turn_id=turn.turn_id, usage=turn.usage)
        return None

    async def _step(
        self, session_id: str, platform: str, token: int, item: bytes, request_id: str
    ) -> list[Any]:
        """Pop and acknowledge a finished request and return the next (see `_STEP`),
        retrying through a Redis outage until shutdown."""
        lease, queue, answered = self._session_keys(session_id)
        backoff = Backoff()
        while True:
            try:
                return await self._step_script(
                    keys=[
                        lease,
                        queue,
                        self._relayed_stream,
                        self._platform_stream(platform),
                        answered,
                    ],
                    args=[token, item, request_id, GROUP, self._lease_ttl_ms],
                )
            except RedisError as error:
                self._set_redis_up(False, error)
                if self._is_stopping:
                    raise
                await backoff.wait()

    async def _keep_lease(self, lease: str, token: int) -> None:
        interval = self._lease_ttl_ms / 3000
        while True:
            await asyncio.sleep(interval)
            try:
                if not await self._renew(keys=[lease], args=[token, self._lease_ttl_ms]):
                    return  # released by the drain, or taken over (which the drain reports)
            except RedisError as error:
                logger.warning("could not renew a session lease: %s", error)

    async def _give_back(self, lease: str, token: int) -> None:
        """Release a lease at shutdown so another process can take the session at once."""
        try:
            await self._release(keys=[lease], args=[token])
        except RedisError as error:
            logger.warning("could not release a session lease; it will expire: %s", error)

    # -- local sinks -------------------------------------------------------------------

    def _start_relay(self, request: TurnRequest, sink: TurnSink) -> None:
        guarded = GuardedSink(sink, request=request)
        task = asyncio.create_task(forward_relayed(self._client, self._relay_key(request), guarded))
        self._relays[request.request_id] = (task, guarded)
        task.add_done_callback(lambda _: self._relays.pop(request.request_id, None))

    # -- Redis housekeeping --------------------------------------------------------------

    def _streams(self) -> list[str]:
        """The streams this process takes requests from: relayed ones, and those of
        every platform it has a sink factory for."""
        return [self._relayed_stream, *map(self._platform_stream, sorted(self._runner.platforms))]

    def _lost_groups(self, error: ResponseError) -> None:
        """After Redis refused a stream command: when it lost its data (restarted without
        persistence) the groups are created again on the next read."""
        if "NOGROUP" in str(error):
            logger.warning("a request stream vanished, recreating it: %s", error)
            self._grouped.clear()
        else:
            logger.error("a request stream command failed: %s", error)

    async def _ensure_groups(self) -> None:
        """Create the consumer group of each stream this process reads, once."""
        for stream in self._streams():
            if stream in self._grouped:
                continue
            try:
                await self._client.xgroup_create(stream, GROUP, id="0", mkstream=True)
            except ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise
            self._grouped.add(stream)

    def _should_try_redis(self) -> bool:
        return self._is_redis_up or time.monotonic() >= self._next_redis_try

    def _set_redis_up(self, is_up: bool, error: Exception | None = None) -> None:
        if is_up != self._is_redis_up:
            if is_up:
                logger.warning("Redis is reachable again; queueing turns there")
            else:
                logger.error("Redis unreachable, answering in this process only: %s", error)
        if not is_up:
            self._next_redis_try = time.monotonic() + MAX_DELAY
        self._is_redis_up = is_up

    def _queue_key(self, session_id: str) -> str:
        return f"{self._prefix}:queue:{session_id}"

    def _platform_stream(self, platform: str) -> str:
        return f"{self._prefix}:requests:{platform}"

    def _session_keys(self, session_id: str) -> tuple[str, str, str]:
        """The session's lease, queue and answered-turns keys."""
        return (
            f"{self._prefix}:lease:{session_id}",
            self._queue_key(session_id),
            f"{self._prefix}:answered:{session_id}",
        )

    def _relay_key(self, request: TurnRequest) -> str:
        return f"{self._prefix}:relay:{request.request_id}"


def _request_of(entry_fields: dict[bytes, Any]) -> TurnRequest | None:
    """The request a stream entry carries; None (logged) for an entry that is not one."""
    try:
        return TurnRequest.from_record(json.loads(entry_fields[b"request"]))
    except (KeyError, TypeError, ValueError) as error:
        logger.error("a request stream entry could not be read, skipping it: %r", error)
        return None
