"""What `dexter run` starts, and the start-up summary it prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bots.adapter import AdapterSpec
from dexter_core.errors import DexterError
from dexter_core.settings import Settings


class StartupFailed(DexterError):
    """Nothing could be started (port taken, every adapter failed to connect, ...)."""


@dataclass(frozen=True, kw_only=True)
class ServiceState:
    """One line of the summary: a service, whether it runs, and where or why not."""

    name: str
    is_on: bool
    detail: str


def split_adapters(
    specs: Sequence[AdapterSpec], settings: Settings
) -> tuple[list[AdapterSpec], list[ServiceState]]:
    """The adapters these settings let run, and a state line for each of the others."""
    on: list[AdapterSpec] = []
    off: list[ServiceState] = []
    for spec in specs:
        reason = spec.why_off(settings)
        if reason is None:
            on.append(spec)
        else:
            off.append(ServiceState(name=spec.name, is_on=False, detail=reason))
    return on, off


def http_url(host: str, port: int) -> str:
    """The server's base URL; IPv6 literals in brackets."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def describe_access(settings: Settings) -> str:
    """How the session API checks callers, in a few words."""
    checks = []
    if settings.backend_api_key:
        checks.append("API key")
    if settings.jwt_secret:
        checks.append("JWT (sessions owned by sub)")
    return " + ".join(checks) if checks else "no credentials"


def startup_summary(
    services: Sequence[ServiceState], *, store_name: str, settings: Settings
) -> str:
    """The lines printed once everything has started."""
    width = max([len(s.name) for s in services] + [len("store")])
    lines = ["Dexter is running (Ctrl-C stops it):"]
    for service in services:
        state = "on " if service.is_on else "off"
        lines.append(f"  {service.name:<{width}}  {state}  {service.detail}")
    lines.append(f"  {'store':<{width}}  {store_name}")
    llm = (
        f"model {settings.dexter_model}"
        if settings.llm_configured
        else "not configured: set OPENAI_API_KEY or OPENAI_BASE_URL (questions will fail)"
    )
    lines.append(f"  {'llm':<{width}}  {llm}")
    return "\n".join(lines)
