"""Every platform adapter `dexter run` knows, in start-up order.

An adapter joins by appending its module's `SPEC` here; nothing else changes.
"""

from __future__ import annotations

from bots.adapter import AdapterSpec
from bots.discord.adapter import SPEC as DISCORD
from bots.slack.adapter import SPEC as SLACK

ADAPTER_SPECS: list[AdapterSpec] = [SLACK, DISCORD]
