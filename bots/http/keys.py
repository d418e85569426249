"""Typed keys for what the HTTP app and its requests carry."""

from __future__ import annotations

from aiohttp import web

from dexter_core.core import Core

CORE = web.AppKey("dexter_core", Core)
SIGNING_KEY = web.AppKey("session_signing_key", bytes)
# The authenticated caller: the JWT `sub`, or "" when the API does not use JWT.
SUBJECT = web.RequestKey("subject", str)
