"""Dexter's platform-neutral core: sessions, stores, context selection, the agent."""
