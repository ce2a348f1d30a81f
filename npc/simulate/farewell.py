"""A conversation both sides have closed: each side's last line was only thanks or goodbye.

Left to run on, two polite characters trade thanks until the turns run out, and a small
model starts saying the other's courtesies back ("You're welcome! I'm glad we could talk",
said by both): the conversation is over, and its last turns teach a trainee nothing.
A line signs off when it asks nothing and every sentence of it is a short courtesy with no
"but" in it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from npc.simulate.guard import Said

FAREWELL = "farewell"  # what ``RunRecord.stopped_by`` says of a run both sides closed
COURTESY = re.compile(
    r"\b(?:thanks?|thank you|(?:you're|you are) (?:very |most )?welcome|good ?bye|bye"
    r"|take care|have a (?:\w+ )?(?:day|evening|night|week|weekend|one)|glad|pleasure"
    r"|appreciate[sd]?|look(?:ing)? forward|feel free|see you|talk soon|all the best"
    r"|good luck|cheers|anytime|no problem|my pleasure|don't hesitate|reach out"
    r"|anything else)\b"
)
# Words: a longer sentence carries more than a courtesy. "I look forward to working with
# you and finding a solution that works for us both." (18) is a sign-off all the same.
LONGEST = 24
MORE = re.compile(r"\b(?:but|however|although|though|except)\b")  # "Thanks, but..."


def signs_off(text: str) -> bool:
    """Whether ``text`` only closes the conversation ("Thank you! Have a good day.")."""
    if not text.strip() or "?" in text:
        return False
    sentences = [s for s in re.split(r"(?<=[.!;])\s+", text.strip()) if s.strip()]
    lowered = [s.lower().replace("\u2019", "'") for s in sentences]
    return all(
        COURTESY.search(s) and not MORE.search(s) and len(s.split()) <= LONGEST for s in lowered
    )


def closed(lines: Sequence[Said]) -> bool:
    """Whether the last two lines, one from each side, both sign off."""
    if len(lines) < 2:
        return False
    last, before = lines[-1], lines[-2]
    return last.role != before.role and signs_off(last.text) and signs_off(before.text)
