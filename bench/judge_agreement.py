"""How far the automatic score agrees with a careful reader: Cohen's kappa per check type.

    python bench/judge_agreement.py                        # every check, the judge included
    python bench/judge_agreement.py --no-judge             # the rules only (seconds)
    python bench/judge_agreement.py --split dev -v         # per item, and every disagreement
    python bench/judge_agreement.py --write                # store the held-out figures
    python bench/judge_agreement.py --export runs/triage   # a batch's runs, to label by hand
    python bench/judge_agreement.py --split heldout --store runs/agree.jsonl   # in pieces

Labelled transcripts live in ``bench/data/agreement/SCENARIO.yaml`` (format and the guide
each label follows: the top of ``triage.yaml``). Every rubric item of the shipped scenario is
scored on each transcript exactly as a run is scored (stop conditions replayed on the
lines); goal stop conditions are asked at each turn they are due, against "the goal holds
by then". The roles check is ``npc.simulate.guard`` (echo, inversion, self_repeat, loop:
found anywhere in the transcript) against the reader's list.

Figures are printed for the ``dev`` split (looked at while building the scorer), the
``heldout`` split (only ever reported) and both. ``--write`` stores the held-out figures in
``npc/simulate/agreement.json``: reports mark a check type "advisory" when its held-out
kappa is under target (0.8 for rules, 0.6 for the judge and goal stops); with
``--no-judge`` it stores the rules only, and reports mark the judge and goal stops advisory
as never measured. Ctrl-C prints the figures over the transcripts scored so far (never
written).

A judge run takes hours on a CPU (the 1.5B model: minutes per transcript). With ``--store
FILE`` each transcript's verdicts are appended to FILE as soon as it is scored, and a later
run with the same file takes them from there instead of asking the judge again, as long as
the judge model, the labelled transcript, its scenario and the scorer's code are the same:
a long measurement can be done in pieces, and ``--write`` works once every piece is in.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

# This checkout's npc first, not an installed one (a worktree runs its own code).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from npc.config import load_settings
from npc.runtime import Runtime
from npc.simulate.agreement import AGREEMENT_FILE, Agreement, agreement
from npc.simulate.conversation import cast_of, rule_stop_holds
from npc.simulate.guard import FLAW_KINDS, Said, transcript_flaws
from npc.simulate.judge import Judge, judge_item
from npc.simulate.loading import LoadedScenario, load_scenario
from npc.simulate.records import ActionTaken, RunPlan, RunRecord, Utterance
from npc.simulate.scenario import GoalStop, JudgeCheck
from npc.simulate.scoring import check_rule

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "agreement"
ACTION = re.compile(r"^(\w+)(?:\((.*)\))?$")
# What a stored verdict depends on besides the transcript, its scenario and the judge model.
SCORER = ("npc/simulate/judge.py", "npc/simulate/scoring.py", "npc/simulate/guard.py")


@dataclass
class Labelled:
    """One labelled transcript, as a run record the scorer can read."""

    id: str
    split: str
    origin: str
    loaded: LoadedScenario
    record: RunRecord
    labels: dict[str, bool]
    goal: dict[str, int | None]
    flaws: set[str]
    digest: str = ""  # the transcript, its scenario and the scorer's code (``--store``)


@dataclass
class Verdicts:
    """(check verdict, label) pairs by check type and by item, with what disagreed."""

    pairs: dict[str, list[tuple[bool, bool]]] = field(default_factory=lambda: defaultdict(list))
    items: dict[str, list[tuple[bool, bool]]] = field(default_factory=lambda: defaultdict(list))
    misses: list[str] = field(default_factory=list)

    def add(self, kind: str, item: str, got: bool, want: bool, where: str, why: str) -> None:
        self.pairs[kind].append((got, want))
        self.items[item].append((got, want))
        if got != want:
            self.misses.append(f"{where} {item}: check {got}, reader {want} ({why})")

    def merge(self, other: Verdicts) -> None:
        for k, p in other.pairs.items():
            self.pairs[k] += p
        for k, p in other.items.items():
            self.items[k] += p
        self.misses += other.misses

    def to_json(self) -> dict[str, Any]:
        return {"pairs": self.pairs, "items": self.items, "misses": self.misses}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdicts:
        out = cls()
        for kind, pairs in data["pairs"].items():
            out.pairs[kind] = [(bool(g), bool(w)) for g, w in pairs]
        for item, pairs in data["items"].items():
            out.items[item] = [(bool(g), bool(w)) for g, w in pairs]
        out.misses = [str(m) for m in data["misses"]]
        return out


class Store:
    """Scored transcripts on disk, one JSON line each, keyed by judge model and digest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kept: dict[str, Verdicts] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    self.kept[row["key"]] = Verdicts.from_json(row["verdicts"])

    @staticmethod
    def key(model: str, item: Labelled) -> str:
        return f"{model}|{item.id}|{item.digest}"

    def get(self, key: str) -> Verdicts | None:
        return self.kept.get(key)

    def put(self, key: str, verdicts: Verdicts) -> None:
        self.kept[key] = verdicts
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"key": key, "verdicts": verdicts.to_json()}) + "\n")


def digest(entry: dict[str, Any], scenario_text: str) -> str:
    h = hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode())
    h.update(scenario_text.encode())
    for name in SCORER:
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()[:16]


def _action(text: str) -> ActionTaken:
    match = ACTION.match(text.strip())
    if match is None:
        raise ValueError(f"cannot read the action {text!r}; expected name or name(k=v, ...)")
    args: dict[str, Any] = {}
    for part in filter(None, (match.group(2) or "").split(",")):
        key, _, value = part.partition("=")
        args[key.strip()] = value.strip()
    return ActionTaken(match.group(1), args)


def _record(entry: dict[str, Any], loaded: LoadedScenario) -> RunRecord:
    roles = list(loaded.scenario.participants)
    utterances = []
    for turn, line in enumerate(entry["lines"], 1):
        [role] = [r for r in roles if r in line]
        utterances.append(
            Utterance(
                entry["id"],
                turn,
                role,
                loaded.name(role),
                str(line[role]),
                str(line.get("emotion", "")),
                0.65,
                tuple(_action(a) for a in line.get("do", [])),
                source=str(line.get("source", "model")),
            )
        )
    plan = RunPlan(entry["id"], 0, 0, entry.get("variation"), len(utterances))
    record = RunRecord(plan, utterances, stop_turn=len(utterances))
    rules = [s for s in loaded.scenario.stop if not isinstance(s, GoalStop)]
    for u in utterances:
        stop = next((s for s in rules if rule_stop_holds(s, u)), None)
        if stop is None:
            continue
        if u.turn != len(utterances):
            raise ValueError(
                f"{entry['id']}: the stop condition {stop.id or stop.type} holds at turn "
                f"{u.turn}, before the last line; a run would have ended there"
            )
        record.stopped_by, record.goal_reached = stop.id or stop.type, stop.success
    return record


def load_labelled(characters: Path) -> Iterator[Labelled]:
    yaml = YAML(typ="safe")
    for file in sorted(DATA.glob("*.yaml")):
        data = yaml.load(file.read_text(encoding="utf-8"))
        scenario = ROOT / "scenarios" / f"{data['scenario']}.yaml"
        loaded = load_scenario(scenario, characters)
        scenario_text = scenario.read_text(encoding="utf-8")
        for entry in data["transcripts"]:
            yield Labelled(
                entry["id"],
                entry["split"],
                entry["origin"],
                loaded,
                _record(entry, loaded),
                {k: v == "pass" for k, v in entry["labels"].items()},
                dict(entry.get("goal") or {}),
                set(entry.get("flaws") or ()),
                digest(entry, scenario_text),
            )


def score(item: Labelled, judge: Judge | None, out: Verdicts) -> None:
    scenario, record = item.loaded.scenario, item.record
    for rubric in scenario.rubric:
        check = rubric.check
        want = item.labels[rubric.id]
        if isinstance(check, JudgeCheck):
            if judge is None:
                continue
            verdict = judge_item(
                judge,
                record.utterances,
                check.question or rubric.text,
                unless=check.unless,
                speaker=check.speaker,
            )
            got, why = verdict.passed is True, verdict.reason
        else:
            got, why = check_rule(check, record)[:2]
        out.add(check.type, rubric.id, got, want, item.id, why)
    for stop in scenario.stop:
        if not isinstance(stop, GoalStop) or judge is None:
            continue
        name = stop.id or stop.type
        first = item.goal.get(name)
        # Asked as a run asks it: at each turn it is due, until the judge says it holds.
        for turn in range(stop.after_turn, record.turns + 1, stop.every):
            lines = record.utterances[:turn]
            verdict = judge_item(judge, lines, stop.goal, unless=stop.unless, speaker=stop.speaker)
            want = first is not None and first <= turn
            got = verdict.passed is True
            out.add("goal", f"{name}@{turn}", got, want, item.id, verdict.reason)
            if got:
                break
    said = [Said(u.turn, u.speaker, u.text) for u in record.utterances]
    found = {f.kind for f in transcript_flaws(said, cast_of(item.loaded))}
    for kind in FLAW_KINDS:
        out.add("roles", kind, kind in found, kind in item.flaws, item.id, "guard")


def table(title: str, verdicts: Verdicts) -> dict[str, Agreement]:
    rows = {kind: agreement(kind, pairs) for kind, pairs in sorted(verdicts.pairs.items())}
    print(f"\n{title}")
    print(f"{'check':<8} {'n':>4} {'accuracy':>9} {'kappa':>6} {'target':>6}  status")
    for kind, a in rows.items():
        kappa = "n/a" if a.kappa is None else f"{a.kappa:.2f}"
        status = "ADVISORY" if a.advisory else "ok"
        print(f"{kind:<8} {a.n:>4} {a.accuracy:>9.0%} {kappa:>6} {a.target:>6.1f}  {status}")
    return rows


def export(folder: Path) -> None:
    """Print a batch's runs in the labelled format (labels left for a reader to fill in)."""
    from npc.simulate.records import parse_transcript
    from npc.simulate.store import RESULT, TRANSCRIPT

    yaml = YAML()
    yaml.width = 200
    entries = []
    for run in sorted(p.parent for p in folder.glob(f"runs/*/{RESULT}")):
        result = json.loads((run / RESULT).read_text())
        lines = []
        for u in parse_transcript((run / TRANSCRIPT).read_text()):
            line: dict[str, Any] = {u.speaker: u.text, "emotion": u.emotion}
            if u.actions:
                line["do"] = [
                    a.name
                    + (f"({', '.join(f'{k}={v}' for k, v in a.args.items())})" if a.args else "")
                    for a in u.actions
                ]
            lines.append(line)
        entries.append(
            {
                "id": f"{folder.name}-{run.name}",
                "split": "?",
                "origin": f"model: {folder.name} run {run.name}, seed {result['plan']['seed']}",
                "variation": result["plan"]["variation"],
                "lines": lines,
                "labels": {},
            }
        )
    yaml.dump(entries, sys.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judge-model", default=None, help="LLM for the judge (default: settings)")
    parser.add_argument("--no-judge", action="store_true", help="rules only")
    parser.add_argument("--split", choices=["dev", "heldout"], default=None)
    parser.add_argument("--only", default=None, help="transcript ids starting with this")
    parser.add_argument(
        "--write", action="store_true", help=f"store held-out figures in {AGREEMENT_FILE.name}"
    )
    parser.add_argument("--export", type=Path, default=None, help="print a batch's runs to label")
    parser.add_argument(
        "--store", type=Path, default=None, help="keep scored transcripts here; reuse them later"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if args.export is not None:
        export(args.export)
        return

    overrides: dict[str, Any] = {"characters_dir": ROOT / "characters"}
    if args.judge_model:
        overrides["models"] = {"llm": args.judge_model}
    settings = load_settings(**overrides)
    chosen = [
        t
        for t in load_labelled(settings.characters_dir)
        if (args.split is None or t.split == args.split)
        and (args.only is None or t.id.startswith(args.only))
    ]
    # Scenarios taken in turn, so that a run cut short (Ctrl-C) has scored some of each.
    rank: dict[str, int] = defaultdict(int)
    order = {}
    for t in chosen:
        order[t.id] = rank[t.loaded.scenario.id]
        rank[t.loaded.scenario.id] += 1
    chosen.sort(key=lambda t: (order[t.id], t.loaded.scenario.id))
    runtime = None if args.no_judge else Runtime(settings)
    model = "none" if runtime is None else (args.judge_model or settings.models.llm or "default")
    store = Store(args.store) if args.store is not None else None
    by_split: dict[str, Verdicts] = defaultdict(Verdicts)
    start = time.perf_counter()
    items: list[Labelled] = []
    try:
        for i, t in enumerate(chosen, 1):
            key = Store.key(model, t)
            kept = store.get(key) if store is not None else None
            one = kept or Verdicts()
            if kept is None:
                judge = Judge(runtime.llm, cache_key=f"agree:{t.id}") if runtime else None
                score(t, judge, one)
                if store is not None:
                    store.put(key, one)
            by_split[t.split].merge(one)
            items.append(t)
            took = time.perf_counter() - start
            how = " (stored)" if kept is not None else ""
            print(f"  [{i}/{len(chosen)}] {t.id}{how} {took:.0f} s", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print(f"cut short: {len(items)} of {len(chosen)} transcripts scored", flush=True)
    both = Verdicts()
    for v in by_split.values():
        both.merge(v)
    took = time.perf_counter() - start
    counts = {s: sum(1 for t in items if t.split == s) for s in ("dev", "heldout")}
    print(
        f"{len(items)} labelled transcripts (dev {counts['dev']}, heldout {counts['heldout']}), "
        f"judge model: {model}; scored in {took:.0f} s"
    )
    results = {}
    for split in ("dev", "heldout"):
        if split in by_split:
            results[split] = table(f"{split}:", by_split[split])
    table("all:", both)
    if args.verbose:
        print("\nper item (all):")
        for item, pairs in sorted(both.items.items()):
            a = agreement(item, pairs)
            kappa = "n/a" if a.kappa is None else f"{a.kappa:.2f}"
            print(f"  {item:<22} n {a.n:>3}  accuracy {a.accuracy:4.0%}  kappa {kappa}")
        print("\ndisagreements:")
        for miss in both.misses:
            print(f"  {miss}")
    if args.write:
        # With --no-judge the judge and goal stops are left out: reports then mark them
        # advisory as never measured, and the rules by their own figures.
        if "heldout" not in results or args.only or len(items) < len(chosen):
            sys.exit("--write needs the held-out split and every transcript of it")
        command = (
            "python bench/judge_agreement.py"
            + (f" --judge-model {args.judge_model}" if args.judge_model else "")
            + (f" --split {args.split}" if args.split else "")
            + (" --no-judge" if args.no_judge else "")
            + " --write"
        )
        data: dict[str, Any] = {
            "command": command,
            "judge_model": model,
            "transcripts": counts,
            "heldout": {k: a.to_json() for k, a in results["heldout"].items()},
        }
        if "dev" in results:
            data["dev"] = {k: a.to_json() for k, a in results["dev"].items()}
        AGREEMENT_FILE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {AGREEMENT_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
