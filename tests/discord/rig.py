"""A running Discord adapter (real discord.py client, real core) between the fake Discord
and the fake LLM, with helpers to talk to it as Discord does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from bots.discord.adapter import DiscordAdapter
from dexter_core.bootstrap import build_core, close_core
from dexter_core.core import Core
from dexter_core.sessions.models import Turn
from dexter_core.settings import Settings
from tests.fakes.fake_discord import (
    ADA,
    BOT_ID,
    EPHEMERAL,
    USER_IDS,
    FakeDiscord,
    Payload,
)
from tests.fakes.fake_llm import FakeLLM

BASE_SETTINGS = Settings(
    dexter_use_embeddings=False,
    dexter_summarize_llm=False,
    financial_datasets_api_url="http://127.0.0.1:9/unused",
    dexter_turn_timeout=10.0,
    dexter_llm_max_retries=1,
)
# The tasks discord.py runs event handlers and application commands in.
_HANDLER_TASKS = ("discord.py: on_", "CommandTree-invoker")
EDIT_INTERVAL = 0.2
TYPING_INTERVAL = 0.05


@dataclass
class Rig:
    """One Dexter process connected to the fake Discord, with helpers to talk to it."""

    fake: FakeDiscord
    llm: FakeLLM
    core: Core
    adapter: DiscordAdapter

    async def mention(self, question: str, **kwargs: Any) -> Payload:
        """`@Dexter question` from Ada (or `author=`) in #markets (or `channel_id=`)."""
        return await self.fake.post_user_message(
            f"<@{BOT_ID}> {question}", mentions=[BOT_ID], **kwargs
        )

    def texts(self, channel_id: int) -> list[str]:
        """What Dexter's messages in the channel say now, oldest first."""
        return [m["content"] for m in self.fake.posted_messages(channel_id)]

    async def answers(self, channel_id: int, *, count: int = 1) -> list[str]:
        """Wait for `count` messages from Dexter in the channel, then for the turns to end."""
        await self.fake.wait_until(lambda: len(self.texts(channel_id)) >= count, within=10)
        await self.settle()
        return self.texts(channel_id)

    async def command(self, name: str, **kwargs: Any) -> list[str]:
        """Run slash command `name` (options as the fake's `send_interaction` takes them);
        the ephemeral follow-ups Dexter answered with."""
        interaction = await self.fake.send_interaction(name, **kwargs)
        await self.fake.wait_for_call("POST", f"/interactions/{interaction['id']}/.+/callback")
        await self.settle()
        followups = self.fake.followups(interaction)
        assert all(call.json.get("flags", 0) & EPHEMERAL for call in followups)
        return [call.json["content"] for call in followups]

    async def settle(self) -> None:
        """Wait until the client has received every event the fake sent, its handlers have
        run, and every queued turn has finished; twice, as Dexter's posts come back as
        events."""
        client = self.adapter.client
        for _ in range(2):
            async with asyncio.timeout(10):
                # discord.py offers nothing to await for its sequence number: poll it.
                while client.ws is None or (client.ws.sequence or 0) < self.fake.sequence:  # noqa: ASYNC110
                    await asyncio.sleep(0.005)
            handlers = [t for t in asyncio.all_tasks() if t.get_name().startswith(_HANDLER_TASKS)]
            await asyncio.gather(*handlers, return_exceptions=True)
            # The in-process dispatcher can say when its turns are done; with Redis,
            # callers wait for the messages they expect instead.
            wait_idle = getattr(self.core.dispatcher, "wait_idle", None)
            if wait_idle is not None:
                await wait_idle()

    async def stored_turns(self, session_id: str, *, count: int) -> list[Turn]:
        """The session's turns once at least `count` are stored (they follow the answer)."""
        async with asyncio.timeout(10):
            while len(turns := await self.core.store.get_turns(session_id)) < count:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        return turns

    async def seed_turns(self, session_id: str, *turns: Turn) -> None:
        """Store turns in a session, as if Dexter had answered them."""
        for turn in turns:
            await self.core.store.append_turn(session_id, turn)

    async def thread_for(self, message: Payload) -> int:
        """The id of the thread Dexter opened on `message`, once it has."""
        thread_id = int(message["id"])
        await self.fake.wait_until(lambda: thread_id in self.fake.channels)
        return thread_id


def make_turn(query: str, *, user: str = ADA, answer: str = "an answer") -> Turn:
    """A stored turn asked by `user` (a key of the fake's users)."""
    return Turn(
        query=query,
        answer=answer,
        summary=f"summary of {query}",
        user_id=str(USER_IDS[user]),
        user_name=user,
        platform="discord",
    )


@asynccontextmanager
async def running_rig(
    *, message_content_allowed: bool = True, **overrides: Any
) -> AsyncIterator[Rig]:
    """A connected rig for the duration of the block; `overrides` are settings fields."""
    async with (
        FakeDiscord(message_content_allowed=message_content_allowed) as fake,
        FakeLLM() as llm,
    ):
        connection = {
            "discord_token": fake.token,
            "discord_api_url": fake.api_url,
            "openai_base_url": llm.base_url,
            "openai_api_key": llm.api_key,
        }
        settings = replace(BASE_SETTINGS, **{**connection, **overrides})
        core = await build_core(settings)
        adapter = DiscordAdapter(
            core,
            guild_ready_timeout=0.05,
            ready_timeout=5.0,
            edit_interval=EDIT_INTERVAL,
            typing_interval=TYPING_INTERVAL,
        )
        try:
            await adapter.start()
            yield Rig(fake=fake, llm=llm, core=core, adapter=adapter)
        finally:
            await adapter.stop()
            await close_core(core, grace=2.0)
