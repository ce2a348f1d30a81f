"""The reply's events as wire messages, shaped by what the client asked for. No I/O."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from npc.events import ActionCall, Emotion, ErrorEvent, Event, ReplyText, SpeechAudio
from npc.protocol import messages as m
from npc.visemes.frames import viseme_weights

Out = m._ServerMessage | bytes


def messages_for(event: Event, outputs: m.Outputs) -> list[Out]:
    """What the client gets for one event of a reply (possibly nothing)."""
    convert = _CONVERTERS.get(type(event))
    return convert(event, outputs) if convert is not None else []


def _text(event: ReplyText, out: m.Outputs) -> list[Out]:
    return [m.ReplyTextMsg(turn_id=event.turn_id, text=event.text)] if out.text else []


def _emotion(event: Emotion, out: m.Outputs) -> list[Out]:
    intensity = round(event.intensity, 2)
    return [m.EmotionMsg(turn_id=event.turn_id, emotion=event.emotion, intensity=intensity)]


def _action(event: ActionCall, out: m.Outputs) -> list[Out]:
    return [
        m.ActionMsg(
            turn_id=event.turn_id, action_id=event.action_id, name=event.name, args=event.args
        )
    ]


def _error(event: ErrorEvent, out: m.Outputs) -> list[Out]:
    return [
        m.Error(turn_id=event.turn_id, code=event.code, message=event.message, fatal=event.fatal)
    ]


def _audio(chunk: SpeechAudio, out: m.Outputs) -> list[Out]:
    binary = out.audio and out.audio_format == "binary"
    visemes = (
        [
            m.VisemeMsg(
                viseme=v.viseme, start_ms=round(v.start_ms, 2), duration_ms=round(v.duration_ms, 2)
            )
            for v in chunk.visemes
        ]
        if out.visemes
        else None
    )
    frames = (
        [
            {k: round(w, 3) for k, w in f.items()}
            for f in viseme_weights(chunk.visemes, out.viseme_fps)
        ]
        if out.viseme_fps
        else None
    )
    header = m.AudioOut(
        turn_id=chunk.turn_id,
        index=chunk.index,
        text=chunk.text,
        sample_rate=chunk.sample_rate,
        duration_ms=round(chunk.duration_ms, 2),
        bytes=len(chunk.pcm) if out.audio else 0,
        visemes=visemes,
        frames=frames,
        data=base64.b64encode(chunk.pcm).decode() if out.audio and not binary else None,
    )
    return [header, chunk.pcm] if binary else [header]


_CONVERTERS: dict[type, Callable[[Any, m.Outputs], list[Out]]] = {
    ReplyText: _text,
    Emotion: _emotion,
    ActionCall: _action,
    ErrorEvent: _error,
    SpeechAudio: _audio,
}
