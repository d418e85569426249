"""Bolt listeners, grouped by what Slack sends: events, slash commands, shortcuts.

They only translate Bolt's arguments into calls on the adapter's services.
"""
