"""Bad input and refusals: clear replies or silence, never a crash or a stuck placeholder."""

from __future__ import annotations

from tests.fakes.fake_slack import event_payload, mention_payload
from tests.slack.conftest import Slack, SlackFactory

ROOT = "1700000000.000100"
DM = {"channel": "D0ALICEDM", "channel_type": "im"}


def _thread(slack: Slack, channel: str = "C0MARKETS", thread_ts: str = ROOT) -> list[str]:
    return [m["text"] for m in slack.fake.thread(channel, thread_ts) if m.get("bot_id")]


async def test_a_60000_character_message_is_refused_without_a_turn(slack: Slack) -> None:
    await slack.send(mention_payload("x" * 60_000, ts=ROOT))
    await slack.settle()
    [reply] = _thread(slack)
    assert reply.startswith(
        "That message is 60,000 characters long; I can take questions of up to 8,000"
    )
    assert not slack.llm.requests


async def test_an_empty_mention_gets_a_hint(slack: Slack) -> None:
    await slack.send(mention_payload("", ts=ROOT))
    await slack.settle()
    assert _thread(slack) == [
        "Ask me a question after the mention, e.g. _@Dexter what was Apple's revenue in 2023?_"
    ]
    assert not slack.llm.requests


async def test_a_mention_with_only_a_file_says_files_are_not_read(slack: Slack) -> None:
    files = [{"id": "F0REPORT", "name": "10-K.pdf", "mimetype": "application/pdf"}]
    await slack.send(mention_payload("", ts=ROOT, files=files))
    await slack.settle()
    assert _thread(slack) == ["I can only read text, not files. Please type your question."]


async def test_a_refusal_is_sent_once_for_retried_deliveries(slack: Slack) -> None:
    payload = mention_payload("", ts=ROOT)
    for retry in (None, 1, 2):
        await slack.send(payload, retry_num=retry)
    await slack.settle()
    assert len(_thread(slack)) == 1


async def test_outside_the_allowed_users_dexter_says_it_is_not_enabled(
    make_slack: SlackFactory,
) -> None:
    slack = await make_slack(dexter_allowed_users=frozenset({"U0BOB"}))
    await slack.send(mention_payload("AAPL?", ts=ROOT))
    await slack.settle()
    [note] = slack.fake.ephemerals
    assert (note["user"], note["text"]) == (
        "U0ALICE",
        "Sorry, Dexter is not enabled here. Ask a workspace admin if you need it.",
    )
    assert not slack.fake.calls_to("chat.postMessage") and not slack.llm.requests
    assert await slack.command("/dexter-history") == [note["text"]]
    await slack.send(mention_payload("AAPL?", ts="1700000100.000100", user="U0BOB"))
    assert (await slack.answers("C0MARKETS", "1700000100.000100"))[0].startswith("Echo: AAPL?")


async def test_outside_the_allowed_channels_dexter_says_it_is_not_enabled(
    make_slack: SlackFactory,
) -> None:
    slack = await make_slack(dexter_allowed_channels=frozenset({"C0MARKETS"}))
    await slack.send(event_payload(text="AAPL?", ts="1700000100.000100", **DM))
    await slack.settle()
    assert [e["text"] for e in slack.fake.ephemerals] == [
        "Sorry, Dexter is not enabled here. Ask a workspace admin if you need it."
    ]
    await slack.send(mention_payload("AAPL?", ts=ROOT))
    assert (await slack.answers("C0MARKETS", ROOT))[0].startswith("Echo: AAPL?")


async def test_a_rate_limited_user_is_told_in_the_thread(make_slack: SlackFactory) -> None:
    slack = await make_slack(dexter_user_rate_limit=1)
    await slack.send(event_payload(text="first", ts="1700000100.000100", **DM))
    await slack.answers("D0ALICEDM", None)
    await slack.send(event_payload(text="second", ts="1700000200.000100", **DM))
    await slack.settle()
    texts = [m["text"] for m in slack.fake.bot_messages("D0ALICEDM")]
    assert len(texts) == 2 and texts[0].startswith("Echo: first")
    assert "second" not in texts[1] and texts[1]
    assert len(slack.llm.requests) == 1
