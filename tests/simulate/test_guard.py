"""Echoes, role inversions, self-repeats and loops, found line by line with their evidence."""

from __future__ import annotations

import pytest

from npc.simulate.guard import (
    Flaw,
    Person,
    Said,
    clean_part,
    flaw_kind,
    line_flaws,
    transcript_flaws,
)

CAST = {"manager": Person("manager", "Ruth Adler"), "tenant": Person("tenant", "Tom Price")}
TENANT_1 = (
    "Okay, I have a few months left to pay. We can spread the rent out over some of them. "
    "If you come back soon, we'll need to fix the heater."
)


def kinds(text: str, speaker: str, earlier: list[Said]) -> list[str]:
    return [f.kind for f in line_flaws(text, len(earlier) + 1, speaker, earlier, CAST)]


def test_the_issue_s_manager_speaks_as_the_tenant() -> None:
    earlier = [Said(1, "tenant", TENANT_1)]
    manager = (
        "Alright, I have a few months left to pay. We can spread the rent out over some of them."
    )
    [flaw] = line_flaws(manager, 2, "manager", earlier, CAST)
    assert (flaw.kind, flaw.copied_turn) == ("inversion", 1)
    assert "i have a few months left" in flaw.evidence


def test_echo_of_the_other_side_without_their_first_person_words() -> None:
    earlier = [Said(1, "tenant", "The heater in the back bedroom has been broken for three weeks.")]
    assert kinds("The heater in the back bedroom has been broken, I see.", "manager", earlier) == [
        "echo"
    ]


def test_a_reply_that_shares_a_few_words_is_fine() -> None:
    earlier = [Said(1, "tenant", "My heater has been broken for three weeks and it's freezing.")]
    assert (
        kinds(
            "Three weeks is too long. I'll send someone to fix the heater today.",
            "manager",
            earlier,
        )
        == []
    )
    assert kinds("Thank you.", "manager", [Said(1, "tenant", "Thank you.")]) == []


def test_speaker_labels_claims_and_the_own_name_as_a_vocative() -> None:
    assert kinds("Tom Price: I can't pay this month.", "manager", []) == ["inversion"]
    assert kinds("I'm Tom and I live in flat 4.", "manager", []) == ["inversion"]
    assert kinds("I am the tenant here, you know.", "manager", []) == ["inversion"]
    assert kinds("Thanks, Ruth. I'll pay on Friday.", "manager", []) == ["inversion"]
    assert kinds("I'm patient, Tom, but the rent is late.", "manager", []) == []


def test_self_repeat_and_loop() -> None:
    lines = [
        Said(1, "tenant", "When will the heater be fixed? It's freezing in my flat."),
        Said(2, "manager", "I'll call the repair company this afternoon."),
        Said(3, "tenant", "When will the heater be fixed? It's freezing in my flat."),
        Said(4, "manager", "I'll call the repair company this afternoon."),
    ]
    found = transcript_flaws(lines, CAST)
    assert [(f.turn, f.kind) for f in found] == [
        (3, "self_repeat"),
        (4, "self_repeat"),
        (4, "loop"),
    ]
    assert found[0].copied_turn == 1


def test_described_flaws_keep_their_kind() -> None:
    flaw = Flaw("self_repeat", 4, '"i\'ll call"', 2)
    assert flaw.describe() == 'self_repeat (from turn 2): "i\'ll call"'
    assert flaw_kind(flaw.describe()) == "self_repeat"
    assert flaw_kind(Flaw("loop", 5, "both sides").describe()) == "loop"


def script(*lines: tuple[str, str]) -> list[Said]:
    return [Said(turn, role, text) for turn, (role, text) in enumerate(lines, 1)]


OPENING = ("tenant", "The heater has been broken for three weeks. When will you fix it?")

SHORT_LINES = [
    # (what was said, the flaws found as (turn, kind)); short lines escape the minimum
    # lengths of copies, so repeats of them are told apart by what surrounds them.
    (  # alternating apologies, the other side changing: the third one is stuck
        [
            OPENING,
            ("manager", "Sorry."),
            ("tenant", "Sorry for what? I want a date."),
            ("manager", "I apologize."),
            ("tenant", "Stop apologizing and fix it!"),
            ("manager", "Sorry."),
            ("tenant", "Unbelievable."),
            ("manager", "I apologize."),
        ],
        [(6, "self_repeat"), (8, "self_repeat")],
    ),
    (  # both sides say their short lines again: a loop
        [
            OPENING,
            ("manager", "Sorry."),
            ("tenant", "Okay."),
            ("manager", "Sorry."),
            ("tenant", "Okay."),
        ],
        [(5, "loop")],
    ),
    (  # a short line against a longer one repeated: a loop, then the short one is stuck
        [
            OPENING,
            ("manager", "Sorry."),
            ("tenant", "Just send someone today!"),
            ("manager", "Sorry."),
            ("tenant", "Just send someone today!"),
            ("manager", "Sorry."),
        ],
        [(5, "self_repeat"), (5, "loop"), (6, "self_repeat"), (6, "loop")],
    ),
    (  # "Okay." answering twice while the other side explains: nothing wrong
        [
            OPENING,
            ("manager", "I'll call the repair company this afternoon."),
            ("tenant", "Okay."),
            ("manager", "They can usually come the next morning before nine."),
            ("tenant", "Okay."),
            ("manager", "I'll text you when they confirm the time."),
            ("tenant", "Thanks."),
        ],
        [],
    ),
    (  # a short answer after a long line, said again: not stuck
        [
            OPENING,
            ("manager", "Sorry, the part only came in this morning, so it's tomorrow."),
            ("tenant", "Tomorrow when?"),
            ("manager", "Sorry."),
            ("tenant", "That's not an answer."),
            ("manager", "Nine o'clock."),
        ],
        [],
    ),
]


@pytest.mark.parametrize(("lines", "found"), SHORT_LINES)
def test_repeats_of_short_lines(lines: list[tuple[str, str]], found: list[tuple[int, str]]) -> None:
    assert [(f.turn, f.kind) for f in transcript_flaws(script(*lines), CAST)] == found


CUSTOMER = "I have been dealing with issues for the past twelve years and nobody has helped."


@pytest.mark.parametrize(
    ("line", "part"),
    [
        # one sentence speaks as the other side, the rest answers them: the rest is said
        (
            "I have been dealing with issues for the past twelve years. What broke this time?",
            "What broke this time?",
        ),
        (
            "Twelve years is a long time. I have been dealing with issues for the past twelve"
            " years. Let me look at your account.",
            "Twelve years is a long time. Let me look at your account.",
        ),
        # every sentence is fine: nothing to cut
        ("What broke this time? Let me look.", ""),
        # nothing but the copy: no part to keep
        ("I have been dealing with issues for the past twelve years.", ""),
        # what is left is too short to stand alone
        ("I have been dealing with issues for the past twelve years. Okay.", ""),
    ],
)
def test_the_clean_part_of_a_flawed_line(line: str, part: str) -> None:
    earlier = [Said(1, "tenant", CUSTOMER)]
    assert clean_part(line, 2, "manager", earlier, CAST) == part


STAFF = {
    "rep": Person("rep", "Priya Nair", helps=True),
    "customer": Person("customer", "Gordon Hale"),
}
UNMARKED = {"rep": Person("rep", "Priya Nair"), "customer": Person("customer", "Gordon Hale")}
REP_OFFERS = ("rep", "Glad I could help. If there's anything else you need, feel free to ask.")
CUSTOMER_THANKS = ("customer", "Thank you, Priya. I appreciate your help.")


@pytest.mark.parametrize(
    ("cast", "lines", "found"),
    [
        # the helped side offers help: its line takes the rep's part
        (
            STAFF,
            [REP_OFFERS, ("customer", "Thanks. Is there anything else I can do for you?")],
            [2],
        ),
        # the same, in other words
        (STAFF, [("customer", "Of course, Priya. I'm glad to help.")], [1]),
        (STAFF, [("customer", "If you need anything else, don't hesitate to let me know.")], [1]),
        # the helping side thanks the other for the help it gave
        (STAFF, [("rep", "The internet was slow, but I appreciate your help.")], [1]),
        # each side in its own part: nothing wrong
        (STAFF, [REP_OFFERS, CUSTOMER_THANKS, ("rep", "I'm here to help, Gordon.")], []),
        # the helped side asking, not offering; help for someone else; thanks for custom
        (STAFF, [("customer", "Is there anything else I can do to get a better price?")], []),
        (STAFF, [("customer", "I'm here to help my partner choose a plan.")], []),
        (STAFF, [("rep", "Thank you for your support over the years, Gordon.")], []),
        # unmarked: two signs that agree make the rep the helper
        (UNMARKED, [REP_OFFERS, CUSTOMER_THANKS, ("customer", "How can I help you, Priya?")], [3]),
        # ... for good: a second inversion is found too
        (
            UNMARKED,
            [
                REP_OFFERS,
                CUSTOMER_THANKS,
                ("customer", "How can I help you, Priya?"),
                ("rep", "Let's look at the plans."),
                ("customer", "Is there anything else I can do for you?"),
            ],
            [3, 5],
        ),
        # unmarked: one sign is not enough
        (UNMARKED, [REP_OFFERS, ("customer", "How can I help you, Priya?")], []),
        # unmarked: signs that disagree (the rep's slip first) leave it undecided
        (
            UNMARKED,
            [
                ("rep", "Brightline gave me a phone plan. I appreciate your help."),
                REP_OFFERS,
                ("customer", "Is there anything else I can do for you?"),
            ],
            [],
        ),
    ],
)
def test_the_other_side_s_part_in_helping(
    cast: dict[str, Person], lines: list[tuple[str, str]], found: list[int]
) -> None:
    flaws = transcript_flaws(script(*lines), cast)
    assert [f.turn for f in flaws if f.kind == "inversion"] == found
    assert all(f.kind == "inversion" for f in flaws)


def test_a_help_inversion_is_cut_from_the_line() -> None:
    earlier = script(REP_OFFERS)
    line = "Thank you, Priya. I appreciate your help. Is there anything else I can do for you?"
    assert (
        clean_part(line, 2, "customer", earlier, STAFF)
        == "Thank you, Priya. I appreciate your help."
    )
