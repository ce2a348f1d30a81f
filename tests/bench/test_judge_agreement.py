"""The agreement bench's store: a long judge run done in pieces gives the figures of one run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "judge_agreement", ROOT / "bench/judge_agreement.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["judge_agreement"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_stored_verdicts_come_back_as_scored(bench: ModuleType, tmp_path: Path) -> None:
    one = bench.Verdicts()
    one.add("judge", "acknowledged_pain", True, False, "t1", "line 3 says so")
    one.add("goal", "calm@4", False, False, "t1", "no line shows it")
    path = tmp_path / "agree.jsonl"
    bench.Store(path).put("model|t1|abc", one)
    back = bench.Store(path).get("model|t1|abc")
    assert back is not None
    assert back.pairs == one.pairs
    assert back.items == one.items
    assert back.misses == ["t1 acknowledged_pain: check True, reader False (line 3 says so)"]
    assert bench.Store(path).get("model|t1|other") is None  # another digest: scored again


def test_every_labelled_transcript_has_its_own_digest(bench: ModuleType) -> None:
    labelled = list(bench.load_labelled(ROOT / "characters"))
    digests = {t.digest for t in labelled}
    assert len(labelled) >= 40
    assert len(digests) == len(labelled)
    # The same transcript under another scenario text is another digest.
    entry = {"id": "x", "lines": []}
    assert bench.digest(entry, "a") != bench.digest(entry, "b")
    assert bench.digest(entry, "a") == bench.digest(entry, "a")
