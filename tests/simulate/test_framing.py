"""The other side's line reaches the model as speech to answer, not text to copy."""

from __future__ import annotations

from npc.providers.base import ChatMessage, GenerationRequest
from npc.simulate.framing import FramedModel
from tests.simulate.fakes import ScriptedLLM


def test_each_user_turn_frames_the_other_sides_line() -> None:
    llm = ScriptedLLM()
    model = FramedModel(llm, me="Dale Porter", my_role="patient", other="Sam Okafor", role="nurse")
    request = GenerationRequest(
        messages=(
            ChatMessage("system", "You are Dale Porter."),
            ChatMessage("user", "[Game: You speak first.]"),
            ChatMessage("assistant", '{"say": "Three hours!"}'),
            ChatMessage(
                "user", "[Game: Stay Dale.]\nSam Okafor: I'm sorry you've waited so \"long\"."
            ),
        ),
        assistant_prefix='{"say": "',
    )
    list(model.stream(request))
    sent = llm.requests[0].messages
    assert sent[:3] == request.messages[:3]  # no line of the other side: unchanged
    assert sent[3].content == (
        "[Game: Stay Dale.]\n"
        "Sam Okafor (the nurse) says to you: \"I'm sorry you've waited so 'long'.\"\n"
        "You are Dale Porter (the patient). Answer in your own words."
    )
    assert model.frame("Dale Porter: hi") == "Dale Porter: hi"  # its own name is not framed
