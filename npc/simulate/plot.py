"""Emotion over time as an inline SVG line chart (no plotting library needed for one chart).

Emotions are names; to draw them over time each gets a value from -1 (hostile, afraid) to 1
(happy, relieved), scaled by the line's intensity. The scenario may set or override values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

DEFAULT_SCALE: dict[str, float] = {
    "angry": -1.0,
    "furious": -1.0,
    "afraid": -0.7,
    "annoyed": -0.6,
    "frustrated": -0.6,
    "skeptical": -0.4,
    "sad": -0.5,
    "firm": -0.1,
    "concerned": -0.1,
    "neutral": 0.0,
    "surprised": 0.1,
    "calm": 0.4,
    "interested": 0.5,
    "relieved": 0.7,
    "happy": 1.0,
    "pleased": 0.8,
}
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
WIDTH, HEIGHT, PAD = 640, 260, 40


def valence(emotion: str, intensity: float, scale: Mapping[str, float]) -> float | None:
    """How positive a line is (-1..1); None for lines without an emotion (a person's)."""
    if not emotion:
        return None
    value = scale.get(emotion, DEFAULT_SCALE.get(emotion, 0.0))
    return value * max(0.35, min(intensity, 1.0))


@dataclass(frozen=True, slots=True)
class Point:
    turn: float
    value: float
    label: str  # shown as the point's tooltip


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    points: tuple[Point, ...]


def emotion_chart(series: Sequence[Series], title: str) -> str:
    """An SVG chart: turns across, -1..1 up, one line per series, a legend under the title."""
    last = max((p.turn for s in series for p in s.points), default=1.0)
    span = max(last - 1.0, 1.0)

    def x(turn: float) -> float:
        return PAD + (turn - 1.0) / span * (WIDTH - 2 * PAD)

    def y(value: float) -> float:
        return HEIGHT / 2 - value * (HEIGHT / 2 - PAD)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="{PAD}" y="16" font-size="13">{escape(title)}</text>',
    ]
    for value, label in ((1.0, "positive"), (0.0, "neutral"), (-1.0, "negative")):
        parts.append(
            f'<line x1="{PAD}" y1="{y(value):.1f}" x2="{WIDTH - PAD}" y2="{y(value):.1f}" '
            f'stroke="#ccc" stroke-dasharray="{"" if value == 0 else "3,3"}"/>'
            f'<text x="2" y="{y(value) + 4:.1f}" fill="#666">{label}</text>'
        )
    for turn in range(1, int(last) + 1):
        if last <= 20 or turn % 5 == 0:
            parts.append(
                f'<text x="{x(turn):.1f}" y="{HEIGHT - 8}" text-anchor="middle" '
                f'fill="#666">{turn}</text>'
            )
    for i, s in enumerate(series):
        color = COLORS[i % len(COLORS)]
        coords = " ".join(f"{x(p.turn):.1f},{y(p.value):.1f}" for p in s.points)
        if len(s.points) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{coords}"/>'
            )
        for p in s.points:
            parts.append(
                f'<circle cx="{x(p.turn):.1f}" cy="{y(p.value):.1f}" r="3.5" fill="{color}">'
                f"<title>{escape(s.name)}, turn {p.turn:g}: {escape(p.label)}</title></circle>"
            )
        lx = PAD + 170 + i * 150
        parts.append(
            f'<rect x="{lx}" y="7" width="10" height="10" fill="{color}"/>'
            f'<text x="{lx + 14}" y="16">{escape(s.name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    rate: float | None  # None: never scored
    note: str = ""  # e.g. "advisory", shown after the value


def pass_rate_chart(bars: Sequence[Bar], title: str) -> str:
    """An SVG bar chart of pass rates, one bar per rubric item; advisory items in grey."""
    row, left, right = 22, 300, 120
    height = PAD + row * len(bars) + 10
    scale = WIDTH - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="4" y="16" font-size="13">{escape(title)}</text>',
    ]
    for i, bar in enumerate(bars):
        y = PAD + i * row
        label = bar.label if len(bar.label) <= 48 else bar.label[:47] + "…"
        color = "#999" if bar.note else COLORS[2]
        width = (bar.rate or 0.0) * scale
        value = "n/a" if bar.rate is None else f"{bar.rate * 100:.0f}%"
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{scale}" height="14" fill="#eee"/>'
            f'<rect x="{left}" y="{y + 3}" width="{width:.1f}" height="14" fill="{color}">'
            f"<title>{escape(bar.label)}: {value}</title></rect>"
            f'<text x="{left + scale + 6}" y="{y + 14}">{value}'
            f"{escape(' ' + bar.note) if bar.note else ''}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
