import pytest

from npc.knowledge.index import Hit
from npc.knowledge.memory import Memory
from npc.mind.recall import MAX_NOTE_CHARS, KnowledgeRecall, Note, focus

LORE = """## Tonkotsu
The house tonkotsu is pork-bone broth simmered for eighteen hours. It is served with thin
noodles and chashu pork. A bowl costs 12 credits.

## Miso
The miso ramen uses red and white miso from Hokkaido."""


def test_focus_keeps_the_sentences_that_answer_the_question() -> None:
    note = focus(LORE, "How much does a bowl cost?")
    assert "12 credits" in note
    assert "#" not in note
    assert len(note) <= MAX_NOTE_CHARS


def test_focus_keeps_the_original_order_of_what_it_chose() -> None:
    note = focus(LORE, "tonkotsu broth and its noodles", limit=200)
    assert note.index("broth") < note.index("noodles")


def test_focus_falls_back_to_the_opening_when_no_word_matches() -> None:
    assert focus(LORE, "zzz").startswith("The house tonkotsu")


def test_focus_shortens_one_long_sentence_to_the_limit() -> None:
    note = focus("word " * 100 + ".", "word", limit=50)
    assert len(note) <= 50 and note.endswith("...")


def test_focus_of_nothing_is_empty() -> None:
    assert focus("## only a heading", "anything") == ""


@pytest.mark.parametrize(
    ("lore", "line", "note"),
    [
        # a list keeps its heading and the items the line asks about
        (
            "Add-ons: extra legroom £18, priority boarding £8, lounge pass £22.",
            "How much is a lounge pass?",
            "Add-ons: lounge pass £22.",
        ),
        (
            "Flights: SK 201 to Dublin leaves at 10:40; SK 412 to Glasgow is delayed.",
            "Any news on the Glasgow flight?",
            "Flights: SK 412 to Glasgow is delayed.",
        ),
        (
            "Boat hire: the dinghy is 2 shillings, the skiff 3 shillings, the whaleboat 5.",
            "I'll take the dinghy and the skiff.",
            "Boat hire: the dinghy is 2 shillings, the skiff 3 shillings.",
        ),
        # parts apart by commas without a number each are one fact, kept whole
        (
            "Forecast: clear until noon tomorrow, thunderstorms from 2 in the afternoon.",
            "What's the forecast for tomorrow?",
            "Forecast: clear until noon tomorrow, thunderstorms from 2 in the afternoon.",
        ),
        # no item matches, every item matches, or no heading: as it is
        ("Prices: tea £2, coffee £3, cake £4.", "What do you sell?", None),
        ("Prices: tea £2, tea cake £3, tea loaf £4.", "Any tea?", None),
        ("The dinghy is 2 shillings, the skiff 3, the whaleboat 5.", "The skiff?", None),
    ],
)
def test_focus_cuts_a_list_to_the_items_the_line_asks_about(
    lore: str, line: str, note: str | None
) -> None:
    assert focus(lore, line) == (note or lore)


def texts(notes: list[Note]) -> list[str]:
    return [n.text for n in notes]


class ScriptedMemory:
    """Test double for PlayerMemory.recall: two past turns, best first."""

    def __init__(self, similarity: float = 0.5, turns: list[str] | None = None) -> None:
        self.similarity = similarity
        self.turns = turns or [
            "Player: a bowl of miso\nMe: Coming up.",
            "Player: miso again?\nMe: Sure.",
        ]

    def recall(self, query: str, k: int = 5, *, kinds: object = None) -> list[Memory]:
        turns = self.turns
        sim = self.similarity
        return [Memory(t, "turn", 3.0, 0.0, relevance=0.9, similarity=sim) for t in turns][:k]


class ScriptedKnowledge:
    """Test double for Knowledge: the given lore hits for any query, and a scripted memory."""

    def __init__(
        self,
        similarity: float = 0.5,
        turns: list[str] | None = None,
        hits: list[Hit] | None = None,
    ) -> None:
        self.similarity = similarity
        self.turns = turns
        self.hits = hits or []

    def memory(self, character_id: str, player_id: str) -> ScriptedMemory:
        return ScriptedMemory(self.similarity, self.turns)

    def retrieve(
        self, character_id: str, query: str, k: int = 2, *, min_score: float | None = None
    ) -> list[Hit]:
        floor = MIN_SCORE if min_score is None else min_score
        return [h for h in self.hits[:k] if h.score >= floor]


MIN_SCORE = 0.25  # knowledge.min_score's default


def fact(text: str, score: float) -> Hit:
    return Hit(text, "sheet", 1, 1, score, heading="facts")


def chunk(text: str, score: float) -> Hit:
    return Hit(text, "lore.md", 1, 3, score, heading="Lore")


CAUGHT = "Fourteen crew have rimefever."
ABOARD = "The station has 412 crew aboard."


@pytest.mark.parametrize(
    ("hits", "noted"),
    [
        ([fact(CAUGHT, 0.45), fact(ABOARD, 0.41)], [CAUGHT, ABOARD]),  # both over the bar
        ([fact(CAUGHT, 0.37), fact(ABOARD, 0.29)], [CAUGHT]),  # under it, a clear lead
        ([fact(CAUGHT, 0.37)], [CAUGHT]),  # the only hit
        ([fact(CAUGHT, 0.37), fact(ABOARD, 0.35)], []),  # no clear lead: either may be meant
        ([fact(CAUGHT, 0.31)], []),  # too far from the line
        ([chunk(CAUGHT, 0.45), chunk(ABOARD, 0.42)], []),  # a file's chunk: its own bar (0.5)
        ([chunk(CAUGHT, 0.36)], [CAUGHT]),  # ... or a clear lead
        ([fact(CAUGHT, 0.45), fact(ABOARD, 0.38)], [CAUGHT]),  # only the first may lead
    ],
)
def test_lore_notes_by_score_and_lead(hits: list[Hit], noted: list[str]) -> None:
    recall = KnowledgeRecall(ScriptedKnowledge(hits=hits), "dara", None)
    assert texts(recall.notes("How many crew have caught it so far?")) == noted


ARRIVED = "Dale arrived at 9 am and it is now noon."
TOOK = "Dale took two paracetamol tablets at 8 am."


@pytest.mark.parametrize(
    ("hits", "question", "noted"),
    [
        ([fact(ARRIVED, 0.18), fact(TOOK, 0.07)], True, [ARRIVED]),  # a clear lead
        ([fact(ARRIVED, 0.18), fact(TOOK, 0.07)], False, []),  # a question of nothing
        ([fact(ARRIVED, 0.18), fact(TOOK, 0.12)], True, []),  # either may be meant
        ([fact(ARRIVED, 0.14)], True, []),  # too far from the line
        ([chunk(ARRIVED, 0.2), chunk(TOOK, 0.1)], True, [ARRIVED]),  # a file's too
    ],
)
def test_a_question_gets_its_best_hit_when_that_leads_clearly(
    hits: list[Hit], question: bool, noted: list[str]
) -> None:
    recall = KnowledgeRecall(ScriptedKnowledge(hits=hits), "dale", None)
    assert texts(recall.notes("when did you get here?", question=question)) == noted


def test_turns_still_in_the_dialogue_are_not_recalled_again() -> None:
    recall = KnowledgeRecall(ScriptedKnowledge(), "jin", "p1")
    assert texts(recall.notes("miso")) == ["Earlier: Player: a bowl of miso Me: Coming up."]
    again = recall.notes("miso", ["a bowl of miso"])
    assert texts(again) == ["Earlier: Player: miso again? Me: Sure."]


def test_the_best_of_unrelated_memories_is_not_recalled() -> None:
    # Relevance is scaled over the candidates, so the best one always ranks high; the raw
    # similarity says whether it is about the player's words at all.
    assert KnowledgeRecall(ScriptedKnowledge(similarity=0.2), "jin", "p1").notes("tea") == []


def test_focus_does_not_cut_a_sentence_at_mr() -> None:
    lore = "Their agent is a man called Mr. Sato. He visits on Fridays."
    assert focus(lore, "who is the agent", limit=40) == "Their agent is a man called Mr. Sato."


def test_a_reply_that_only_echoed_the_player_is_not_recalled() -> None:
    turns = [
        "Player: bring me some green tea\nMe: Bring me some green tea. [actions: fetch]",
        "Player: green tea, please\nMe: Here you go.",
    ]
    recall = KnowledgeRecall(ScriptedKnowledge(turns=turns), "jin", "p1")
    assert texts(recall.notes("green tea")) == [
        "Earlier: Player: green tea, please Me: Here you go."
    ]
