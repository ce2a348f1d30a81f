"""A batch's report, in Markdown and as HTML: how the runs ended, how often the characters
broke their roles, the pass rate of each rubric item (overall and per variation, advisory
items marked), plots of pass rates and of emotion over turns, and a table of every run with
each item's verdict, linking to the run's own report."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from npc.simulate.agreement import Measured, load_measured
from npc.simulate.loading import LoadedScenario
from npc.simulate.plot import Bar, Point, Series, emotion_chart, pass_rate_chart
from npc.simulate.records import RunRecord
from npc.simulate.report import ADVISORY_NOTE, css_class, page

PASS_CHART = "pass_rates.svg"
EMOTION_CHART = "emotion.svg"


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.0f}%"


def batch_chart(summary: dict[str, Any]) -> str:
    series = []
    for speaker, cells in summary["emotion_over_time"].items():
        points = tuple(Point(c["turn"], c["mean_valence"], _counts(c["counts"])) for c in cells)
        series.append(Series(f"{speaker} (mean of runs)", points))
    return emotion_chart(series, f"Emotion over time, {summary['finished']} runs")


def pass_chart(summary: dict[str, Any]) -> str:
    bars = [
        Bar(item["text"], item["pass_rate"], "advisory" if item.get("advisory") else "")
        for item in summary["items"].values()
    ]
    return pass_rate_chart(bars, f"Pass rate per rubric item, {summary['finished']} runs")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def outcome_lines(summary: dict[str, Any]) -> list[str]:
    """The batch in a few sentences: goals, turns, stops, broken roles."""
    goal, turns = summary["goal"], summary["turns"]
    ttg = goal["turns_to_goal"]
    stops = summary["stopped_by_condition"]
    lines = [
        f"Goal reached in {goal['reached']} of {summary['runs']} runs ({_pct(goal['rate'])})"
        + (
            f", after {ttg['mean']} turns on average (min {ttg['min']}, max {ttg['max']})."
            if ttg["mean"] is not None
            else "."
        ),
        f"Turns per run: mean {turns['mean']}, min {turns['min']}, max {turns['max']}.",
        f"Ended by a stop condition of the scenario: {stops['runs']} of {summary['runs']} runs "
        f"({_pct(stops['rate'])}); the rest ran out of turns, ended in farewells (both sides "
        "closed the conversation) or a person left.",
        "Stopped by: " + ", ".join(f"{k} x{v}" for k, v in summary["stopped_by"].items()) + ".",
    ]
    return [*lines, role_line(summary["roles"])]


def role_line(roles: dict[str, Any]) -> str:
    """Broken roles in the lines kept, as a share of the characters' lines."""
    n = roles["model_lines"]
    names = {"inversion": "inversions", "echo": "echoes", "self_repeat": "self-repeats"}
    parts = [
        f"{name} {roles[kind]['lines']} ({_pct(roles[kind]['rate'])})"
        for kind, name in names.items()
    ]
    retried = roles["retried"]
    return (
        f"Broken roles in {n} lines of the characters: {', '.join(parts)}; runs with a loop "
        f"{roles['loop']['runs']}. Lines asked for again: {retried['lines']} "
        f"({_pct(retried['rate'])}), {retried['taken_back']} taken back in all."
    )


def batch_markdown(
    loaded: LoadedScenario, summary: dict[str, Any], measured: Measured | None = None
) -> str:
    """The batch as Markdown (its charts are SVG files beside it)."""
    measured = measured or load_measured()
    s = loaded.scenario
    out = [f"# {s.title or s.id}: {summary['finished']} of {summary['planned']} runs", ""]
    out += outcome_lines(summary)
    if summary["failed"]:
        out += ["", f"Failed runs: {', '.join(sorted(summary['failed']))} (see manifest.json)"]
    variations = list(summary["by_variation"])
    out += ["", "## Rubric", "", f"![Pass rates]({PASS_CHART})", ""]
    out += ["| item | check | all | " + " | ".join(variations) + " |"]
    out.append("|---|---|---|" + "---|" * len(variations))
    for item_id, item in summary["items"].items():
        per = [_pct(summary["by_variation"][v]["items"][item_id]["pass_rate"]) for v in variations]
        kind = item["kind"] + (" (advisory)" if item.get("advisory") else "")
        out.append(
            f"| {item['text']} | {kind} | {_pct(item['pass_rate'])} | " + " | ".join(per) + " |"
        )
    if any(i.get("advisory") for i in summary["items"].values()):
        out += ["", ADVISORY_NOTE]
        kinds = sorted({i["kind"] for i in summary["items"].values() if i.get("advisory")})
        out += [f"- {measured.note(k)}" for k in kinds]
    out += [
        "",
        "## By variation",
        "",
        "| variation | runs | goal reached | turns to goal | broken roles |",
    ]
    out.append("|---|---|---|---|---|")
    for name, fig in summary["by_variation"].items():
        turns = fig["goal"]["turns_to_goal"]["mean"]
        r = fig["roles"]
        broken = sum(r[k]["lines"] for k in ("inversion", "echo", "self_repeat"))
        out.append(
            f"| {name} | {fig['runs']} | {_pct(fig['goal']['rate'])} | "
            f"{'n/a' if turns is None else turns} | {broken} of {r['model_lines']} lines |"
        )
    out += ["", "## Emotion over time", "", f"![Emotion over time]({EMOTION_CHART})"]
    out += ["", "## Runs", "", _runs_md(summary)]
    return "\n".join(out) + "\n"


def _runs_md(summary: dict[str, Any]) -> str:
    ids = list(summary["items"])
    head = "| run | variation | turns | stopped by | " + " | ".join(ids) + " |"
    rows = [head, "|---|---|---|---|" + "---|" * len(ids)]
    for run in summary.get("runs_table", []):
        marks = [{True: "pass", False: "FAIL", None: "n/a"}[run["items"].get(i)] for i in ids]
        rows.append(
            f"| [{run['run_id']}](runs/{run['run_id']}/report.md) | {run['variation']} | "
            f"{run['turns']} | {run['stopped_by']} | " + " | ".join(marks) + " |"
        )
    return "\n".join(rows)


def runs_table(records: Sequence[RunRecord]) -> list[dict[str, Any]]:
    """Each run's verdict per item, for the tables that link to the runs."""
    return [
        {
            "run_id": r.plan.run_id,
            "variation": r.plan.variation or "base",
            "turns": r.turns,
            "stopped_by": r.stopped_by,
            "items": {s.id: s.passed for s in r.scores},
        }
        for r in records
    ]


def batch_html(
    loaded: LoadedScenario,
    summary: dict[str, Any],
    records: Sequence[RunRecord],
    measured: Measured | None = None,
) -> str:
    """The batch as HTML, with both charts inline."""
    measured = measured or load_measured()
    s = loaded.scenario
    variations = list(summary["by_variation"])
    head = "".join(f"<th>{escape(v)}</th>" for v in variations)
    rows = []
    for item_id, item in summary["items"].items():
        per = "".join(
            f"<td>{_pct(summary['by_variation'][v]['items'][item_id]['pass_rate'])}</td>"
            for v in variations
        )
        adv = "<br><span class=adv>advisory</span>" if item.get("advisory") else ""
        rows.append(
            f"<tr><td>{escape(item['text'])}</td><td>{escape(item['kind'])}{adv}</td>"
            f"<td>{_pct(item['pass_rate'])}</td>{per}</tr>"
        )
    notes = ""
    if any(i.get("advisory") for i in summary["items"].values()):
        kinds = sorted({i["kind"] for i in summary["items"].values() if i.get("advisory")})
        notes = (
            f"<p class=adv>{escape(ADVISORY_NOTE)}<br>"
            + "<br>".join(escape(measured.note(k)) for k in kinds)
            + "</p>"
        )
    ids = list(summary["items"])
    run_rows = []
    for r in records:
        verdicts = {x.id: x.passed for x in r.scores}
        cells = "".join(
            f"<td class={css_class(verdicts.get(i))}>"
            f"{ {True: 'pass', False: 'FAIL', None: 'n/a'}[verdicts.get(i)] }</td>"
            for i in ids
        )
        link = f"runs/{escape(r.plan.run_id)}/report.html"
        run_rows.append(
            f"<tr><td><a href='{link}'>{escape(r.plan.run_id)}</a></td>"
            f"<td>{escape(r.plan.variation or 'base')}</td><td>{r.turns}</td>"
            f"<td>{escape(r.stopped_by)}</td>{cells}</tr>"
        )
    item_heads = "".join(
        f"<th title='{escape(summary['items'][i]['text'])}'>{escape(i)}</th>" for i in ids
    )
    outcome = "<br>".join(escape(x) for x in outcome_lines(summary))
    body = (
        f"<h1>{escape(s.title or s.id)}</h1><p>{summary['finished']} of {summary['planned']} "
        f"runs finished.</p><p>{outcome}</p><h2>Rubric pass rate</h2>{pass_chart(summary)}"
        f"<table><tr><th>item</th><th>check</th><th>all</th>{head}</tr>{''.join(rows)}</table>"
        f"{notes}<h2>Emotion over time</h2>{batch_chart(summary)}<h2>Runs</h2>"
        f"<table><tr><th>run</th><th>variation</th><th>turns</th><th>stopped by</th>"
        f"{item_heads}</tr>{''.join(run_rows)}</table>"
    )
    return page(f"{s.id} batch", body)


def batch_files(
    loaded: LoadedScenario, summary: dict[str, Any], records: Sequence[RunRecord]
) -> dict[str, str]:
    """Every batch-level report file, by name."""
    measured = load_measured()
    return {
        "report.md": batch_markdown(loaded, summary, measured),
        "report.html": batch_html(loaded, summary, records, measured),
        PASS_CHART: pass_chart(summary) + "\n",
        EMOTION_CHART: batch_chart(summary) + "\n",
    }
