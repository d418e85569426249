"""Dexter in Slack: a slack-bolt async app that turns mentions, DMs and thread replies into
turns of the shared core, and shows their progress and answers in the thread.

Bolt listeners live in `listeners/`; the decisions they rely on (what to answer, command
arguments, mrkdwn, splitting, progress) are pure functions in the `*_logic` modules.
"""
