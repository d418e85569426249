"""What `dexter doctor` concludes from what it saw: one `Check` per part, the report's
text and the exit code. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class Outcome(Enum):
    OK = "ok"
    MISSING = "MISSING"  # a required part is not configured
    FAILED = "FAILED"  # configured but not reachable or refused
    OFF = "off"  # an optional part that is not configured


@dataclass(frozen=True)
class Check:
    part: str
    outcome: Outcome
    detail: str
    fix: str = ""

    @property
    def is_problem(self) -> bool:
        return self.outcome in (Outcome.MISSING, Outcome.FAILED)


def exit_code(checks: list[Check]) -> int:
    """0 when every configured part answered and nothing required is missing, else 1."""
    return 1 if any(check.is_problem for check in checks) else 0


def render(checks: list[Check]) -> str:
    width = max(len(check.part) for check in checks)
    lines = ["Dexter doctor"]
    for check in checks:
        lines.append(f"  {check.outcome.value:<8} {check.part:<{width}}  {check.detail}")
        if check.fix:
            lines.append(f"  {'':<8} {'':<{width}}  fix: {check.fix}")
    problems = sum(check.is_problem for check in checks)
    if problems:
        lines.append(f"{problems} problem{'s' if problems != 1 else ''} found.")
    else:
        lines.append("Everything configured is reachable.")
    return "\n".join(lines) + "\n"


def slack_auth_check(status: int, body: Any) -> Check:
    """The Slack check from an `auth.test` reply."""
    if status == 200 and isinstance(body, dict) and body.get("ok"):
        who = f"@{body.get('user', '?')} in {body.get('team', '?')}"
        return Check("Slack", Outcome.OK, f"signed in as {who}")
    error = body.get("error") if isinstance(body, dict) else None
    if error in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
        return Check(
            "Slack",
            Outcome.FAILED,
            f"Slack refused the bot token ({error})",
            "set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (xoxb-...)",
        )
    return Check(
        "Slack",
        Outcome.FAILED,
        f"auth.test failed ({error or f'HTTP {status}'})",
        "check SLACK_API_URL and the network",
    )


def discord_me_check(status: int, body: Any) -> Check:
    """The Discord check from a `GET /users/@me` reply."""
    if status == 200 and isinstance(body, dict) and body.get("id"):
        return Check("Discord", Outcome.OK, f"signed in as {body.get('username', '?')}")
    if status == 401:
        return Check(
            "Discord",
            Outcome.FAILED,
            "Discord refused the bot token (HTTP 401)",
            "set DISCORD_TOKEN to the bot's token from the Developer Portal",
        )
    return Check(
        "Discord",
        Outcome.FAILED,
        f"GET /users/@me answered HTTP {status}",
        "check DISCORD_API_URL and the network",
    )
