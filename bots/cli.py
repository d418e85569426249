"""The `dexter` command: run the bots, the HTTP server, a terminal chat, or the doctor."""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import sys
from collections.abc import Callable, Sequence

from bots.adapter import AdapterSpec
from bots.registry import ADAPTER_SPECS
from bots.run_logic import StartupFailed, split_adapters
from dexter_core.errors import InvalidInputError
from dexter_core.logging_setup import configure_logging
from dexter_core.settings import Settings

# Commands import what they run when they run it: the agent and its LLM client take a
# second to import, which `dexter --help` or a settings error should not wait for.

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_SETTINGS = 2
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        configure_logging(settings, default_level=args.default_log_level)
        return args.command(settings)
    except InvalidInputError as exc:
        print(f"dexter: {exc}", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    except StartupFailed as exc:
        print(f"dexter: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dexter",
        description="Dexter, the financial-research agent, in Slack, Discord, a terminal "
        "and over HTTP. Settings come from the environment and a .env file.",
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    _add(commands, "run", _run, "every adapter whose credentials are set, plus the HTTP server")
    _add(commands, "serve", _serve, "the HTTP server alone (session API, health, metrics)")
    for spec in ADAPTER_SPECS:
        _add(
            commands,
            spec.name,
            functools.partial(_one_adapter, spec),
            f"the {spec.name.title()} adapter alone",
        )
    # Log lines would interleave with the conversation: only problems, unless LOG_LEVEL says.
    _add(
        commands,
        "chat",
        _chat,
        "a conversation in this terminal",
        default_log_level=logging.WARNING,
    )
    _add(commands, "doctor", _doctor, "check the settings and what Dexter can reach")
    return parser


def _add(
    commands: argparse._SubParsersAction,
    name: str,
    command: Callable[[Settings], int],
    help_text: str,
    *,
    default_log_level: int = logging.INFO,
) -> None:
    sub = commands.add_parser(name, help=help_text, description=help_text)
    sub.set_defaults(command=command, default_log_level=default_log_level)


def _run(settings: Settings) -> int:
    from bots.runtime import run_services

    on, off = split_adapters(ADAPTER_SPECS, settings)
    asyncio.run(run_services(settings, serve_api=True, specs=on, off=off))
    return EXIT_OK


def _serve(settings: Settings) -> int:
    from bots.runtime import run_services

    asyncio.run(run_services(settings, serve_api=True, specs=[]))
    return EXIT_OK


def _one_adapter(spec: AdapterSpec, settings: Settings) -> int:
    reason = spec.why_off(settings)
    if reason is not None:
        print(f"dexter {spec.name}: cannot start: {reason}", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    from bots.runtime import run_services

    asyncio.run(run_services(settings, serve_api=False, specs=[spec]))
    return EXIT_OK


def _chat(settings: Settings) -> int:
    from bots.console.chat import run_chat

    return asyncio.run(run_chat(settings))


def _doctor(settings: Settings) -> int:
    from bots.doctor import run_doctor

    return asyncio.run(run_doctor(settings))


if __name__ == "__main__":
    sys.exit(main())
