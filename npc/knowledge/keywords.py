"""Keyword matching over a character's chunks, so exact names ("Mr. Sato", "Kettle") count.

The score of a chunk is the IDF-weighted share of the query's words it contains: 1.0 when
every informative word of the query is in the chunk, near 0 when only common words are.
We chose this over raw BM25 because it is bounded in [0, 1], so it can be fused with a cosine
similarity and held to an absolute threshold; IDF still makes rare words (names) dominate.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = """a about above after again all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just let me more most my myself no nor not now of off on once only
    or other our ours out over own same she should so some such than that the their theirs
    them then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours s t d ll m re ve
    tell know please much many thing things get got"""
STOPWORDS = frozenset(_STOPWORDS.split())


def stem(word: str) -> str:
    """A light stemmer: enough to match plurals and simple verb forms."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Informative, stemmed, lower-case words of ``text``."""
    return [stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS]


class KeywordIndex:
    """An inverted index over documents, built once and read by many threads."""

    def __init__(self, documents: Sequence[str]) -> None:
        self.size = len(documents)
        postings: dict[str, list[int]] = defaultdict(list)
        for i, doc in enumerate(documents):
            for term in set(terms(doc)):
                postings[term].append(i)
        self._postings = {t: np.asarray(ids, dtype=np.int64) for t, ids in postings.items()}
        self._unseen_idf = self._idf(0)

    def _idf(self, df: int) -> float:
        return math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))

    def scores(self, query: str) -> NDArray[np.float32]:
        """Each document's IDF-weighted coverage of the query's terms, in [0, 1]."""
        out = np.zeros(self.size, dtype=np.float32)
        total = 0.0
        for term in set(terms(query)):
            ids = self._postings.get(term)
            if ids is None:
                total += self._unseen_idf  # an unknown word still makes the query less covered
                continue
            idf = self._idf(len(ids))
            total += idf
            out[ids] += idf
        if total > 0:
            out /= total
        return out
