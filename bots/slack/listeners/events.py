"""Events API listeners: mentions and messages (Bolt acknowledges events by itself)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bots.slack.conversation import SlackConversations


def register(app: AsyncApp, conversations: SlackConversations) -> None:
    async def on_app_mention(body: dict[str, Any]) -> None:
        await conversations.on_event(kind="app_mention", body=body)

    async def on_message(body: dict[str, Any]) -> None:
        await conversations.on_event(kind="message", body=body)

    app.event("app_mention")(on_app_mention)
    app.event("message")(on_message)
