"""Retries and redeliveries are answered once: HTTP retries, new event ids, other processes."""

from __future__ import annotations

import asyncio

from tests.fakes.fake_slack import mention_payload
from tests.slack.conftest import QUIET_SECONDS, Slack, SlackFactory

ROOT = "1700000000.000100"


def _finished(slack: Slack) -> list[str]:
    return [m["text"] for m in slack.fake.bot_messages("C0MARKETS") if m.get("thread_ts") == ROOT]


async def test_http_retries_of_one_event_are_answered_once(slack: Slack) -> None:
    payload = mention_payload("AAPL revenue?", ts=ROOT)
    first = await slack.send(payload)
    retries = [await slack.send(payload, retry_num=n) for n in (1, 2, 3)]
    assert first.status == 200 and all(r.status == 200 for r in retries)
    await slack.answers("C0MARKETS", ROOT)
    await slack.settle()
    assert len(_finished(slack)) == 1
    assert len(slack.llm.requests) == 1


async def test_redelivery_under_a_new_event_id_is_dropped_by_client_msg_id(slack: Slack) -> None:
    payload = mention_payload("AAPL revenue?", ts=ROOT, client_msg_id="c0ffee00-aaaa")
    again = mention_payload("AAPL revenue?", ts=ROOT, client_msg_id="c0ffee00-aaaa")
    assert payload["event_id"] != again["event_id"]
    await asyncio.gather(slack.send(payload), slack.send(again))
    await slack.answers("C0MARKETS", ROOT)
    await slack.settle()
    assert len(_finished(slack)) == 1


async def test_two_processes_sharing_redis_answer_a_delivery_once(
    redis_url: str, redis_prefix: str, make_slack: SlackFactory
) -> None:
    one = await make_slack(redis_url=redis_url, dexter_redis_prefix=redis_prefix)
    two = await make_slack(redis_url=redis_url, dexter_redis_prefix=redis_prefix)
    payload = mention_payload("AAPL revenue?", ts=ROOT)
    deliveries = await asyncio.gather(one.send(payload), two.send(payload, retry_num=1))
    assert [d.status for d in deliveries] == [200, 200]
    await one.fake.wait_for(lambda: any(not t.startswith(":hourglass") for t in _finished(one)))
    await asyncio.sleep(QUIET_SECONDS)
    assert len(_finished(one)) == 1
    assert len(one.llm.requests) == 1
