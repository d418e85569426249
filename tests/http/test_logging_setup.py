"""Logging set-up: formats, structured fields, and secrets never reaching the output."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from dexter_core.errors import InvalidInputError
from dexter_core.logging_setup import configure_logging
from dexter_core.settings import Settings
from tests.http.conftest import ApiFactory

BOT_TOKEN = "xoxb-123456-abcdefghijkl"
API_KEY = "backend-key-for-tests"


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    chatty = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, chatty_level in chatty.items():
        logging.getLogger(name).setLevel(chatty_level)


def _configured(*, default_level: int = logging.INFO, **overrides: str) -> io.StringIO:
    stream = io.StringIO()
    settings = Settings(slack_bot_token=BOT_TOKEN, backend_api_key=API_KEY, **overrides)
    handler = configure_logging(settings, stream=stream, default_level=default_level)
    # Only our handler: pytest's capture handler would format records its own way first.
    logging.getLogger().handlers[:] = [handler]
    return stream


def test_a_token_logged_by_mistake_comes_out_redacted() -> None:
    stream = _configured()
    log = logging.getLogger("dexter_core.some.module")
    log.warning("calling slack with %s", BOT_TOKEN)
    log.info("headers", extra={"headers": {"X-API-Key": API_KEY}})
    try:
        raise RuntimeError(f"auth failed for {BOT_TOKEN}")
    except RuntimeError:
        log.exception("request failed")
    output = stream.getvalue()
    assert BOT_TOKEN not in output
    assert API_KEY not in output
    assert output.count("[REDACTED]") == 3
    assert "RuntimeError: auth failed for [REDACTED]" in output


def test_json_lines_carry_structured_fields() -> None:
    stream = _configured(dexter_log_format="json")
    logging.getLogger("dexter_core.dispatch").info(
        "turn answered",
        extra={"session_id": "api:1", "platform": "api", "total_ms": 12.5, "tokens": {"prompt": 3}},
    )
    entry = json.loads(stream.getvalue().strip())
    assert entry["message"] == "turn answered"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "dexter_core.dispatch"
    assert entry["session_id"] == "api:1"
    assert entry["platform"] == "api"
    assert entry["total_ms"] == 12.5
    assert entry["tokens"] == {"prompt": 3}


def test_text_lines_append_structured_fields() -> None:
    stream = _configured()
    logging.getLogger("x").info("turn answered", extra={"session_id": "api:1", "note": "a b"})
    line = stream.getvalue().strip()
    assert line.endswith('x: turn answered session_id=api:1 note="a b"')


def test_level_filters_records() -> None:
    stream = _configured(log_level="warning")
    logging.getLogger("x").info("hidden")
    logging.getLogger("x").warning("shown")
    assert "hidden" not in stream.getvalue()
    assert "shown" in stream.getvalue()


@pytest.mark.parametrize(
    ("log_level", "default_level", "is_info_shown"),
    [
        ("", logging.INFO, True),
        ("", logging.WARNING, False),  # `dexter chat`: the conversation stays readable
        ("INFO", logging.WARNING, True),  # a level that is set wins over the default
        ("ERROR", logging.INFO, False),
    ],
)
def test_an_unset_level_is_the_commands_default(
    log_level: str, default_level: int, is_info_shown: bool
) -> None:
    stream = _configured(log_level=log_level, default_level=default_level)
    logging.getLogger("x").info("info line")
    assert ("info line" in stream.getvalue()) is is_info_shown


@pytest.mark.parametrize(("level", "is_shown"), [("INFO", False), ("DEBUG", True)])
def test_per_request_library_logs_show_at_debug_only(level: str, is_shown: bool) -> None:
    stream = _configured(log_level=level)
    logging.getLogger("httpx").info("HTTP Request: POST /v1/chat/completions")
    assert ("HTTP Request" in stream.getvalue()) is is_shown


def test_configuring_twice_keeps_one_handler() -> None:
    first = _configured()
    second = _configured()
    logging.getLogger("x").warning("once")
    assert first.getvalue() == ""
    assert second.getvalue().count("once") == 1


def test_a_bad_format_string_does_not_raise() -> None:
    stream = _configured()
    logging.getLogger("x").warning("value %d", "not a number")
    assert "value %d" in stream.getvalue()


@pytest.mark.parametrize(
    ("field", "value", "variable"),
    [("log_level", "LOUD", "LOG_LEVEL"), ("dexter_log_format", "xml", "DEXTER_LOG_FORMAT")],
)
def test_bad_settings_are_refused(field: str, value: str, variable: str) -> None:
    with pytest.raises(InvalidInputError, match=variable):
        configure_logging(Settings(**{field: value}), stream=io.StringIO())


async def test_a_turn_is_one_json_line_with_its_timings_and_usage(make_api: ApiFactory) -> None:
    api = await make_api(backend_api_key=API_KEY, dexter_log_format="json")
    stream = io.StringIO()
    handler = configure_logging(api.core.settings, stream=stream)
    logging.getLogger().handlers[:] = [handler]
    headers = {"X-API-Key": API_KEY}
    session_id = await api.new_session(headers=headers)

    events = await api.ask(f"Is {API_KEY} my key?", session_id, headers=headers)

    usage = next(e.data["usage"] for e in events if e.name == "answer")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    (turn,) = [line for line in lines if line["message"].startswith("turn answered in ")]
    assert turn["session_id"] == session_id
    assert turn["platform"] == "api"
    assert turn["duration_ms"] > 0
    assert (turn["prompt_tokens"], turn["completion_tokens"]) == (
        usage["prompt_tokens"],
        usage["completion_tokens"],
    )
    assert turn["prompt_tokens"] > 0
    for stage in ("queue_wait", "context_load", "llm", "post"):
        assert turn[f"{stage}_ms"] >= 0, stage
    assert "tools_ms" not in turn  # no tool ran
    output = stream.getvalue()
    assert API_KEY not in output and api.llm.api_key not in output
