"""Socket Mode: envelopes acked, answered once across reconnects, commands and shortcuts."""

from __future__ import annotations

from tests.fakes.fake_slack import command_form, mention_payload, shortcut_payload
from tests.slack.conftest import Slack, SlackFactory

ROOT = "1700000000.000100"


async def _socket_slack(make_slack: SlackFactory) -> Slack:
    slack = await make_slack(socket_mode=True)
    await slack.fake.wait_for(lambda: slack.fake.open_sockets)
    return slack


async def test_socket_mode_has_no_http_route(make_slack: SlackFactory) -> None:
    slack = await _socket_slack(make_slack)
    assert (await slack.send(mention_payload("hi"))).status == 404
    assert slack.fake.connections_opened == 1


async def test_events_are_acked_and_answered(make_slack: SlackFactory) -> None:
    slack = await _socket_slack(make_slack)
    envelope = await slack.fake.send_envelope("events_api", mention_payload("AAPL?", ts=ROOT))
    await slack.fake.wait_for(lambda: envelope in slack.fake.acks)
    assert (await slack.answers("C0MARKETS", ROOT))[0].startswith("Echo: AAPL?")


async def test_redelivery_after_a_reconnect_is_acked_and_not_answered_again(
    make_slack: SlackFactory,
) -> None:
    slack = await _socket_slack(make_slack)
    payload = mention_payload("AAPL?", ts=ROOT)
    await slack.fake.send_envelope("events_api", payload)
    await slack.answers("C0MARKETS", ROOT)
    await slack.fake.drop_connections()
    await slack.fake.wait_for(
        lambda: slack.fake.connections_opened == 2 and slack.fake.open_sockets
    )
    again = await slack.fake.send_envelope("events_api", payload, retry_attempt=1)
    await slack.fake.wait_for(lambda: again in slack.fake.acks)
    await slack.settle()
    finished = [m for m in slack.fake.bot_messages("C0MARKETS") if m.get("thread_ts") == ROOT]
    assert len(finished) == 1
    assert len(slack.llm.requests) == 1


async def test_slash_command_and_shortcut_over_the_socket(make_slack: SlackFactory) -> None:
    slack = await _socket_slack(make_slack)
    await slack.fake.send_envelope("events_api", mention_payload("AAPL?", ts=ROOT))
    await slack.answers("C0MARKETS", ROOT)
    response_url = slack.fake.new_response_url()
    form = command_form("/dexter-history", "", response_url=response_url)
    envelope = await slack.fake.send_envelope("slash_commands", form)
    await slack.fake.wait_for(lambda: envelope in slack.fake.acks)
    response = await slack.fake.wait_for(lambda: slack.fake.responses)
    assert "AAPL?" in response[0]["text"]
    assert response[0]["response_type"] == "ephemeral"
    shortcut = shortcut_payload(
        "dexter_history", response_url=slack.fake.new_response_url(), message_ts=ROOT
    )
    await slack.fake.send_envelope("interactive", shortcut)
    ephemeral = await slack.fake.wait_for(lambda: slack.fake.ephemerals)
    assert ephemeral[0]["thread_ts"] == ROOT and "History of this thread" in ephemeral[0]["text"]
