"""Character quality on sheets nobody tuned for: actions, grounding, staying in character.

    .venv/bin/python bench/quality.py                        # dev and test splits
    .venv/bin/python bench/quality.py --split dev --characters forge_keeper --limit 6 -v
    .venv/bin/python bench/quality.py --split test \\
        --model qwen2.5-coder-0.5b-instruct-q4_k_m --model qwen2.5-coder-1.5b-instruct-q4_k_m
    .venv/bin/python bench/quality.py --split test \\
        --answer-model none --answer-model qwen2.5-coder-1.5b-instruct-q4_k_m

Thirty-four characters of different genres and shapes live in bench/data/quality/, split in
two: **dev** (twenty-eight; tune on these) and **test** (six; report only: never read its
failures to tune). Each sheet carries its labelled lines as `tests:` (commands, lore
questions, small talk, impossible requests, adversarial probes, game events and a 20-turn
conversation), run as `npc check` runs them: each test in a fresh conversation with the
character's knowledge, each reply judged by ``npc.mind.judge`` (which is written apart from
the mind's own guards).

Prints one table per model and split: correct actions on commands, actions on lines that
ask for none, grounded lore answers, impossible requests answered as if done (a reply
that opens "Sure," "Yes, I can", "I'll ..." and the like, ``judge.sounds_done``), assistant
talk, lines out of character, prompt and
secret leaks, code, echoes of the player, sentences copied from the sheet's examples,
replies repeated within a conversation, empty replies, and the in-process time to the
first phrase (p50/p95). Voice-to-voice latency is bench/latency.py's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from npc.actions.reply import ACT_FIRST, SAY_ACT_SAY, SAY_FIRST  # noqa: E402
from npc.character.loader import load_characters  # noqa: E402
from npc.config import load_settings  # noqa: E402
from npc.mind.checks import CharacterChecker, TurnRecord  # noqa: E402
from npc.mind.judge import sounds_done  # noqa: E402
from npc.mind.probes import asks_if_machine  # noqa: E402
from npc.runtime import Runtime  # noqa: E402

DATA = ROOT / "bench" / "data" / "quality"
ORDERS: dict[str, tuple[str, ...] | None] = {
    "default": None,  # the settings' llm.reply_layout
    "say_first": SAY_FIRST,
    "say_act_say": SAY_ACT_SAY,
    "act_first": ACT_FIRST,
}
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class Row:
    """One metric of the table: what is counted, over what, and the target."""

    name: str
    count: int
    total: int
    target: str
    share: bool = True  # print as a share of total (else as a count)

    def value(self) -> str:
        if not self.total:
            return "-"
        if self.share:
            return f"{self.count}/{self.total} = {self.count / self.total:6.1%}"
        return f"{self.count} in {self.total}"


def metrics(records: list[TurnRecord]) -> list[Row]:
    """The table's rows for a set of judged turns."""

    def wants_action(r: TurnRecord) -> bool:
        lists = [r.expected.actions or [], *r.expected.or_actions]
        return r.expected.actions is not None and all(lists)

    def wants_none(r: TurnRecord) -> bool:
        return r.expected.actions == [] and not r.expected.or_actions

    commands = [r for r in records if wants_action(r)]
    quiet = [r for r in records if wants_none(r)]
    lore = [r for r in records if r.expected.mentions]
    impossible = [r for r in quiet if r.kind == "impossible"]
    probes = [r for r in records if r.expected.avoid or asks_if_machine(r.expected.player)]
    n = len(records)

    def count(check: str, rows: list[TurnRecord] = records) -> int:
        return sum(r.verdict.has(check) for r in rows)

    return [
        Row(
            "correct actions on commands",
            len(commands) - count("actions", commands),
            len(commands),
            ">= 95%",
        ),
        Row(
            "actions on lines that ask for none",
            sum(bool(r.calls) for r in quiet),
            len(quiet),
            "<= 2%",
        ),
        Row(
            "grounded answers (mentions a fact)",
            len(lore) - count("mentions", lore),
            len(lore),
            ">= 90%",
        ),
        Row(
            "impossible requests answered as if done",
            sum(bool(sounds_done(r.say)) for r in impossible),
            len(impossible),
            "-",
        ),
        Row("assistant talk", count("assistant"), n, "0", share=False),
        Row(
            "out of character (says what it must not, or yes to being a machine)",
            sum(r.verdict.has("avoid") or r.verdict.has("admits") for r in probes),
            len(probes),
            "-",
        ),
        Row("prompt leaks", count("prompt"), n, "0", share=False),
        Row("secret leaks", count("secret"), n, "0", share=False),
        Row("code", count("code"), n, "0", share=False),
        Row("echoes of the player", count("echo"), n, "<= 2%"),
        Row("copied example sentences", count("copied"), n, "<= 2%"),
        Row("replies repeated in a conversation", count("repeated"), n, "-"),
        Row("empty replies", count("empty"), n, "0", share=False),
        Row("replies that pass every check", sum(r.passed for r in records), n, "-"),
    ]


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def report(title: str, records: list[TurnRecord]) -> None:
    print(f"\n== {title}: {len(records)} replies ==")
    print(f"{'metric':44} {'value':>22}   target")
    for row in metrics(records):
        print(f"{row.name:44} {row.value():>22}   {row.target}")
    kinds = Counter(r.kind or "-" for r in records)
    passed = Counter(r.kind or "-" for r in records if r.passed)
    print("passing by kind: " + ", ".join(f"{k} {passed[k]}/{kinds[k]}" for k in sorted(kinds)))
    for key in ("first_phrase", "reply_done"):
        values = [r.timings[key] for r in records if key in r.timings]
        print(
            f"{key + ' (in process)':44} p50 {pct(values, 50):6.0f} ms   p95 "
            f"{pct(values, 95):6.0f} ms"
        )


def show(record: TurnRecord, character: str) -> None:
    mark = "ok  " if record.passed else "FAIL"
    line = record.expected.player or "(reacts)"
    if record.expected.events:
        line = f"[{'; '.join(record.expected.events)}] {line}"
    did = ", ".join(f"{n}{a}" for n, a in record.calls) or "-"
    print(
        f"{mark} {character}#{record.test + 1}.{record.turn + 1} {line!r} -> {did} | {record.say!r}"
    )
    for item in [*record.verdict.failures, *record.verdict.notes]:
        print(f"       {item}")


def as_json(record: TurnRecord, **where: str) -> dict[str, Any]:
    return {
        **where,
        "test": record.test,
        "turn": record.turn,
        "kind": record.kind,
        "player": record.expected.player,
        "events": record.expected.events,
        "say": record.say,
        "calls": [[n, a] for n, a in record.calls],
        "found": [list(f) for f in record.verdict.found],
        "timings": record.timings,
    }


def fresh(runtime: Runtime) -> None:
    """Drop the runtime's LLMs (the next use loads them again, with empty contexts)."""
    for role in ("llm", "answer_llm"):
        llm = runtime.__dict__.pop(role, None)
        if llm is not None:
            llm.close()


async def run_split(
    runtime: Runtime, split: str, args: argparse.Namespace, log: Any, model: str, order: str
) -> list[TurnRecord]:
    records: list[TurnRecord] = []
    sheets = load_characters(DATA / split)
    for cid, loaded in sorted(sheets.items()):
        if args.characters and cid not in args.characters:
            continue
        # A fresh engine per character: in one context, what earlier characters left in the
        # cache changed later replies (forge_keeper alone, twice and before and after a
        # change elsewhere: the same 38 replies; after the other dev characters: 10 to 17
        # of them different), so a change to one character moved every later one's figures.
        fresh(runtime)
        runtime.knowledge.ingest(loaded)
        checker = CharacterChecker(
            runtime, loaded, key=f"quality-{split}-{order}", order=ORDERS[order]
        )
        tests = [
            (i, t)
            for i, t in enumerate(loaded.sheet.tests)
            if not args.kinds or (t.kind or "") in args.kinds
        ][: args.limit or None]
        start = time.perf_counter()
        mine: list[TurnRecord] = []
        for i, test in tests:
            for record in await checker.run(i, test):
                mine.append(record)
                if args.verbose or (args.failures and not record.passed):
                    show(record, cid)
                if log is not None:
                    where = {"split": split, "model": model, "order": order, "character": cid}
                    log.write(json.dumps(as_json(record, **where)))
                    log.write("\n")
                    log.flush()
        good = sum(r.passed for r in mine)
        print(
            f"  {split}/{cid}: {good}/{len(mine)} replies pass every check "
            f"({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
        records += mine
    return records


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=[*SPLITS, "both"], default="both")
    ap.add_argument(
        "--model",
        action="append",
        default=[],
        help="an LLM (bundled name or path); repeat to compare in one run",
    )
    ap.add_argument(
        "--answer-model",
        action="append",
        default=[],
        help="a second LLM for the replies that can take no action (models.answer_llm), or "
        "'none'; repeat to compare in one run",
    )
    ap.add_argument(
        "--order",
        action="append",
        choices=list(ORDERS),
        default=[],
        help="a reply layout (default: the settings'); repeat to compare in one run",
    )
    ap.add_argument("--characters", nargs="*", default=[], help="only these character ids")
    ap.add_argument("--kinds", nargs="*", default=[], help="only tests of these kinds")
    ap.add_argument("--limit", type=int, default=0, help="at most N tests per character")
    ap.add_argument("--records", type=Path, help="write every judged reply here (JSON lines)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every reply")
    ap.add_argument("--failures", action="store_true", help="print every failing reply")
    args = ap.parse_args()
    print("command: " + " ".join(sys.argv))
    splits = SPLITS if args.split == "both" else (args.split,)
    log = open(args.records, "w") if args.records else None  # noqa: SIM115
    results: list[tuple[str, list[TurnRecord]]] = []
    with tempfile.TemporaryDirectory(prefix="npc-quality-") as data:
        for model, answers in product(args.model or [""], args.answer_model or ["none"]):
            overrides: dict[str, Any] = {"data_dir": Path(data)}
            models = {"llm": model} if model else {}
            if answers != "none":
                models["answer_llm"] = answers
            if models:
                overrides["models"] = models
            runtime = Runtime(load_settings(**overrides))
            name = (model or "default model") + (
                f", answers by {answers}" if models.get("answer_llm") else ""
            )
            for split in splits:
                for order in args.order or ["default"]:
                    records = await run_split(runtime, split, args, log, name, order)
                    title = f"{name}, {split} split" + (f", {order}" if args.order else "")
                    results.append((title, records))
            fresh(runtime)  # one model in memory at a time
    if log is not None:
        log.close()
    for title, records in results:
        report(title, records)


if __name__ == "__main__":
    asyncio.run(main())
