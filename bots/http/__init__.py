"""The HTTP server: the session API with streamed answers, health, readiness and metrics."""

from bots.http.app import create_app

__all__ = ["create_app"]
