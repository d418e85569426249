"""HTTP mode: Bolt's signature and timestamp checks, URL verification, malformed bodies."""

from __future__ import annotations

import json
import time

from tests.fakes.fake_slack import deliver, load_fixture, mention_payload
from tests.slack.conftest import Slack

ROOT = "1700000000.000100"


async def test_url_verification_echoes_the_challenge(slack: Slack) -> None:
    challenge = load_fixture("url_verification")
    delivery = await slack.send(challenge)
    assert delivery.status == 200
    assert challenge["challenge"] in delivery.text


async def test_forged_signature_is_rejected_and_nothing_happens(slack: Slack) -> None:
    delivery = await slack.send(mention_payload("AAPL?", ts=ROOT), secret="not-the-secret")
    assert delivery.status == 401
    await slack.settle()
    assert not slack.fake.calls_to("chat.postMessage")
    assert not slack.llm.requests


async def test_stale_timestamp_is_rejected_even_with_a_valid_signature(slack: Slack) -> None:
    delivery = await slack.send(mention_payload("AAPL?", ts=ROOT), timestamp=int(time.time()) - 600)
    assert delivery.status == 401
    await slack.settle()
    assert not slack.fake.calls_to("chat.postMessage")


async def test_unsigned_request_is_rejected(slack: Slack) -> None:
    body = json.dumps(mention_payload("AAPL?", ts=ROOT))
    async with slack.http.post(
        slack.events_url, data=body, headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 401


async def test_malformed_and_unknown_payloads_change_nothing(slack: Slack) -> None:
    bodies = [
        "{not json",
        json.dumps({"type": "event_callback", "team_id": "T0001ACME"}),  # no event
        json.dumps({"type": "event_callback", "event": {"type": "reaction_added"}}),
        json.dumps({"type": "event_callback", "event": {"type": "app_mention"}, "event_id": "Ev9"}),
        json.dumps({"type": "something_new"}),
        json.dumps([1, 2, 3]),
    ]
    for body in bodies:
        delivery = await deliver(slack.http, slack.events_url, raw=body)
        assert delivery.status < 500, (body, delivery.status)
    await slack.settle()
    assert not slack.fake.calls_to("chat.postMessage")
    # The adapter is still answering.
    await slack.send(mention_payload("Still there?", ts=ROOT))
    assert (await slack.answers("C0MARKETS", ROOT))[0].startswith("Echo: Still there?")


async def test_acks_come_back_fast_while_the_answer_takes_long(slack: Slack) -> None:
    from tests.fakes.fake_llm import TextReply

    slack.llm.enqueue(TextReply("Slow answer.", delay=1.5))
    delivery = await slack.send(mention_payload("AAPL?", ts=ROOT))
    assert delivery.status == 200 and delivery.seconds < 0.5
    assert (await slack.answers("C0MARKETS", ROOT)) == ["Slow answer."]


async def test_a_body_over_slacks_limit_is_refused(slack: Slack) -> None:
    delivery = await slack.send(mention_payload("x" * 1_100_000, ts=ROOT))
    assert delivery.status == 413
    await slack.settle()
    assert not slack.fake.calls_to("chat.postMessage")
