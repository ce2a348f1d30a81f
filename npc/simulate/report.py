"""A run's report, in Markdown and as self-contained HTML: the transcript (with the lines the
guard found broken or took back), how the run ended (each goal check with the judge's reason
and the line it pointed at), and each rubric item's verdict with its evidence.

Verdicts of a check type that agrees with a careful reader less than its target
(``npc.simulate.agreement``) are marked advisory. In a run with a person in it, their own
lines are marked and listed with the items they decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from npc.simulate.agreement import Measured, load_measured
from npc.simulate.loading import LoadedScenario
from npc.simulate.plot import Point, Series, emotion_chart, valence
from npc.simulate.records import Evidence, ItemScore, RunRecord, Utterance

CSS = (
    "body{font-family:sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;"
    "padding:.25rem .5rem;text-align:left;vertical-align:top}.pass{color:#186a18}"
    ".fail{color:#b00}.none{color:#777}.who{font-weight:bold;white-space:nowrap}"
    ".meta{color:#666;font-size:.9em}.flaw{color:#b05a00;font-size:.9em}"
    ".you{background:#eef6ff}.adv{color:#777;font-style:italic}q{font-style:italic}"
)
ADVISORY_NOTE = (
    "Checks marked advisory agree with a careful reader less often than their target "
    "(bench/judge_agreement.py): read their verdicts as hints."
)
RUN_CHART = "emotion.svg"


def mark(passed: bool | None) -> str:
    return {True: "pass", False: "FAIL", None: "n/a"}[passed]


def css_class(passed: bool | None) -> str:
    return {True: "pass", False: "fail", None: "none"}[passed]


def args_text(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in args.items())


def page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{CSS}</style></head><body>{body}</body></html>\n"
    )


def run_chart(loaded: LoadedScenario, record: RunRecord) -> str:
    """Both participants' emotion over the run's turns, as SVG."""
    scale = loaded.scenario.emotion_scale
    series = []
    for speaker in loaded.scenario.participants:
        points = []
        for u in record.utterances:
            v = valence(u.emotion, u.intensity, scale) if u.speaker == speaker else None
            if v is not None:
                points.append(Point(u.turn, v, f"{u.emotion} ({u.intensity:.2f})"))
        series.append(Series(f"{speaker} ({loaded.name(speaker)})", tuple(points)))
    return emotion_chart(series, f"Emotion over time, run {record.plan.run_id}")


def run_head(record: RunRecord) -> str:
    p = record.plan
    return (
        f"seed {p.seed}, variation {p.variation or 'base'}, {record.turns} turns, "
        f"stopped by {record.stopped_by} at turn {record.stop_turn}, "
        f"goal {'reached' if record.goal_reached else 'not reached'}, "
        f"{record.duration_s:.1f} s on {record.worker} (attempt {record.attempt})"
    )


def evidence_text(evidence: Sequence[Evidence]) -> str:
    return "; ".join(f'turn {e.turn} ({e.speaker}): "{e.quote}"' for e in evidence)


def human_roles(record: RunRecord) -> set[str]:
    return {u.speaker for u in record.utterances if u.source == "human"}


def _label(score: ItemScore, measured: Measured) -> str:
    return " (advisory)" if measured.advisory(score.kind) else ""


def _ending_lines(record: RunRecord) -> list[str]:
    out = []
    for g in record.goal_checks:
        verdict = {True: "reached", False: "not reached", None: "could not be judged"}[g.passed]
        line = f"turn {g.turn}: {g.stop} {verdict}: {g.reason}"
        if g.evidence:
            line += f" ({evidence_text(g.evidence)})"
        out.append(line)
    return out


def _transcript_md(u: Utterance, humans: set[str]) -> list[str]:
    acts = "".join(f" *[{a.name}({args_text(a.args)})]*" for a in u.actions)
    feel = f" _({u.emotion})_" if u.emotion else ""
    you = " **(you)**" if u.speaker in humans else ""
    out = [f"{u.turn}. **{u.name}** ({u.speaker}){you}{feel}: {u.text}{acts}"]
    out += [f"   - broken: {f}" for f in u.flaws]
    out += [f'   - taken back: "{r.text}" ({"; ".join(r.flaws)})' for r in u.rejected]
    return out


def run_markdown(
    loaded: LoadedScenario, record: RunRecord, measured: Measured | None = None
) -> str:
    """One run as Markdown: what happened, line by line, how it ended, and its scores."""
    measured = measured or load_measured()
    s = loaded.scenario
    humans = human_roles(record)
    out = [f"# {s.title or s.id}: run {record.plan.run_id}", "", run_head(record), ""]
    out += [f"![Emotion over time]({RUN_CHART})", "", "## Transcript", ""]
    for u in record.utterances:
        out += _transcript_md(u, humans)
    ending = _ending_lines(record)
    if ending:
        out += ["", "## Goal checks", ""] + [f"- {line}" for line in ending]
    out += [
        "",
        "## Rubric",
        "",
        "| item | check | result | evidence | why |",
        "|---|---|---|---|---|",
    ]
    for sc in record.scores:
        cells = [
            sc.text,
            sc.kind + _label(sc, measured),
            mark(sc.passed),
            evidence_text(sc.evidence) or "-",
            sc.reason,
        ]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if any(measured.advisory(sc.kind) for sc in record.scores):
        out += ["", ADVISORY_NOTE]
    if humans:
        out += ["", "## Your lines", ""] + [f"- {x}" for x in _your_lines(record, humans)]
    return "\n".join(out) + "\n"


def _your_lines(record: RunRecord, humans: set[str]) -> list[str]:
    """Each of the person's lines, with the rubric items it decided."""
    out = []
    for u in record.utterances:
        if u.speaker not in humans:
            continue
        decided = [
            f"{sc.id} {mark(sc.passed)}"
            for sc in record.scores
            if any(e.turn == u.turn for e in sc.evidence)
        ]
        out.append(
            f'turn {u.turn}: "{u.text}"' + (f" decided: {', '.join(decided)}" if decided else "")
        )
    return out


def run_html(loaded: LoadedScenario, record: RunRecord, measured: Measured | None = None) -> str:
    """One run as HTML, with its emotion plot."""
    measured = measured or load_measured()
    s = loaded.scenario
    humans = human_roles(record)
    rows = []
    for u in record.utterances:
        acts = "".join(
            f"<br><em>[{escape(a.name)}({escape(args_text(a.args))})]</em>" for a in u.actions
        )
        notes = "".join(f"<div class=flaw>broken: {escape(f)}</div>" for f in u.flaws)
        notes += "".join(
            f"<div class=meta>taken back: <q>{escape(r.text)}</q> ({escape('; '.join(r.flaws))})"
            "</div>"
            for r in u.rejected
        )
        you = " class=you" if u.speaker in humans else ""
        rows.append(
            f"<tr id=t{u.turn}{you}><td>{u.turn}</td><td class=who>{escape(u.name)}<br>"
            f"<span class=meta>{escape(u.speaker)}{' (you)' if you else ''}</span></td>"
            f"<td>{escape(u.text)}{acts}{notes}</td><td>{escape(u.emotion)}</td></tr>"
        )
    scores = []
    for sc in record.scores:
        kind = escape(sc.kind) + (
            "<br><span class=adv>advisory</span>" if _label(sc, measured) else ""
        )
        scores.append(
            f"<tr><td>{escape(sc.text)}</td><td>{kind}</td><td class={css_class(sc.passed)}>"
            f"{mark(sc.passed)}</td><td>{_evidence_html(sc.evidence)}</td>"
            f"<td>{escape(sc.reason)}</td></tr>"
        )
    ending = "".join(f"<li>{escape(x)}</li>" for x in _ending_lines(record))
    body = (
        f"<h1>{escape(s.title or s.id)}: run {escape(record.plan.run_id)}</h1>"
        f"<p class=meta>{escape(run_head(record))}</p>{run_chart(loaded, record)}"
        "<h2>Transcript</h2><table><tr><th>turn</th><th>who</th><th>said</th><th>emotion</th>"
        f"</tr>{''.join(rows)}</table>"
        + (f"<h2>Goal checks</h2><ul>{ending}</ul>" if ending else "")
        + "<h2>Rubric</h2><table><tr><th>item</th><th>check</th><th>result</th>"
        f"<th>evidence</th><th>why</th></tr>{''.join(scores)}</table>"
        + (
            f"<p class=adv>{escape(ADVISORY_NOTE)}</p>"
            if any(_label(x, measured) for x in record.scores)
            else ""
        )
        + (
            "<h2>Your lines</h2><ul>"
            + "".join(f"<li>{escape(x)}</li>" for x in _your_lines(record, humans))
            + "</ul>"
            if humans
            else ""
        )
    )
    return page(f"{s.id} run {record.plan.run_id}", body)


def _evidence_html(evidence: Sequence[Evidence]) -> str:
    links = [
        f"<a href='#t{e.turn}'>turn {e.turn}</a> ({escape(e.speaker)}): <q>{escape(e.quote)}</q>"
        for e in evidence
    ]
    return "<br>".join(links) or "-"


def run_files(loaded: LoadedScenario, record: RunRecord) -> dict[str, str]:
    """Every report file of a run folder, by name."""
    measured = load_measured()
    return {
        "report.md": run_markdown(loaded, record, measured),
        "report.html": run_html(loaded, record, measured),
        RUN_CHART: run_chart(loaded, record) + "\n",
    }
