"""Retrieval quality, ingest throughput, query latency and peak memory of npc.knowledge.

    python bench/retrieval.py                          # quality + 1k and 10k chunks
    python bench/retrieval.py --scales 1000,10000,100000
    python bench/retrieval.py --sweep                  # hit@k for several keyword weights

Quality: the labelled questions in bench/data/retrieval_questions.yaml against the example
characters' lore (hit@1, hit@3: the expected source and heading among the top 1 / 3), and
the best score an off-topic question gets. Ingest throughput: a synthetic character of
~1k chunks ingested for real (chunking, embedding, chromadb writes). Scale: Jin's lore plus
synthetic filler chunks (their vectors are real embeddings of filler text, jittered, so
they compete like text would) at each size; latency is ``KnowledgeStore.retrieve`` end to
end, query embedding included; chromadb's own query is timed beside it for comparison.
Peak RSS is the whole process.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from ruamel.yaml import YAML

# This checkout's npc first, not an installed one (a worktree runs its own code).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from npc.character.loader import load_sheet
from npc.config import load_settings
from npc.knowledge.chroma import character_collection
from npc.knowledge.config import KnowledgeSettings
from npc.knowledge.index import Rows
from npc.knowledge.store import KnowledgeStore
from npc.providers.registry import registry

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "bench" / "data" / "retrieval_questions.yaml"
CHARACTERS = ("jin", "nova", "triage_nurse")
_WORDS = (
    "harbour lantern copper tide market signal engine orchard winter ledger cable drone "
    "temple courier festival river garden archive reactor bridge tunnel workshop ferry "
    "violin canal meadow circuit ration vault beacon caravan quarry mirror compass "
    "glacier satellite bakery stadium museum parade silo furnace pylon monastery"
)
WORDS = _WORDS.split()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_questions() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(QUESTIONS.read_text())
    return data


def quality(store: KnowledgeStore, questions: list[dict[str, str]]) -> tuple[float, float]:
    at1 = at3 = 0
    for q in questions:
        hits = store.retrieve(q["character"], q["q"], k=3, min_score=0.0)
        found = [(h.source, h.heading.split(" > ")[-1]) for h in hits]
        want = (q["source"], q["heading"])
        at1 += bool(found[:1] == [want])
        at3 += want in found
    return at1 / len(questions), at3 / len(questions)


def filler(n: int, pool_texts: list[str], pool: np.ndarray, rng: np.random.Generator) -> Rows:
    """``n`` filler rows: pool vectors with noise, texts from the pool with a unique tag."""
    picks = rng.integers(0, len(pool_texts), n)
    vectors = pool[picks] + rng.normal(0, 0.02, (n, pool.shape[1])).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"filler-{i}" for i in range(n)]
    docs = [f"{pool_texts[p]} (record {i})" for i, p in enumerate(picks)]
    metas: list[dict[str, Any]] = [
        {"source": f"filler/{i // 10}.md", "line_start": 1, "line_end": 2, "heading": "Filler",
         "kind": "file", "file_hash": "x", "n_chunks": 10, "chunk": i % 10, "owner": "bench"}
        for i in range(n)
    ]  # fmt: skip
    return Rows(ids, docs, metas, vectors.astype(np.float32))


def filler_texts(count: int, rng: random.Random) -> list[str]:
    return [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 60))).capitalize() + "."
        for _ in range(count)
    ]


def ingest_throughput(settings: Any, embedder: Any, work: Path, chunks: int) -> None:
    """Ingest a synthetic character of about ``chunks`` chunks, for real."""
    folder = work / "synthetic"
    (folder / "knowledge").mkdir(parents=True)
    rng = random.Random(1)
    per_file = 10
    for f in range(chunks // per_file):
        sections = [f"## Section {s}\n{filler_texts(1, rng)[0]}\n" for s in range(per_file)]
        (folder / "knowledge" / f"f{f:04d}.md").write_text(f"# File {f}\n\n" + "\n".join(sections))
    (folder / "bench.yaml").write_text(
        "id: bench\nname: Bench\nrole: a synthetic character\nknowledge:\n  files: [knowledge]\n"
    )
    store = KnowledgeStore(settings, embedder, path=work / "ingest-store")
    t0 = time.perf_counter()
    report = store.ingest(load_sheet(folder / "bench.yaml"))
    seconds = time.perf_counter() - t0
    print(
        f"ingest: {report.chunks_added} chunks from {len(report.ingested)} files in "
        f"{seconds:.1f} s = {report.chunks_added / seconds:.0f} chunks/s (embedding included)"
    )
    t0 = time.perf_counter()
    again = store.ingest(load_sheet(folder / "bench.yaml"))
    print(
        f"re-ingest, nothing changed: {len(again.skipped)} files skipped in "
        f"{time.perf_counter() - t0:.2f} s"
    )


def scale(store: KnowledgeStore, size: int, questions: list[dict[str, str]], pool: Any) -> None:
    jin = [q for q in questions if q["character"] == "jin"]
    base = store.warm("jin")
    rows = filler(size - base, *pool)
    name = character_collection("jin")
    t0 = time.perf_counter()
    store.chroma.add(name, rows)
    write_s = time.perf_counter() - t0
    store.refresh()
    t0 = time.perf_counter()
    total = store.warm("jin")
    load_s = time.perf_counter() - t0
    at1, at3 = quality(store, jin)
    times: list[float] = []
    filtered: list[float] = []
    for _ in range(max(1, 300 // len(jin))):
        for q in jin:
            t = time.perf_counter()
            store.retrieve("jin", q["q"], k=3)
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            store.retrieve("jin", q["q"], k=3, where={"kind": "file"})
            filtered.append(time.perf_counter() - t)
    embed_t: list[float] = []
    search_t: list[float] = []
    index = store.index("jin")
    for q in jin:
        t = time.perf_counter()
        v = store.embedder.embed([q["q"]])[0]
        embed_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        index.search(v, q["q"], k=3, min_score=0.3, keyword_weight=0.35)
        search_t.append(time.perf_counter() - t)
    col = store.chroma._collection(name, create=False)  # chromadb's own query, for comparison
    vectors = store.embedder.embed([q["q"] for q in jin])
    chroma_t: list[float] = []
    chroma_where: list[float] = []
    for v in vectors:
        t = time.perf_counter()
        col.query(query_embeddings=[v], n_results=3)
        chroma_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        col.query(query_embeddings=[v], n_results=3, where={"source": "knowledge/jin/stall.md"})
        chroma_where.append(time.perf_counter() - t)

    def ms(values: list[float], q: float) -> str:
        return f"{percentile(values, q) * 1000:.1f} ms"

    load = os.getloadavg()[0]
    print(
        f"{total} chunks (Jin's lore + filler), peak RSS so far {peak_mb():.0f} MB, load {load:.1f}"
    )
    print(
        f"  filler written to chromadb in {write_s:.1f} s ({(size - base) / write_s:.0f} chunks/s)"
    )
    print(f"  index loaded from chromadb in {load_s:.2f} s")
    print(f"  Jin's questions among the filler: hit@1 {at1:.2f}, hit@3 {at3:.2f}")
    print(f"  retrieve: p50 {ms(times, 0.5)}, p95 {ms(times, 0.95)} (n={len(times)})")
    print(f"  of which query embedding: p50 {ms(embed_t, 0.5)}, p95 {ms(embed_t, 0.95)}")
    print(f"  of which index search: p50 {ms(search_t, 0.5)}, p95 {ms(search_t, 0.95)}")
    print(f"  retrieve with where: p50 {ms(filtered, 0.5)}, p95 {ms(filtered, 0.95)}")
    print(
        f"  chromadb query alone (no embedding): p50 {ms(chroma_t, 0.5)}, "
        f"with where p50 {ms(chroma_where, 0.5)}, p95 {ms(chroma_where, 0.95)}"
    )
    store.chroma.delete(name, rows.ids)
    store.refresh()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scales", default="1000,10000", help="comma-separated chunk counts")
    parser.add_argument("--ingest-chunks", type=int, default=1000)
    parser.add_argument("--sweep", action="store_true", help="hit@k for several keyword weights")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="npc-bench-"))
    try:
        settings = load_settings(characters_dir=ROOT / "characters", data_dir=work)
        t0 = time.perf_counter()
        embedder = registry().create("embedder", settings.providers.embedder, settings)
        print(f"embedder loaded in {time.perf_counter() - t0:.2f} s")
        store = KnowledgeStore(settings, embedder)
        for c in CHARACTERS:
            store.ingest(load_sheet(ROOT / "characters" / f"{c}.yaml"))
        data = load_questions()
        questions = data["questions"]
        at1, at3 = quality(store, questions)
        print(f"quality: {len(questions)} questions, hit@1 {at1:.2f}, hit@3 {at3:.2f}")
        tops = [store.retrieve(q["character"], q["q"], k=1, min_score=0.0) for q in questions]
        print(f"lowest top-1 score of a labelled question: {min(h[0].score for h in tops):.3f}")
        off = [
            store.retrieve(q["character"], q["q"], k=1, min_score=0.0) for q in data["off_topic"]
        ]
        best_off = max(h[0].score for h in off if h)
        print(f"off-topic: best score {best_off:.3f} (min_score {store.config.min_score})")
        if args.sweep:
            for w in (0.0, 0.2, 0.3, 0.35, 0.4, 0.5, 0.7):
                store.config = KnowledgeSettings(keyword_weight=w)
                print(
                    f"  keyword_weight {w:.2f}: hit@1 %.2f hit@3 %.2f" % quality(store, questions)
                )
            store.config = KnowledgeSettings()
        ingest_throughput(settings, embedder, work, args.ingest_chunks)
        rng = random.Random(7)
        texts = filler_texts(400, rng)
        pool = (texts, embedder.embed(texts), np.random.default_rng(7))
        for size in (int(s) for s in args.scales.split(",")):
            scale(store, size, questions, pool)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
