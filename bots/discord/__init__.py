"""Dexter on Discord (discord.py), read top to bottom:

- `adapter`: `SPEC` for `dexter run` / `dexter discord`; connect, READY, stop.
- `client`: the discord.py client: intents, no pings, where events go.
- `messages`: a new message to a turn request (or a reply, or nothing).
- `commands`: `/dexter-history`, `/dexter-clear` and their "@Dexter ..." text forms.
- `sink`: one turn shown in Discord: typing, progress, the answer.
- `conversations`: which session a channel is; claiming events once.
- `endpoints`: `DISCORD_API_URL` / `DISCORD_GATEWAY_URL`.
- `*_logic`: the pure decisions and text: routing, progress, formatting, history.
"""
