"""A viseme track sampled as per-frame blend weights, for engines that drive blendshape curves."""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Mapping, Sequence

from npc.events import Viseme
from npc.visemes.table import VISEMES

DEFAULT_FPS = 60.0
DEFAULT_FADE_MS = 40.0


def viseme_weights(
    track: Sequence[Viseme], fps: float = DEFAULT_FPS, *, fade_ms: float = DEFAULT_FADE_MS
) -> tuple[dict[str, float], ...]:
    """Weights per frame (frame ``i`` at ``i / fps`` seconds) for a track that starts at 0.

    Each frame maps visemes to weights in [0, 1] that sum to 1; visemes not named weigh 0.
    Around each change the outgoing and incoming visemes cross-fade linearly over
    ``fade_ms``, centred on the change and shortened to at most half of either neighbour,
    so a short phoneme still reaches full weight.
    """
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if not fade_ms >= 0:
        raise ValueError(f"fade_ms must be zero or more, got {fade_ms}")
    if not track:
        return ()
    end = track[-1].start_ms + track[-1].duration_ms
    starts = [v.start_ms for v in track]
    half = [
        min(fade_ms / 2, a.duration_ms / 2, b.duration_ms / 2) for a, b in itertools.pairwise(track)
    ]
    count = max(1, math.ceil(end * fps / 1000))
    return tuple(_weights_at(track, starts, half, i * 1000 / fps) for i in range(count))


def as_vector(weights: Mapping[str, float]) -> tuple[float, ...]:
    """One frame's weights as 15 numbers in ``VISEMES`` order (blendshape indices)."""
    return tuple(weights.get(v, 0.0) for v in VISEMES)


def _weights_at(
    track: Sequence[Viseme], starts: list[float], half: list[float], t: float
) -> dict[str, float]:
    k = max(0, min(len(track) - 1, bisect.bisect_right(starts, t) - 1))
    current = track[k]
    if k > 0 and half[k - 1] > 0 and t < current.start_ms + half[k - 1]:
        h = half[k - 1]
        return _blend(track[k - 1].viseme, current.viseme, (t - current.start_ms + h) / (2 * h))
    end = current.start_ms + current.duration_ms
    if k < len(half) and half[k] > 0 and t > end - half[k]:
        h = half[k]
        return _blend(current.viseme, track[k + 1].viseme, (t - end + h) / (2 * h))
    return {current.viseme: 1.0}


def _blend(outgoing: str, incoming: str, amount: float) -> dict[str, float]:
    amount = min(1.0, max(0.0, amount))
    weights = {outgoing: 1.0 - amount}
    weights[incoming] = weights.get(incoming, 0.0) + amount
    return weights
