// Which microphone frames go to the server: open mic or push-to-talk, and what happens while
// the character speaks (engines without echo cancellation hear the character through the
// speakers, and the server would take its voice for the player's barge-in).
#pragma once

#include <cstddef>
#include <cstdint>

namespace npc {

enum class MicMode { OpenMic, PushToTalk };

enum class WhileSpeaking {
    Send,      // headphones: the player can interrupt by voice
    Mute,      // speakers: send silence instead (the server's end-of-turn clock keeps running)
    EchoGate,  // speakers: send only frames louder than gateDbfs (loud speech still interrupts)
};

class MicGate {
public:
    enum class Decision { Send, SendSilence, Drop };

    MicGate(MicMode mode = MicMode::OpenMic, WhileSpeaking whileSpeaking = WhileSpeaking::Mute, double gateDbfs = -26)
        : mode_(mode), whileSpeaking_(whileSpeaking), gateDbfs_(gateDbfs) {}

    /// Push-to-talk key. True when the key was released: send `end_turn` now.
    bool setTalkKey(bool down);
    bool talkKeyDown() const { return keyDown_; }

    /// What to do with one frame of PCM16 samples.
    Decision frame(const std::int16_t* samples, std::size_t count, bool characterSpeaking) const;

private:
    MicMode mode_;
    WhileSpeaking whileSpeaking_;
    double gateDbfs_;
    bool keyDown_ = false;
};

}  // namespace npc
