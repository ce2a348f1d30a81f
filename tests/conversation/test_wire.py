"""Reply events as wire messages, shaped by what the client asked for."""

from __future__ import annotations

import base64

from npc.conversation.wire import messages_for
from npc.events import ActionCall, Emotion, ErrorEvent, Phrase, ReplyText, SpeechAudio, Viseme
from npc.protocol import messages as m

CHUNK = SpeechAudio(
    3, 0, b"\x01\x00" * 1600, 16000, "Hello.", (Viseme("sil", 0, 50), Viseme("aa", 50, 50))
)


def test_binary_audio_is_a_header_then_the_samples() -> None:
    header, pcm = messages_for(CHUNK, m.Outputs())
    assert isinstance(header, m.AudioOut) and pcm == CHUNK.pcm
    assert (header.turn_id, header.bytes, header.duration_ms) == (3, 3200, 100.0)
    assert header.visemes is not None and [v.viseme for v in header.visemes] == ["sil", "aa"]
    assert header.data is None and header.frames is None


def test_base64_audio_with_frames_and_no_visemes() -> None:
    out = m.Outputs(audio_format="base64", visemes=False, viseme_fps=20)
    [header] = messages_for(CHUNK, out)
    assert isinstance(header, m.AudioOut)
    assert header.data is not None and base64.b64decode(header.data) == CHUNK.pcm
    assert header.visemes is None and header.frames and len(header.frames) == 2


def test_visemes_only_send_no_samples() -> None:
    [header] = messages_for(CHUNK, m.Outputs(audio=False))
    assert isinstance(header, m.AudioOut) and header.bytes == 0 and header.data is None


def test_text_emotion_action_and_error_events() -> None:
    out = m.Outputs()
    assert messages_for(ReplyText(1, "Hi"), out) == [m.ReplyTextMsg(turn_id=1, text="Hi")]
    assert messages_for(ReplyText(1, "Hi"), m.Outputs(text=False)) == []
    [emotion] = messages_for(Emotion(1, "happy", 0.654), out)
    assert emotion == m.EmotionMsg(turn_id=1, emotion="happy", intensity=0.65)
    [action] = messages_for(ActionCall(1, "a1.1", "fetch", {"item": "tea"}), out)
    assert action == m.ActionMsg(turn_id=1, action_id="a1.1", name="fetch", args={"item": "tea"})
    [error] = messages_for(ErrorEvent(1, "provider_error", "boom"), out)
    assert isinstance(error, m.Error) and (error.code, error.fatal) == ("provider_error", False)
    assert messages_for(Phrase(1, 0, "Hi"), out) == []  # phrases go to the voice, not the wire
