from __future__ import annotations

import pytest

from npc.errors import KnowledgeError
from npc.knowledge.filters import mask

ROWS = [
    {"source": "a.md", "kind": "file", "line_start": 1, "tags": ["a", "lore"]},
    {"source": "b.md", "kind": "file", "line_start": 9},
    {"source": "x.yaml#facts", "kind": "fact", "line_start": 3},
]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"kind": "fact"}, [False, False, True]),
        ({"kind": {"$ne": "fact"}}, [True, True, False]),
        ({"line_start": {"$gte": 3}}, [False, True, True]),
        ({"source": {"$in": ["a.md", "b.md"]}}, [True, True, False]),
        ({"source": {"$nin": ["a.md"]}}, [False, True, True]),
        ({"tags": {"$contains": "lore"}}, [True, False, False]),
        ({"tags": {"$not_contains": "lore"}}, [False, True, True]),
        ({"$and": [{"kind": "file"}, {"line_start": {"$lt": 5}}]}, [True, False, False]),
        ({"$or": [{"kind": "fact"}, {"source": "a.md"}]}, [True, False, True]),
        ({"kind": "file", "source": "b.md"}, [False, True, False]),
    ],
)
def test_where(where: dict[str, object], expected: list[bool]) -> None:
    assert mask(where, ROWS).tolist() == expected


@pytest.mark.parametrize("where", [{"kind": {"$like": "x"}}, {"$xor": []}, {"kind": {}}])
def test_bad_filters_say_what_is_wrong(where: dict[str, object]) -> None:
    with pytest.raises(KnowledgeError, match="bad filter"):
        mask(where, ROWS)
