"""History and clear: slash commands in DMs and channels, mentions in threads, shortcuts."""

from __future__ import annotations

from tests.fakes.fake_llm import TextReply
from tests.fakes.fake_slack import event_payload, mention_payload
from tests.slack.conftest import Slack

ROOT = "1700000000.000100"
OLDER = "1690000000.000100"
LINK = f"https://acme.slack.com/archives/C0MARKETS/p{ROOT.replace('.', '')}"
DM = {"channel": "D0ALICEDM", "channel_type": "im"}


async def _ask(
    slack: Slack, question: str, *, ts: str, user: str = "U0ALICE", count: int = 1
) -> None:
    await slack.send(mention_payload(question, ts=ts, user=user))
    await slack.answers("C0MARKETS", ts, count=count)


async def _turns(slack: Slack, thread_ts: str) -> int:
    return len(await slack.core.store.get_turns(f"slack:T0001ACME:C0MARKETS:{thread_ts}"))


async def test_dm_history_and_clear_act_on_the_dm(slack: Slack) -> None:
    slack.llm.enqueue(TextReply("Apple's P/E is 29."))
    await slack.send(event_payload(text="AAPL P/E?", ts="1700000100.000100", **DM))
    await slack.answers("D0ALICEDM", None)
    [history] = await slack.command("/dexter-history", channel="D0ALICEDM")
    assert history.startswith("*History of this DM* (1 turn)")
    assert "<@U0ALICE> asked:\n> AAPL P/E?" in history
    assert await slack.command("/dexter-clear", channel="D0ALICEDM") == [
        "Cleared the history of this DM (1 turn). Dexter starts fresh there."
    ]
    assert await slack.core.store.get_turns("slack:T0001ACME:D0ALICEDM") == []
    [empty] = await slack.command("/dexter-history", channel="D0ALICEDM")
    assert empty == "History of this DM: no turns yet."


async def test_channel_history_without_a_link_shows_the_latest_thread_and_lists_the_others(
    slack: Slack,
) -> None:
    await _ask(slack, "Old question about MSFT", ts=OLDER)
    await _ask(slack, "New question about AAPL", ts=ROOT)
    await _ask(slack, "Bob's own thread", ts="1700000500.000100", user="U0BOB")
    [reply] = await slack.command("/dexter-history")
    assert reply.startswith(
        f"*History of your latest thread here (<{LINK}|New question about AAPL>)*"
    )
    assert "Old question about MSFT" in reply
    assert "Your other Dexter threads here" in reply
    assert (
        "<https://acme.slack.com/archives/C0MARKETS/p1690000000000100|Old question about MSFT>"
        in reply
    )
    assert "Bob's own thread" not in reply


async def test_channel_history_with_a_thread_link(slack: Slack) -> None:
    await _ask(slack, "Old question about MSFT", ts=OLDER)
    await _ask(slack, "New question about AAPL", ts=ROOT)
    older_link = f"https://acme.slack.com/archives/C0MARKETS/p{OLDER.replace('.', '')}"
    [reply] = await slack.command("/dexter-history", f"<{older_link}> full")
    assert reply.startswith("*History of that thread* (1 turn)")
    assert "Echo: Old question about MSFT" in reply  # the whole answer
    assert "New question" not in reply


async def test_history_of_a_channel_with_no_dexter_threads(slack: Slack) -> None:
    [reply] = await slack.command("/dexter-history", channel="C0EMPTY")
    assert reply.startswith("You have no Dexter threads in <#C0EMPTY> yet.")


async def test_history_pages_stay_under_slack_limits(slack: Slack) -> None:
    slack.llm.add_rule(lambda body: True, TextReply("word " * 300))
    for n in range(6):
        follow_up = event_payload(text=f"question {n}", ts=f"1700000100.00000{n}", thread_ts=ROOT)
        await slack.send(mention_payload("first", ts=ROOT) if n == 0 else follow_up)
        await slack.answers("C0MARKETS", ROOT, count=n + 1)
    [page_one] = await slack.command("/dexter-history", f"{LINK} full")
    [page_two] = await slack.command("/dexter-history", f"{LINK} full page 2")
    assert len(page_one) <= 3900 and len(page_two) <= 3900
    assert "question 4" in page_one and "older: `page 2`" in page_one
    assert "question 4" not in page_two and "Page 2 of" in page_two


async def test_mention_commands_inside_a_thread_answer_privately_there(slack: Slack) -> None:
    await _ask(slack, "AAPL margins?", ts=ROOT)
    await slack.send(
        event_payload(
            kind="app_mention", text="<@U0DEXTER> history", ts="1700000200.000100", thread_ts=ROOT
        )
    )
    await slack.settle()
    [history] = slack.fake.ephemerals
    assert (history["user"], history["thread_ts"]) == ("U0ALICE", ROOT)
    assert "AAPL margins?" in history["text"]
    await slack.send(
        event_payload(
            kind="app_mention", text="<@U0DEXTER> clear", ts="1700000300.000100", thread_ts=ROOT
        )
    )
    await slack.settle()
    assert slack.fake.ephemerals[-1]["text"].startswith(
        "Cleared the history of this thread (1 turn)"
    )
    assert await _turns(slack, ROOT) == 0
    assert len(slack.llm.requests) == 1  # commands never reach the agent


async def test_message_shortcuts_act_on_the_thread_of_the_message(slack: Slack) -> None:
    await _ask(slack, "AAPL margins?", ts=ROOT)
    [history] = await slack.shortcut(
        "dexter_history", message_ts="1700000050.000200", thread_ts=ROOT
    )
    assert history["thread_ts"] == ROOT and "AAPL margins?" in history["text"]
    [cleared] = await slack.shortcut("dexter_clear", message_ts=ROOT)
    assert cleared["text"].startswith("Cleared the history of this thread")
    [nothing] = await slack.shortcut("dexter_history", message_ts="1600000000.000100")
    assert nothing["text"] == "Dexter has no conversation in this thread."


async def test_only_participants_and_admins_may_clear_a_channel_thread(slack: Slack) -> None:
    await _ask(slack, "AAPL margins?", ts=ROOT)
    [refused] = await slack.command("/dexter-clear", LINK, user="U0BOB")
    assert refused.startswith("Only people who took part in that thread, or workspace admins")
    assert await _turns(slack, ROOT) == 1
    [history] = await slack.command("/dexter-history", LINK, user="U0BOB")
    assert "AAPL margins?" in history  # reading what the channel can see is fine
    [cleared] = await slack.command("/dexter-clear", LINK, user="U0CAROL")
    assert cleared.startswith("Cleared the history of that thread (1 turn)")
    assert await _turns(slack, ROOT) == 0


async def test_clear_without_a_link_clears_the_callers_latest_thread(slack: Slack) -> None:
    await _ask(slack, "Old question", ts=OLDER)
    await _ask(slack, "New question", ts=ROOT)
    [reply] = await slack.command("/dexter-clear")
    assert reply.startswith("Cleared the history of your latest thread here")
    assert (await _turns(slack, ROOT), await _turns(slack, OLDER)) == (0, 1)


async def test_bad_links_and_unknown_words_get_a_clear_answer_and_change_nothing(
    slack: Slack,
) -> None:
    await _ask(slack, "AAPL margins?", ts=ROOT)
    cases = {
        LINK.replace("acme", "globex"): "another Slack workspace",
        LINK.replace("C0MARKETS", "C0OTHER"): "Run the command in that channel",
        "https://acme.slack.com/archives/C0MARKETS/pnope": "does not look like a Slack thread link",
        "everything": "I don't know `everything`",
        "page -1": "is not a page number",
    }
    for words, expected in cases.items():
        [reply] = await slack.command(
            "/dexter-clear" if "page" not in words else "/dexter-history", words
        )
        assert expected in reply, (words, reply)
    assert await _turns(slack, ROOT) == 1
