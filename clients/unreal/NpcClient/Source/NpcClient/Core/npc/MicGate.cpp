#include "npc/MicGate.h"

#include "npc/Pcm.h"

namespace npc {

bool MicGate::setTalkKey(bool down) {
    const bool released = keyDown_ && !down;
    keyDown_ = down;
    return mode_ == MicMode::PushToTalk && released;
}

MicGate::Decision MicGate::frame(const std::int16_t* samples, std::size_t count, bool characterSpeaking) const {
    // Push-to-talk sends nothing between presses: `end_turn` has ended the turn already.
    if (mode_ == MicMode::PushToTalk && !keyDown_) return Decision::Drop;
    if (!characterSpeaking || mode_ == MicMode::PushToTalk) return Decision::Send;
    switch (whileSpeaking_) {
        case WhileSpeaking::Send: return Decision::Send;
        case WhileSpeaking::Mute: return Decision::SendSilence;
        case WhileSpeaking::EchoGate:
            return levelDbfs(samples, count) >= gateDbfs_ ? Decision::Send : Decision::SendSilence;
    }
    return Decision::Send;
}

}  // namespace npc
