"""Checks that a viseme track covers its chunk exactly (shared by the viseme and voice tests)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from npc.events import Viseme
from npc.visemes import VISEMES

# Boundaries are computed once and reused, so starts and ends agree to the last bit but one;
# this tolerance is a few ulps of a minute-long chunk.
ULPS_MS = 1e-9


def assert_covers(track: Sequence[Viseme], duration_ms: float) -> None:
    """First starts at 0, each starts where the previous ends, the last ends at the duration."""
    assert track, "an audio chunk with no visemes"
    assert track[0].start_ms == 0.0
    for before, after in itertools.pairwise(track):
        assert abs(before.start_ms + before.duration_ms - after.start_ms) <= ULPS_MS
        assert before.viseme != after.viseme, "equal neighbours should be merged"
    end = track[-1].start_ms + track[-1].duration_ms
    assert abs(end - duration_ms) <= ULPS_MS, (end, duration_ms)
    assert all(v.duration_ms > 0 for v in track)
    assert all(v.viseme in VISEMES for v in track)
