"""Fake Slack, Discord, OpenAI-compatible LLM and Financial Datasets servers on loopback."""
