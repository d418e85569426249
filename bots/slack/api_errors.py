"""What a Slack Web API call can raise when Slack refuses it or cannot be reached.

slack_sdk wraps Slack's own refusals (`SlackApiError`) but lets the transport's errors
through unwrapped: a dropped connection or a timeout arrives as an aiohttp, OS or timeout
error. Best-effort calls catch all of these, so a network hiccup is logged like a refusal
instead of escaping into a listener or leaving a turn half shown.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackClientError

SLACK_ERRORS: tuple[type[Exception], ...] = (
    SlackClientError,  # SlackApiError included
    aiohttp.ClientError,
    OSError,
    TimeoutError,
)
