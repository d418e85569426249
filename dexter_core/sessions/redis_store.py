"""`RedisSessionStore`: sessions in Redis, shared by any number of bot processes.

Layout (see `redis_scripts` for the per-session keys and what each script does):

- `{prefix}:s:{<sha1 of the session id>}:meta|turns|enrich`: one session. The id is
  hashed into the Redis Cluster hash tag, so all three keys live in one slot whatever
  characters the id holds; the readable id is kept in the meta hash.
- `{prefix}:chan:{platform:channel}` and `...:user:{user_id}`: sorted sets of session
  ids by last activity, for `list_sessions`, sharing the channel's hash tag. They span
  sessions, so they live in other slots than the session's keys and are updated in the
  same round trip as the append (one more script) but not atomically with it.
  Entries of cleared or expired sessions are dropped lazily when listed, and each index
  keeps its newest `INDEX_CAP` sessions.
- `{prefix}:event:{key}`: claimed platform event ids.

Every session write is one Lua script (EVALSHA, cached): the turn list is only
appended to or trimmed from the front, never rewritten, and the TTL of every key of the
session is refreshed in the same step. Any Redis failure surfaces as
`StoreUnavailableError`, its message free of the URL's password.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import NoScriptError, RedisError

from dexter_core.errors import InvalidInputError, StoreUnavailableError
from dexter_core.redaction import redact
from dexter_core.sessions import redis_scripts
from dexter_core.sessions.models import SCHEMA_VERSION, SessionMetadata, Turn
from dexter_core.sessions.records import decode_record, encode_record
from dexter_core.sessions.store import SessionStore, apply_turn_to_metadata
from dexter_core.sessions.store_logic import (
    DEFAULT_SESSION_TTL,
    is_listed,
    new_metadata,
    validate_ttl,
)

logger = logging.getLogger(__name__)

DEFAULT_SOCKET_TIMEOUT = 5.0
DEFAULT_MAX_CONNECTIONS = 100
DEFAULT_POOL_TIMEOUT = 10.0
INDEX_CAP = 1000
_PARTICIPANT = "p:"


class RedisSessionStore(SessionStore):
    """Sessions in Redis. `url_or_client` is a `redis://` URL or a `redis.asyncio.Redis`
    (created with `decode_responses=False`; the store then does not close it).

    `ttl` is seconds of inactivity before a session's keys expire (0 = never); keys
    start with `prefix`. `socket_timeout` bounds how long one call may wait on Redis.
    A store made from a URL holds at most `max_connections` connections; a call made
    while all are busy waits for one, up to `pool_timeout` seconds, then raises
    `StoreUnavailableError`, so a burst of calls queues instead of failing.
    """

    name = "redis"

    def __init__(
        self,
        url_or_client: str | aioredis.Redis,
        *,
        prefix: str = "dexter",
        ttl: float = DEFAULT_SESSION_TTL,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        pool_timeout: float = DEFAULT_POOL_TIMEOUT,
    ) -> None:
        if not prefix or "{" in prefix or "}" in prefix:
            raise InvalidInputError("the Redis key prefix must be non-empty and free of braces")
        if isinstance(url_or_client, str):
            password = _url_password(url_or_client)
            self._secrets = frozenset({password} if password else ())
            self._where = redact(url_or_client, self._secrets)
            try:
                pool = aioredis.BlockingConnectionPool.from_url(
                    url_or_client,
                    max_connections=max_connections,
                    timeout=pool_timeout,
                    socket_timeout=socket_timeout,
                    socket_connect_timeout=socket_timeout,
                    decode_responses=False,
                )
            except ValueError as exc:
                raise InvalidInputError(
                    f"REDIS_URL {self._where} is not usable: {redact(str(exc), self._secrets)}"
                ) from None
            self._client = aioredis.Redis.from_pool(pool)  # closing the client closes the pool
            self._owns_client = True
        else:
            kwargs = url_or_client.connection_pool.connection_kwargs
            if kwargs.get("decode_responses"):
                raise InvalidInputError("the Redis client must use decode_responses=False")
            self._client = url_or_client
            self._secrets = frozenset({kwargs["password"]} if kwargs.get("password") else ())
            self._where = f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
            self._owns_client = False
        self._prefix = prefix
        # Milliseconds, rounded up so a tiny TTL never becomes 0 ("never expire").
        self._ttl_ms = math.ceil(validate_ttl(ttl) * 1000)
        self._append_script = self._client.register_script(redis_scripts.APPEND)
        self._get_turns_script = self._client.register_script(redis_scripts.GET_TURNS)
        self._clear_script = self._client.register_script(redis_scripts.CLEAR)
        self._update_script = self._client.register_script(redis_scripts.UPDATE_TURN)
        self._fold_script = self._client.register_script(redis_scripts.FOLD_TURNS)
        self._touch_indexes_script = self._client.register_script(redis_scripts.TOUCH_INDEXES)

    async def ping(self) -> None:
        with self._unavailable("answer a ping"):
            await self._client.ping()

    async def close(self) -> None:
        if self._owns_client:
            with self._unavailable("close its connections"):
                await self._client.aclose()

    async def _append_turn(self, session_id: str, turn: Turn, if_generation: int | None) -> bool:
        # The metadata this turn would give a new session: its title, platform, channel.
        first = apply_turn_to_metadata(new_metadata(session_id), turn, platform="", channel="")
        args = [
            encode_record(turn),
            turn.turn_id,
            turn.embedding or b"",
            "" if if_generation is None else str(if_generation),
            self._ttl_ms,
            session_id,
            first.title,
            repr(turn.created_at),
            turn.user_id,
            turn.user_name,
        ]
        index_keys = self._index_keys(first.platform, first.channel, turn.user_id)

        def build(pipe: Pipeline) -> None:
            pipe.evalsha(self._append_script.sha, 3, *self._session_keys(session_id), *args)
            # Right behind the script, in the same round trip: see the module docstring.
            pipe.evalsha(
                self._touch_indexes_script.sha,
                len(index_keys),
                *index_keys,
                session_id,
                repr(turn.created_at),
                self._ttl_ms,
                INDEX_CAP,
            )

        with self._unavailable("append a turn"):
            results = await self._run_pipeline(build)
        return results[0] == 1

    async def _get_turns(self, session_id: str, limit: int | None) -> list[Turn]:
        _, turns_key, enrich_key = self._session_keys(session_id)
        with self._unavailable("read turns"):
            records, enrichment = await self._get_turns_script(
                keys=[turns_key, enrich_key], args=[limit or 0]
            )
        turns = []
        for index, raw in enumerate(records):
            turn = decode_record(raw, session_id=session_id)
            if turn is None:
                continue
            summary, embedding = enrichment[2 * index], enrichment[2 * index + 1]
            if summary is not None:
                turn.summary = summary.decode("utf-8", "replace")
            if embedding is not None:
                turn.embedding = embedding
            turns.append(turn)
        return turns

    async def _get_metadata(self, session_id: str) -> SessionMetadata | None:
        meta_key = self._session_keys(session_id)[0]
        with self._unavailable("read session metadata"):
            raw = await self._client.hgetall(meta_key)
        return decode_metadata(raw, session_id=session_id)

    async def _clear(self, session_id: str) -> None:
        with self._unavailable("clear a session"):
            await self._clear_script(
                keys=self._session_keys(session_id), args=[self._ttl_ms, session_id]
            )

    async def _update_turn(
        self, session_id: str, turn_id: str, summary: str | None, embedding: bytes | None
    ) -> bool:
        args = [
            turn_id,
            summary or "",
            "0" if summary is None else "1",
            embedding or b"",
            "0" if embedding is None else "1",
            self._ttl_ms,
        ]
        with self._unavailable("update a turn"):
            updated = await self._update_script(keys=self._session_keys(session_id), args=args)
        return updated == 1

    async def _fold_turns(
        self, session_id: str, count: int, summary: str, expected_folded: int
    ) -> bool:
        args = [count, summary, expected_folded, self._ttl_ms]
        with self._unavailable("fold turns"):
            folded = await self._fold_script(keys=self._session_keys(session_id), args=args)
        return folded == 1

    async def _list_sessions(
        self, platform: str, channel: str, user_id: str | None, limit: int
    ) -> list[SessionMetadata]:
        index_key = self._index_keys(platform, channel, user_id)[-1]
        listed: list[SessionMetadata] = []
        stale: list[bytes] = []
        start, batch = 0, max(2 * limit, 10)
        with self._unavailable("list sessions"):
            while len(listed) < limit:
                members = await self._client.zrevrange(index_key, start, start + batch - 1)
                pipe = self._client.pipeline(transaction=False)
                for member in members:
                    pipe.hgetall(self._session_keys(member.decode())[0])
                for member, raw in zip(members, await pipe.execute(), strict=True):
                    metadata = decode_metadata(raw, session_id=member.decode())
                    if metadata is not None and is_listed(metadata, user_id=user_id):
                        listed.append(metadata)
                    else:
                        stale.append(member)
                if len(members) < batch:
                    break
                start += batch
            if stale:
                await self._client.zrem(index_key, *stale)
        return listed[:limit]

    async def _claim_event(self, key: str, ttl: int) -> bool:
        with self._unavailable("claim an event"):
            claimed = await self._client.set(f"{self._prefix}:event:{key}", b"1", nx=True, ex=ttl)
        return bool(claimed)

    def _session_keys(self, session_id: str) -> tuple[str, str, str]:
        tag = hashlib.sha1(
            session_id.encode("utf-8", "surrogatepass"), usedforsecurity=False
        ).hexdigest()
        base = f"{self._prefix}:s:{{{tag}}}"
        return f"{base}:meta", f"{base}:turns", f"{base}:enrich"

    def _index_keys(self, platform: str, channel: str, user_id: str | None) -> list[str]:
        """The channel's index key, then the (channel, user) one when `user_id` is given.

        Both carry the channel as their hash tag, so one script updates them together.
        Parts are percent-encoded, so no `:` inside an id can make two keys collide.
        """
        tag = f"{quote(platform, safe='')}:{quote(channel, safe='')}"
        channel_key = f"{self._prefix}:chan:{{{tag}}}"
        if not user_id:
            return [channel_key]
        return [channel_key, f"{channel_key}:user:{quote(user_id, safe='')}"]

    async def _run_pipeline(self, build: Callable[[Pipeline], None]) -> list[Any]:
        """Run the commands `build` queues in one round trip.

        Reloads the scripts it uses once if Redis lost them (a restart or SCRIPT FLUSH).
        """
        try:
            return await self._pipeline_of(build).execute()
        except NoScriptError:
            for script in (self._append_script, self._touch_indexes_script):
                script.sha = await self._client.script_load(script.script)
            return await self._pipeline_of(build).execute()

    def _pipeline_of(self, build: Callable[[Pipeline], None]) -> Pipeline:
        pipe = self._client.pipeline(transaction=False)
        build(pipe)
        return pipe

    @contextlib.contextmanager
    def _unavailable(self, action: str) -> Iterator[None]:
        try:
            yield
        except RedisError as exc:
            detail = redact(f"{type(exc).__name__}: {exc}", self._secrets)
            raise StoreUnavailableError(
                f"Redis at {self._where} could not {action}: {detail}"
            ) from None


def decode_metadata(raw: dict[bytes, bytes], *, session_id: str) -> SessionMetadata | None:
    """The metadata in a meta hash; None when absent, or (with a warning) unreadable."""
    if not raw:
        return None
    fields = {k.decode("utf-8", "replace"): v.decode("utf-8", "replace") for k, v in raw.items()}
    if fields.get("v") != str(SCHEMA_VERSION):
        logger.warning(
            "Ignoring session %s: its metadata has schema %r", session_id, fields.get("v")
        )
        return None
    try:
        metadata = new_metadata(session_id, generation=int(fields.get("generation", 0)))
        metadata.title = fields.get("title", "")
        metadata.created_at = float(fields.get("created_at", 0.0))
        metadata.last_activity = float(fields.get("last_activity", 0.0))
        metadata.turn_count = int(fields.get("turn_count", 0))
        metadata.summary = fields.get("summary", "")
        metadata.folded_turns = int(fields.get("folded_turns", 0))
    except ValueError as exc:
        logger.warning("Ignoring session %s: unreadable metadata: %s", session_id, exc)
        return None
    metadata.participants = {
        k[len(_PARTICIPANT) :]: v for k, v in fields.items() if k.startswith(_PARTICIPANT)
    }
    return metadata


def _url_password(url: str) -> str:
    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""
