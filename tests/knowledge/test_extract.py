from __future__ import annotations

import pytest

from npc.knowledge.extract import event_fact, extractive_summary, rule_facts


@pytest.mark.parametrize(
    ("said", "facts"),
    [
        ("Hi, I'm Kai from Osaka.", ["The player's name is Kai.", "The player is from Osaka."]),
        ("my name is ren", ["The player's name is Ren."]),
        ("I'm hungry, what's good?", []),
        ("I am not from here", []),
        ("I'm a courier from the docks.", ["The player is a courier."]),
        ("I really like your tonkotsu!", ["The player likes my tonkotsu."]),
        (
            "I looted your store last week, sorry.",
            ["The player said they looted my store last week."],
        ),
        ("I fixed your sign", ["The player said they fixed my sign."]),
    ],
)
def test_rule_facts(said: str, facts: list[str]) -> None:
    assert [f.text for f in rule_facts(said)] == facts


def test_name_and_origin_are_keyed_and_harm_is_important() -> None:
    facts = {f.text: f for f in rule_facts("I'm Kai from Osaka. I stole your knife.")}
    assert facts["The player's name is Kai."].key == "name"
    assert facts["The player is from Osaka."].key == "origin"
    assert facts["The player said they stole my knife."].importance >= 8


def test_event_fact() -> None:
    fact = event_fact("the player looted the store")
    assert (fact.text, fact.kind, fact.importance) == ("The player looted the store.", "event", 9.0)


def test_extractive_summary_is_bounded_and_keeps_order() -> None:
    lines = [f"Player: I want bowl number {i} with extra chashu and egg." for i in range(30)]
    summary = extractive_summary(["Player: Hi.", *lines, "Jin: Sit."], max_chars=200)
    assert 0 < len(summary) <= 200
    numbers = [int(w) for w in summary.split() if w.isdigit()]
    assert numbers == sorted(numbers)
