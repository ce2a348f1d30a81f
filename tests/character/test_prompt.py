"""What the prompt holds, and which of it the character must never say."""

from __future__ import annotations

from pathlib import Path

from npc.actions.reply import ReplyFormat
from npc.actions.space import ActionSpace
from npc.character.loader import load_sheet
from npc.character.prompt import instructions, system_prompt, unsaid

ROOT = Path(__file__).resolve().parents[2]


def test_unsaid_is_the_prompts_instructions_without_what_the_character_may_say() -> None:
    sheet = load_sheet(ROOT / "bench/data/quality/dev/forge_keeper.yaml").sheet
    fmt = ReplyFormat(ActionSpace.build(sheet), tuple(sheet.emotions.allowed))
    prompt = system_prompt(sheet, fmt)
    pieces = unsaid(sheet, fmt)
    text = "\n".join(pieces)
    assert all(piece.strip() in prompt for piece in pieces)  # all of it is in the prompt
    assert f"stay in character as {sheet.name}" in text  # the framing
    assert "never say their words back to them" in text  # the rules
    assert "a question gets an answer, not an action" in text  # how to act
    assert '"emotion" is one of' in text  # the reply format
    refusal = sheet.guardrails.refusal
    assert refusal and refusal in instructions(sheet, fmt) and refusal not in text
    assert sheet.backstory and sheet.backstory.strip()[:40] not in text  # persona is said freely
    for sig in fmt.space.signatures():  # scene entries the character names
        assert sig not in text
