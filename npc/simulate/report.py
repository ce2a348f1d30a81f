"""Readable reports: each run (transcript, scores, emotion plot) and the batch (pass rates,
turns to goal, emotion over time), as Markdown and as self-contained HTML with inline SVG."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from npc.simulate.loading import LoadedScenario
from npc.simulate.plot import Point, Series, emotion_chart, valence
from npc.simulate.records import RunRecord

CSS = (
    "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;"
    "text-align:left;vertical-align:top}.pass{color:#186a18}.fail{color:#b00}.none{color:#777}"
    ".who{font-weight:bold;white-space:nowrap}.meta{color:#666;font-size:.9em}"
)


def _mark(passed: bool | None) -> str:
    return {True: "pass", False: "FAIL", None: "n/a"}[passed]


def _css_class(passed: bool | None) -> str:
    return {True: "pass", False: "fail", None: "none"}[passed]


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.0f}%"


def run_chart(loaded: LoadedScenario, record: RunRecord) -> str:
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


def batch_chart(loaded: LoadedScenario, summary: dict[str, Any]) -> str:
    series = []
    for speaker, cells in summary["emotion_over_time"].items():
        points = tuple(Point(c["turn"], c["mean_valence"], _counts(c["counts"])) for c in cells)
        series.append(Series(f"{speaker} (mean of runs)", points))
    return emotion_chart(series, f"Emotion over time, {summary['finished']} runs")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def _run_head(loaded: LoadedScenario, record: RunRecord) -> str:
    p = record.plan
    return (
        f"seed {p.seed}, variation {p.variation or 'base'}, {record.turns} turns, "
        f"stopped by {record.stopped_by} at turn {record.stop_turn}, "
        f"goal {'reached' if record.goal_reached else 'not reached'}, "
        f"{record.duration_s:.1f} s on {record.worker} (attempt {record.attempt})"
    )


def run_markdown(loaded: LoadedScenario, record: RunRecord) -> str:
    """One run as Markdown: what happened, line by line, and its scores."""
    s = loaded.scenario
    out = [f"# {s.title or s.id}: run {record.plan.run_id}", "", _run_head(loaded, record), ""]
    out += ["## Transcript", ""]
    for u in record.utterances:
        acts = "".join(f" *[{a.name}({_args(a.args)})]*" for a in u.actions)
        feel = f" _({u.emotion})_" if u.emotion else ""
        out.append(f"{u.turn}. **{u.name}** ({u.speaker}){feel}: {u.text}{acts}")
    out += ["", "## Rubric", "", "| item | result | why |", "|---|---|---|"]
    for sc in record.scores:
        reason = sc.reason.replace("|", "\\|")  # a table cell must not hold a bare pipe
        out.append(f"| {sc.text} | {_mark(sc.passed)} | {reason} |")
    return "\n".join(out) + "\n"


def run_html(loaded: LoadedScenario, record: RunRecord) -> str:
    """One run as HTML, with its emotion plot."""
    s = loaded.scenario
    rows = []
    for u in record.utterances:
        acts = "".join(
            f"<br><em>[{escape(a.name)}({escape(_args(a.args))})]</em>" for a in u.actions
        )
        rows.append(
            f"<tr><td>{u.turn}</td><td class=who>{escape(u.name)}<br>"
            f"<span class=meta>{escape(u.speaker)}</span></td><td>{escape(u.text)}{acts}</td>"
            f"<td>{escape(u.emotion)}</td></tr>"
        )
    scores = [
        f"<tr><td>{escape(sc.text)}</td><td class={_css_class(sc.passed)}>{_mark(sc.passed)}</td>"
        f"<td>{escape(sc.reason)}</td></tr>"
        for sc in record.scores
    ]
    body = (
        f"<h1>{escape(s.title or s.id)}: run {escape(record.plan.run_id)}</h1>"
        f"<p class=meta>{escape(_run_head(loaded, record))}</p>{run_chart(loaded, record)}"
        "<h2>Transcript</h2><table><tr><th>turn</th><th>who</th><th>said</th><th>emotion</th>"
        f"</tr>{''.join(rows)}</table><h2>Rubric</h2><table><tr><th>item</th><th>result</th>"
        f"<th>why</th></tr>{''.join(scores)}</table>"
    )
    return _page(f"{s.id} run {record.plan.run_id}", body)


def batch_markdown(loaded: LoadedScenario, summary: dict[str, Any]) -> str:
    """The batch as Markdown: pass rate per item (overall and per variation), goal, turns."""
    s = loaded.scenario
    out = [f"# {s.title or s.id}: {summary['finished']} of {summary['planned']} runs", ""]
    out += _goal_lines(summary)
    if summary["failed"]:
        out += ["", f"Failed runs: {', '.join(sorted(summary['failed']))} (see manifest.json)"]
    variations = list(summary["by_variation"])
    out += ["", "## Rubric", "", "| item | all | " + " | ".join(variations) + " |"]
    out.append("|---|---|" + "---|" * len(variations))
    for item_id, item in summary["items"].items():
        per = [_pct(summary["by_variation"][v]["items"][item_id]["pass_rate"]) for v in variations]
        out.append(f"| {item['text']} | {_pct(item['pass_rate'])} | " + " | ".join(per) + " |")
    out += ["", "## Goal by variation", "", "| variation | runs | goal reached | turns to goal |"]
    out.append("|---|---|---|---|")
    for name, fig in summary["by_variation"].items():
        goal = fig["goal"]
        turns = goal["turns_to_goal"]["mean"]
        out.append(
            f"| {name} | {fig['runs']} | {_pct(goal['rate'])} | "
            f"{'n/a' if turns is None else turns} |"
        )
    out += ["", "## Runs", ""]
    out += [f"- [run {r}](runs/{r}/report.md)" for r in summary.get("run_ids", [])]
    return "\n".join(out) + "\n"


def batch_html(
    loaded: LoadedScenario, summary: dict[str, Any], records: Sequence[RunRecord]
) -> str:
    """The batch as HTML, with the mean emotion over time of every run."""
    s = loaded.scenario
    variations = list(summary["by_variation"])
    head = "".join(f"<th>{escape(v)}</th>" for v in variations)
    rows = []
    for item_id, item in summary["items"].items():
        per = "".join(
            f"<td>{_pct(summary['by_variation'][v]['items'][item_id]['pass_rate'])}</td>"
            for v in variations
        )
        rows.append(
            f"<tr><td>{escape(item['text'])}</td><td>{_pct(item['pass_rate'])}</td>{per}</tr>"
        )
    goals = "".join(
        f"<tr><td>{escape(name)}</td><td>{fig['runs']}</td><td>{_pct(fig['goal']['rate'])}</td>"
        f"<td>{fig['goal']['turns_to_goal']['mean'] or 'n/a'}</td></tr>"
        for name, fig in summary["by_variation"].items()
    )
    runs = "".join(
        f"<tr><td><a href='runs/{escape(r.plan.run_id)}/report.html'>{escape(r.plan.run_id)}</a>"
        f"</td><td>{escape(r.plan.variation or 'base')}</td><td>{r.turns}</td>"
        f"<td>{escape(r.stopped_by)}</td><td>{sum(1 for x in r.scores if x.passed)}"
        f"/{len(r.scores)}</td></tr>"
        for r in records
    )
    body = (
        f"<h1>{escape(s.title or s.id)}</h1><p>{summary['finished']} of {summary['planned']} "
        f"runs finished.</p><p>{'<br>'.join(escape(x) for x in _goal_lines(summary))}</p>"
        f"{batch_chart(loaded, summary)}<h2>Rubric pass rate</h2><table><tr><th>item</th>"
        f"<th>all</th>{head}</tr>{''.join(rows)}</table><h2>Goal by variation</h2><table><tr>"
        f"<th>variation</th><th>runs</th><th>goal reached</th><th>turns to goal</th></tr>"
        f"{goals}</table><h2>Runs</h2><table><tr><th>run</th>"
        f"<th>variation</th><th>turns</th><th>stopped by</th><th>passed</th></tr>{runs}</table>"
    )
    return _page(f"{s.id} batch", body)


def _goal_lines(summary: dict[str, Any]) -> list[str]:
    goal, turns = summary["goal"], summary["turns"]
    ttg = goal["turns_to_goal"]
    lines = [
        f"Goal reached in {goal['reached']} of {summary['runs']} runs ({_pct(goal['rate'])})"
        + (
            f", after {ttg['mean']} turns on average (min {ttg['min']}, max {ttg['max']})."
            if ttg["mean"] is not None
            else "."
        ),
        f"Turns per run: mean {turns['mean']}, min {turns['min']}, max {turns['max']}.",
        "Stopped by: " + ", ".join(f"{k} x{v}" for k, v in summary["stopped_by"].items()) + ".",
    ]
    return lines


def _args(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in args.items())


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{CSS}</style></head><body>{body}</body></html>\n"
    )
