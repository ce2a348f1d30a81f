"""The other side's lines, framed as speech to answer rather than text to copy.

The Mind gives the model the other side's line as ``Name: text`` in the user turn, and asks
for ``{"say": "``. The small models we bundle read that as "rewrite this as JSON" and copy
the line (the 1.5B model copied the nurse's line in 7 of 12 samples here, whatever the note
beside it said). Between the Mind and the model, ``FramedModel`` rewrites each such line as
something said *to* the character, with whose turn it is now:

    Sam Okafor (the nurse) says to you: "I'm sorry you've waited so long."
    You are Dale Porter (the patient). Answer in your own words.

Every user turn is rewritten the same way, so earlier turns keep their evaluated prompt.
"""

from __future__ import annotations

import dataclasses

from npc.providers.base import ChatMessage, GenerationRequest, LanguageModel
from npc.simulate.seeding import ModelOver


class FramedModel(ModelOver):
    """``llm``, with the other side's lines framed as speech to answer."""

    def __init__(self, llm: LanguageModel, *, me: str, my_role: str, other: str, role: str) -> None:
        super().__init__(llm)
        self.said = f"{other}: "
        self.to_me = f"{other} (the {role}) says to you: "
        self.turn = f"You are {me} (the {my_role}). Answer in your own words."

    def frame(self, content: str) -> str:
        """One user turn with the other's line (its last line, ``Name: text``) framed."""
        head, sep, line = content.rpartition("\n")
        last = line if sep else content
        if not last.startswith(self.said):
            return content
        text = last[len(self.said) :].strip().replace('"', "'")
        framed = f'{self.to_me}"{text}"\n{self.turn}'
        return f"{head}\n{framed}" if sep else framed

    def rewrite(self, request: GenerationRequest, *, sampled: bool) -> GenerationRequest:
        messages = tuple(
            ChatMessage(m.role, self.frame(m.content)) if m.role == "user" else m
            for m in request.messages
        )
        return dataclasses.replace(request, messages=messages)
