"""The agent: the chat-completions client, the financial-data tools, and the orchestrator
that runs a turn's tool-calling loop and streams its progress events."""
