"""Generates bench/data/context_quality.json: long finance conversations with labelled probes.

Deterministic (seeded): `python -m bench.context_quality_data` rewrites the same file.
Each conversation is a Slack-style thread between two or three analysts and Dexter,
about a handful of companies: revenue, margins, cash flow, insider trades, dividends,
debt, valuation, segments, guidance, risk factors, prices and news, for various periods
written in the many ways people write them ("Q3 2024", "3Q24", "fiscal 2023", ...).
Some questions are follow-ups that only make sense after the previous turn ("and for
MSFT?", "what about a year earlier?").

Probes are questions asked at some point of a conversation, each with the earlier turns
that answer it labelled:
- `recall`: the same company, subject and period as earlier turns, reworded (often
  naming the company by description, "the iPhone maker", rather than by name);
- `compare`: two earlier subjects at once ("how does X's margin compare with Y's?");
- `followup`: "and for MSFT?" right after a turn: only the previous turn answers it;
- `who`: "what did Priya ask about Tesla?": the turns that user asked about it.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

OUTPUT = Path(__file__).parent / "data" / "context_quality.json"
CONVERSATIONS = 24
TURNS = (42, 56)
SEED = 20240917


@dataclass(frozen=True)
class Company:
    ticker: str
    name: str
    description: str
    driver: str
    segment: str


COMPANIES = [
    Company("AAPL", "Apple", "the iPhone maker", "iPhone 15 demand", "Services"),
    Company(
        "MSFT", "Microsoft", "the Windows and Azure company", "Azure growth", "Intelligent Cloud"
    ),
    Company("NVDA", "Nvidia", "the GPU designer", "data center GPUs", "Data Center"),
    Company("TSLA", "Tesla", "the EV maker", "Model Y volumes", "Energy Storage"),
    Company("AMZN", "Amazon", "the e-commerce and cloud giant", "AWS", "AWS"),
    Company(
        "JPM", "JPMorgan", "the largest US bank", "higher rates", "Consumer & Community Banking"
    ),
    Company("GOOGL", "Alphabet", "Google's parent company", "search ads", "Google Cloud"),
    Company("META", "Meta", "the Facebook and Instagram owner", "Reels ads", "Reality Labs"),
    Company("KO", "Coca-Cola", "the soft-drink maker", "pricing", "Global Ventures"),
    Company("XOM", "Exxon", "the oil major", "Permian output", "Upstream"),
    Company("PFE", "Pfizer", "the vaccine maker", "Paxlovid", "Biopharma"),
    Company("WMT", "Walmart", "the big-box retailer", "grocery", "Sam's Club"),
    Company("NFLX", "Netflix", "the streaming service", "paid sharing", "UCAN streaming"),
    Company("BA", "Boeing", "the plane maker", "737 deliveries", "Defense, Space & Security"),
    Company("COST", "Costco", "the warehouse club", "membership fees", "US warehouses"),
]

ANALYSTS = [("U01", "Priya"), ("U02", "Marcus"), ("U03", "Elena"), ("U04", "Tom"), ("U05", "Aiko")]


@dataclass(frozen=True)
class Period:
    forms: tuple[str, ...]  # ways of writing the same period
    year: int


def _periods() -> list[Period]:
    periods = []
    ordinals = ["first", "second", "third", "fourth"]
    for year in (2022, 2023, 2024):
        yy = year % 100
        periods.append(
            Period((f"fiscal {year}", f"FY{year}", f"FY{yy}", f"full-year {year}"), year)
        )
        for q in range(1, 5):
            periods.append(
                Period(
                    (
                        f"Q{q} {year}",
                        f"{q}Q{yy}",
                        f"the {ordinals[q - 1]} quarter of {year}",
                        f"Q{q} FY{yy}",
                    ),
                    year,
                )
            )
    return periods


PERIODS = _periods()

# Each subject: question forms (the original turn), reworded forms (recall probes), answer.
# {c} company name, {t} ticker, {d} description, {p} period, {x}/{y}/{z} figures.
SUBJECTS: dict[str, dict[str, list[str] | str]] = {
    "revenue": {
        "ask": [
            "What was {c}'s revenue in {p}?",
            "How much did {t} sell in {p}?",
            "Pull {c}'s top line for {p}.",
        ],
        "recall": [
            "Remind me how big {d}'s sales were in {p}",
            "What did we find for {t} turnover in {p} again?",
            "Go back to {c}'s revenue for {p}: what was it?",
        ],
        "answer": (
            "{c} ({t}) reported revenue of ${x}B in {p}, {dir} {y}% year over year, mostly "
            "on {driver}. Consensus had been ${z}B."
        ),
    },
    "margin": {
        "ask": [
            "What was {c}'s gross margin in {p}?",
            "How profitable was {t} in {p}, margin-wise?",
            "Show me {c}'s gross and operating margins for {p}.",
        ],
        "recall": [
            "How profitable were {d}'s products in {p}, in margin terms?",
            "What margin did {t} post in {p} when we checked earlier?",
            "Remind me of {c}'s profitability for {p}",
        ],
        "answer": (
            "{c}'s gross margin was {y}.{z}% in {p} and its operating margin {x}%. Mix "
            "shift toward {segment} helped, input costs did not."
        ),
    },
    "cash_flow": {
        "ask": [
            "What was {c}'s free cash flow in {p}?",
            "How much cash did {t} generate in {p}?",
            "Give me {c}'s operating cash flow and capex for {p}.",
        ],
        "recall": [
            "How much cash was {d} throwing off in {p}?",
            "What was the FCF figure for {t} in {p} we saw?",
            "Remind me of {c}'s cash generation in {p}",
        ],
        "answer": (
            "{c} generated ${x}B of operating cash flow in {p}; after ${z}B of capital "
            "expenditure, free cash flow was about ${y}B."
        ),
    },
    "insider": {
        "ask": [
            "Any insider trades at {c} in {p}?",
            "Have {t} executives been buying or selling stock in {p}?",
            "Show insider transactions for {c} during {p}.",
        ],
        "recall": [
            "Were the people running {d} dumping shares in {p}?",
            "What insider selling did we see at {t} in {p}?",
            "Remind me who traded {c} stock internally in {p}",
        ],
        "answer": (
            "In {p}, {y} insiders at {c} filed Form 4s: the CFO sold {x},000 shares under "
            "a 10b5-1 plan and one director bought {z},000 shares in the open market."
        ),
    },
    "dividend": {
        "ask": [
            "What dividend did {c} pay in {p}?",
            "How much did {t} return to shareholders in {p}?",
            "Show {c}'s dividends and buybacks for {p}.",
        ],
        "recall": [
            "How generous was {d} with shareholders in {p}?",
            "What was {t}'s payout and repurchase total in {p}?",
            "Remind me of {c}'s capital return in {p}",
        ],
        "answer": (
            "{c} paid ${y}.{z} per share in dividends in {p} and repurchased ${x}B of "
            "stock, a payout ratio of about {z}{y}%."
        ),
    },
    "debt": {
        "ask": [
            "How much debt did {c} carry at the end of {p}?",
            "What does {t}'s balance sheet look like for {p}?",
            "Show {c}'s leverage for {p}.",
        ],
        "recall": [
            "How indebted was {d} by the end of {p}?",
            "What was {t}'s net debt position in {p}?",
            "Remind me of {c}'s leverage in {p}",
        ],
        "answer": (
            "At the end of {p} {c} had ${x}B of total debt against ${z}B of cash, net "
            "leverage of {y}.{z}x EBITDA; {y}% of the debt is fixed-rate."
        ),
    },
    "valuation": {
        "ask": [
            "What P/E was {c} trading at in {p}?",
            "Is {t} expensive relative to {p} earnings?",
            "Give me {c}'s valuation multiples as of {p}.",
        ],
        "recall": [
            "How richly valued was {d} in {p}?",
            "What multiple did {t} trade on in {p}?",
            "Remind me of {c}'s price-to-earnings in {p}",
        ],
        "answer": (
            "On {p} earnings {c} traded at {x} times earnings and {y} times EV/EBITDA, "
            "versus a five-year average P/E of {z}."
        ),
    },
    "segment": {
        "ask": [
            "How did {c}'s {segment} segment do in {p}?",
            "Break down {t}'s segment revenue for {p}.",
            "What did {segment} contribute at {c} in {p}?",
        ],
        "recall": [
            "How was {d}'s {segment} business doing in {p}?",
            "What did the {segment} unit of {t} bring in during {p}?",
            "Remind me of the {segment} numbers for {c} in {p}",
        ],
        "answer": (
            "{segment} brought in ${x}B at {c} in {p}, {y}% of the total, growing {z}% "
            "year over year with operating income of ${y}.{z}B."
        ),
    },
    "guidance": {
        "ask": [
            "What guidance did {c} give for the period after {p}?",
            "What is {t}'s outlook following {p} results?",
            "Did {c} raise or cut guidance in {p}?",
        ],
        "recall": [
            "What did {d} say about the outlook back in {p}?",
            "Where did {t} guide after {p}?",
            "Remind me of {c}'s forecast from {p}",
        ],
        "answer": (
            "With its {p} results {c} guided next-period revenue to ${x}B-${w}B and said "
            "{driver} should keep growing {y}%; management {dir} the full-year outlook."
        ),
    },
    "risk": {
        "ask": [
            "What are the main risk factors in {c}'s {p} 10-K?",
            "Summarise {t}'s risk disclosures from {p}.",
            "Which risks did {c} flag in its {p} annual report?",
        ],
        "recall": [
            "What dangers did {d} warn investors about in {p}?",
            "What were the key risk factors in the {t} filing for {p}?",
            "Remind me of the risks in {c}'s {p} report",
        ],
        "answer": (
            "{c}'s {p} 10-K lists {y} risk factors; the new ones concern {driver}, export "
            "controls and a pending antitrust case. Litigation reserves rose to ${x}M."
        ),
    },
    "price": {
        "ask": [
            "How did {c}'s stock perform in {p}?",
            "What was {t}'s share price return in {p}?",
            "Chart {c}'s stock over {p}.",
        ],
        "recall": [
            "How did {d}'s shares trade through {p}?",
            "What return did {t} stock deliver in {p}?",
            "Remind me of {c}'s share price move in {p}",
        ],
        "answer": (
            "{t} closed {p} at ${x}{z}, {dir} {y}% over the period, against the S&P 500's "
            "{z}%; the low was ${x}{y} after the earnings release."
        ),
    },
}

FOLLOWUP_OTHER_COMPANY = [
    "And for {t}?",
    "What about {c}?",
    "Same for {t}, please.",
    "How about {t} for comparison?",
]
FOLLOWUP_OTHER_PERIOD = ["And {p}?", "What about {p}?", "Same question for {p}."]
CHATTER = [
    (
        "Thanks, that's useful.",
        "You're welcome. Ask if you want the underlying filings or a chart.",
    ),
    ("Can you keep answers shorter?", "Sure, I'll keep answers brief from now on."),
    (
        "Which data source do you use?",
        "Financial statements, prices and filings come from the Financial Datasets API.",
    ),
]


def _figures(rng: random.Random) -> dict[str, object]:
    x = rng.randint(2, 98)
    return {
        "x": x,
        "w": x + rng.randint(1, 9),
        "y": rng.randint(1, 9),
        "z": rng.randint(10, 60),
        "dir": rng.choice(["up", "down"]),
    }


def _fill(template: str, company: Company, period: str, figures: dict[str, object]) -> str:
    return template.format(
        c=company.name,
        t=company.ticker,
        d=company.description,
        p=period,
        driver=company.driver,
        segment=company.segment,
        **figures,
    )


def _conversation(index: int, rng: random.Random) -> dict[str, object]:
    companies = rng.sample(COMPANIES, rng.randint(3, 5))
    people = rng.sample(ANALYSTS, rng.randint(2, 3))
    count = rng.randint(*TURNS)
    start = 1_735_700_000 + index * 86_400 * 3
    turns: list[dict[str, object]] = []
    facts: list[tuple[str, str, int] | None] = []  # (ticker, subject, period index) per turn
    probes: list[dict[str, object]] = []
    clock = start
    while len(turns) < count:
        clock += rng.randint(40, 900)
        user_id, user_name = rng.choice(people)
        previous = facts[-1] if facts else None
        roll = rng.random()
        if previous and roll < 0.18:
            ticker, subject, period_index = previous
            if rng.random() < 0.6:
                company = rng.choice([c for c in companies if c.ticker != ticker])
                query = _fill(rng.choice(FOLLOWUP_OTHER_COMPANY), company, "", {})
            else:
                company = next(c for c in companies if c.ticker == ticker)
                period_index = rng.randrange(len(PERIODS))
                query = _fill(
                    rng.choice(FOLLOWUP_OTHER_PERIOD),
                    company,
                    rng.choice(PERIODS[period_index].forms),
                    {},
                )
            ticker = company.ticker
        elif roll < 0.23:
            query, answer = rng.choice(CHATTER)
            turns.append(_turn(query, answer, user_id, user_name, clock))
            facts.append(None)
            continue
        else:
            company = rng.choice(companies)
            subject = rng.choice(list(SUBJECTS))
            period_index = rng.randrange(len(PERIODS))
            query = _fill(
                rng.choice(SUBJECTS[subject]["ask"]),
                company,
                rng.choice(PERIODS[period_index].forms),
                {},
            )
        figures = _figures(rng)
        answer = _answer(subject, company, rng.choice(PERIODS[period_index].forms), figures, rng)
        turns.append(_turn(query, answer, user_id, user_name, clock))
        facts.append((company.ticker, subject, period_index))

    probes.extend(_recall_probes(turns, facts, companies, rng))
    probes.extend(_compare_probes(facts, companies, rng))
    probes.extend(_followup_probes(facts, companies, rng))
    probes.extend(_who_probes(turns, facts, companies, rng))
    return {"id": f"thread-{index:02d}", "turns": turns, "probes": probes}


DETAILS = [
    (
        "| metric | value | y/y |\n|---|---|---|\n| headline | ${x}B | {dir} {y}% |\n| "
        "adjusted | ${w}B | {dir} {z}% |"
    ),
    "Management attributed the change to {driver}, and flagged currency as a {y}-point headwind.",
    (
        "Street estimates ranged from ${x}B to ${w}B; the reported figure sits near "
        "the top of that range."
    ),
    (
        "For context, the prior-year figure was ${w}B and the five-year compound "
        "growth rate is {y}.{z}%."
    ),
    "Note that {p} includes a one-off charge of ${y}00M, which the adjusted figures exclude.",
]


def _answer(
    subject: str, company: Company, period: str, figures: dict[str, object], rng: random.Random
) -> str:
    """An answer shaped like Dexter's: the figure, some detail, and its sources."""
    parts = [SUBJECTS[subject]["answer"], *rng.sample(DETAILS, rng.randint(1, 3))]
    parts.append("Sources: {t} filings for {p} (10-Q/10-K), Financial Datasets API.")
    return "\n\n".join(_fill(part, company, period, figures) for part in parts)


def _turn(query: str, answer: str, user_id: str, user_name: str, clock: int) -> dict[str, object]:
    return {
        "query": query,
        "answer": answer,
        "user_id": user_id,
        "user_name": user_name,
        "created_at": clock,
    }


def _matching(
    facts, position: int, ticker: str, subject: str, period_index: int | None
) -> list[int]:
    return [
        i
        for i, fact in enumerate(facts[:position])
        if fact
        and fact[0] == ticker
        and fact[1] == subject
        and (period_index is None or fact[2] == period_index)
    ]


def _company(companies: list[Company], ticker: str) -> Company:
    return next(c for c in companies if c.ticker == ticker)


def _recall_probes(turns, facts, companies, rng) -> list[dict[str, object]]:
    probes = []
    for position in sorted(rng.sample(range(20, len(turns)), 4)):
        candidates = [i for i, fact in enumerate(facts[: position - 4]) if fact]
        if not candidates:
            continue
        ticker, subject, period_index = facts[rng.choice(candidates)]
        company = _company(companies, ticker)
        form = rng.choice(PERIODS[period_index].forms)
        query = _fill(rng.choice(SUBJECTS[subject]["recall"]), company, form, {})
        relevant = _matching(facts, position, ticker, subject, period_index)
        probes.append(
            {"kind": "recall", "position": position, "query": query, "relevant": relevant}
        )
    return probes


def _compare_probes(facts, companies, rng) -> list[dict[str, object]]:
    probes = []
    for position in sorted(rng.sample(range(25, len(facts)), 2)):
        by_subject: dict[str, Counter[str]] = {}
        for fact in facts[: position - 3]:
            if fact:
                by_subject.setdefault(fact[1], Counter())[fact[0]] += 1
        # Companies discussed once or twice on the subject: a comparison with a clear answer.
        options = [
            (subject, sorted(t for t, n in counts.items() if n <= 2))
            for subject, counts in sorted(by_subject.items())
        ]
        options = [(subject, tickers) for subject, tickers in options if len(tickers) >= 2]
        if not options:
            continue
        subject, tickers = rng.choice(options)
        first, second = rng.sample(tickers, 2)
        name = subject.replace("_", " ")
        first_name = _company(companies, first).name
        second_name = _company(companies, second).name
        query = rng.choice(
            [
                f"How does {first_name}'s {name} compare with what we found for {second}?",
                f"Put the {first} and {second_name} {name} figures we discussed side by side.",
            ]
        )
        relevant = _matching(facts, position, first, subject, None) + _matching(
            facts, position, second, subject, None
        )
        probes.append(
            {"kind": "compare", "position": position, "query": query, "relevant": sorted(relevant)}
        )
    return probes


def _followup_probes(facts, companies, rng) -> list[dict[str, object]]:
    probes = []
    positions = [p for p in range(15, len(facts)) if facts[p - 1]]
    for position in sorted(rng.sample(positions, min(3, len(positions)))):
        ticker = facts[position - 1][0]
        other = rng.choice([c for c in companies if c.ticker != ticker])
        query = _fill(rng.choice(FOLLOWUP_OTHER_COMPANY), other, "", {})
        probes.append(
            {"kind": "followup", "position": position, "query": query, "relevant": [position - 1]}
        )
    return probes


def _who_probes(turns, facts, companies, rng) -> list[dict[str, object]]:
    position = len(turns)
    asked: dict[tuple[str, str], list[int]] = {}
    for i, fact in enumerate(facts):
        if fact:
            asked.setdefault((str(turns[i]["user_name"]), fact[0]), []).append(i)
    # A question with a handful of answers, not a dozen: "what did Tom ask about X?".
    options = sorted(item for item in asked.items() if len(item[1]) <= 4) or sorted(asked.items())
    (user_name, ticker), relevant = rng.choice(options)
    company = _company(companies, ticker)
    query = f"What did {user_name} ask about {company.name} earlier in this thread?"
    return [{"kind": "who", "position": position, "query": query, "relevant": relevant}]


def build() -> dict[str, object]:
    """The whole evaluation set, the same on every run."""
    rng = random.Random(SEED)
    return {"seed": SEED, "conversations": [_conversation(i, rng) for i in range(CONVERSATIONS)]}


def main() -> None:
    data = build()
    OUTPUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    probes = sum(len(c["probes"]) for c in data["conversations"])
    turns = sum(len(c["turns"]) for c in data["conversations"])
    print(
        json.dumps(
            {
                "file": str(OUTPUT),
                "conversations": len(data["conversations"]),
                "turns": turns,
                "probes": probes,
            }
        )
    )


if __name__ == "__main__":
    main()
