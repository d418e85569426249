"""Settings read from the environment (and a `.env` file in the working directory).

One frozen `Settings` object is built at start-up and handed to whatever needs it;
nothing else in the code reads `os.environ`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any

from dotenv import dotenv_values

from dexter_core.errors import InvalidInputError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every setting Dexter reads. Field names are the variables' names, lower-cased."""

    # LLM
    openai_api_key: str = ""
    openai_base_url: str = ""
    dexter_model: str = "gpt-4.1"
    dexter_fast_model: str = "gpt-4.1-mini"
    dexter_llm_timeout: float = 60.0
    dexter_llm_max_retries: int = 4
    # Agent
    dexter_max_steps: int = 10
    dexter_max_query_chars: int = 8000
    dexter_turn_timeout: float = 180.0
    # Data API
    financial_datasets_api_key: str = ""
    financial_datasets_api_url: str = "https://api.financialdatasets.ai"
    # Stores
    redis_url: str = ""
    dexter_redis_prefix: str = "dexter"
    dexter_sqlite_path: str = ""
    dexter_session_ttl: int = 30 * 24 * 3600
    # Context engine
    dexter_max_turns: int = 50
    dexter_summarize_llm: bool = False
    dexter_use_embeddings: bool = True
    dexter_max_context_messages: int = 10
    dexter_recent_turns: int = 3
    dexter_context_token_budget: int = 2000
    # Turn pipeline
    dexter_max_concurrency: int = 16
    dexter_session_queue_limit: int = 5
    dexter_user_rate_limit: int = 20
    dexter_shutdown_grace: float = 30.0
    # Slack
    slack_bot_token: str = ""
    slack_app_token: str = ""
    slack_signing_secret: str = ""
    slack_api_url: str = "https://slack.com/api/"
    # Discord
    discord_token: str = ""
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str = ""
    dexter_discord_guild_id: str = ""
    # HTTP server
    dexter_host: str = "127.0.0.1"
    dexter_port: int = 8000
    dexter_allow_public_bind: bool = False
    dexter_cors_origins: tuple[str, ...] = ()
    dexter_max_body_bytes: int = 64 * 1024
    backend_api_key: str = ""
    jwt_secret: str = ""
    secure_cookies: bool = False
    # Access
    dexter_allowed_users: frozenset[str] = field(default_factory=frozenset)
    dexter_allowed_channels: frozenset[str] = field(default_factory=frozenset)
    # Logging. An empty level is the command's own default: INFO, WARNING for `dexter chat`.
    log_level: str = ""
    dexter_log_format: str = "text"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, dotenv_path: str | None = ".env"
    ) -> Settings:
        """Build settings from `environ` (default `os.environ`) over a `.env` file.

        Variables set in the environment win over the `.env` file. A value that cannot be
        parsed raises `InvalidInputError` naming the variable.
        """
        values: dict[str, str] = {}
        if dotenv_path and os.path.isfile(dotenv_path):
            values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            raw = values.get(f.name.upper())
            if raw is not None:
                kwargs[f.name] = _parse(f.name.upper(), str(f.type), raw)
        return cls(**kwargs)

    @property
    def llm_configured(self) -> bool:
        """True when an LLM endpoint can be called (a key, or a self-hosted base URL)."""
        return bool(self.openai_api_key or self.openai_base_url)

    def is_allowed(self, *, user_id: str, channel_ids: tuple[str, ...] = ()) -> bool:
        """Whether the allow-lists let this user, in any of these channels, use Dexter."""
        if self.dexter_allowed_users and user_id not in self.dexter_allowed_users:
            return False
        if self.dexter_allowed_channels:
            return any(c in self.dexter_allowed_channels for c in channel_ids)
        return True


@cache
def get_settings() -> Settings:
    """The process's settings from the environment, read once. Library defaults use this."""
    return Settings.from_env()


def _parse(name: str, type_name: str, raw: str) -> Any:
    text = raw.strip()
    try:
        if type_name == "bool":
            lowered = text.lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ValueError(raw)
        if type_name == "int":
            return int(text)
        if type_name == "float":
            return float(text)
        if type_name.startswith("tuple"):
            return tuple(part.strip() for part in text.split(",") if part.strip())
        if type_name.startswith("frozenset"):
            return frozenset(part.strip() for part in text.split(",") if part.strip())
    except ValueError:
        raise InvalidInputError(f"{name}={raw!r} is not a valid {type_name}") from None
    return text
