"""The platform adapters (Slack, Discord, console), the HTTP server and the `dexter` CLI."""
