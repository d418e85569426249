"""The system prompt."""

from __future__ import annotations

import datetime as dt

from dexter_core.agent.prompts import system_prompt


def test_system_prompt_is_dated_and_names_the_asker_last() -> None:
    prompt = system_prompt(dt.date(2025, 1, 17), asker="Ann")
    assert "Today is 2025-01-17 (Friday)." in prompt
    assert prompt.endswith("\nThe question at the end comes from Ann.")
    assert "never invent" in prompt and "period" in prompt


def test_system_prompt_without_an_asker() -> None:
    assert "comes from" not in system_prompt(dt.date(2025, 1, 17))
