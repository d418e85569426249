"""Who Dexter is in the workspace, from `auth.test` (asked once, then remembered)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient


@dataclass(frozen=True, kw_only=True)
class BotIdentity:
    user_id: str
    bot_id: str
    team_id: str
    team_url: str  # "https://acme.slack.com/", the base of message links


class IdentityCache:
    """The bot's identity; the first `get()` calls `auth.test`, later ones reuse it."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._identity: BotIdentity | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> BotIdentity:
        """The identity; raises `SlackApiError` while `auth.test` keeps failing."""
        if self._identity is None:
            async with self._lock:
                if self._identity is None:
                    answer = await self._client.auth_test()
                    self._identity = BotIdentity(
                        user_id=str(answer["user_id"]),
                        bot_id=str(answer.get("bot_id") or ""),
                        team_id=str(answer["team_id"]),
                        team_url=str(answer.get("url") or ""),
                    )
        return self._identity
