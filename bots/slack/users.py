"""Display names and admin flags of workspace members, from `users.info`, cached a while."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.api_errors import SLACK_ERRORS

logger = logging.getLogger(__name__)

CACHE_SECONDS = 600.0
FAILURE_CACHE_SECONDS = 30.0  # a failed lookup is not repeated for every message
_MAX_CACHED = 5_000


@dataclass(frozen=True, kw_only=True)
class Member:
    display_name: str
    is_admin: bool  # a workspace admin or owner


UNKNOWN = Member(display_name="", is_admin=False)


class UserDirectory:
    """Members looked up through `users.info`; a failed lookup gives `UNKNOWN`."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._cache: dict[str, tuple[float, Member]] = {}  # user id -> (expires at, member)

    async def member(self, user_id: str) -> Member:
        cached = self._cache.get(user_id)
        if cached and time.monotonic() < cached[0]:
            return cached[1]
        try:
            answer = await self._client.users_info(user=user_id)
        except SLACK_ERRORS as error:
            logger.warning("users.info failed for %s: %s", user_id, error)
            self._remember(user_id, UNKNOWN, seconds=FAILURE_CACHE_SECONDS)
            return UNKNOWN
        user = answer["user"]
        profile = user.get("profile") or {}
        member = Member(
            display_name=str(
                profile.get("display_name") or user.get("real_name") or user.get("name") or ""
            ),
            is_admin=bool(
                user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
            ),
        )
        self._remember(user_id, member, seconds=CACHE_SECONDS)
        return member

    def _remember(self, user_id: str, member: Member, *, seconds: float) -> None:
        if len(self._cache) >= _MAX_CACHED:
            self._cache.clear()
        self._cache[user_id] = (time.monotonic() + seconds, member)
