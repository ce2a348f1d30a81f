// Tests of playback (jitter buffer and clock), visemes and rigs, and the microphone gate.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "npc/MicGate.h"
#include "npc/Playback.h"
#include "npc/Visemes.h"

#include "Check.h"

namespace {

using namespace npc;

// -- playback ---------------------------------------------------------------------------------

ServerMessage header(int turn, int index, int rate, std::vector<VisemeCue> visemes = {}) {
    ServerMessage m;
    m.type = MessageType::Audio;
    m.turnId = turn;
    m.index = index;
    m.sampleRate = rate;
    m.visemes = std::move(visemes);
    return m;
}

std::vector<std::uint8_t> tone(std::size_t samples, std::int16_t value = 0x4000) {
    std::vector<std::uint8_t> pcm(samples * 2);
    for (std::size_t i = 0; i < samples; ++i) {
        pcm[2 * i] = static_cast<std::uint8_t>(value & 0xFF);
        pcm[2 * i + 1] = static_cast<std::uint8_t>((value >> 8) & 0xFF);
    }
    return pcm;
}

void playbackIsGaplessInOrderAndCountsPlayedTime() {
    SpeechPlayer player(16000, 0);
    const auto pcm = tone(1600);  // 100 ms
    player.enqueue(header(1, 1, 16000), pcm.data(), pcm.size());
    player.enqueue(header(1, 0, 16000), pcm.data(), pcm.size());  // late but first in order
    std::vector<float> heard;
    std::vector<float> block(400);
    for (int i = 0; i < 10; ++i) {
        player.read(block.data(), block.size());
        heard.insert(heard.end(), block.begin(), block.end());
    }
    bool gapless = true;
    for (std::size_t i = 0; i < 3200; ++i) gapless = gapless && heard[i] > 0.2f;
    CHECK(gapless);
    CHECK(heard[3200] == 0.0f && heard.back() == 0.0f);
    CHECK_NEAR(player.playedMs(1), 200, 1e-6);
    CHECK(!player.playing());
    const auto order = player.startedOrder();
    CHECK(order.size() == 2 && order[0].second == 0 && order[1].second == 1);
    CHECK(player.stats().underruns == 1);  // turn 1 never ended: the silence after it is a gap
}

void playbackHoldsANewTurnForThePrebuffer() {
    SpeechPlayer player(16000, 100);
    const auto small = tone(320);  // 20 ms
    player.enqueue(header(1, 0, 16000), small.data(), small.size());
    std::vector<float> block(160);  // 10 ms
    player.read(block.data(), block.size());
    CHECK(block[0] == 0.0f);  // 20 ms queued < 100 ms: wait
    for (int i = 0; i < 9; ++i) player.read(block.data(), block.size());
    player.read(block.data(), block.size());
    CHECK(block[0] > 0.2f);  // waited 100 ms of callback time: play what there is
    player.turnEnded(1);
    for (int i = 0; i < 5; ++i) player.read(block.data(), block.size());
    CHECK(player.stats().underruns == 0);  // the turn had ended: silence is no underrun
}

void playbackCountsAGapWithinATurnOnce() {
    SpeechPlayer player(16000, 0);
    const auto pcm = tone(160);
    player.enqueue(header(2, 0, 16000), pcm.data(), pcm.size());
    std::vector<float> block(160);
    for (int i = 0; i < 5; ++i) player.read(block.data(), block.size());
    player.enqueue(header(2, 1, 16000), pcm.data(), pcm.size());
    player.read(block.data(), block.size());
    CHECK(block[0] > 0.2f);  // the late chunk plays at once
    CHECK(player.stats().underruns == 1);
}

void flushAndStaleTurnsStopAtOnce() {
    SpeechPlayer player(16000, 0);
    const auto pcm = tone(1600);
    player.enqueue(header(1, 0, 16000), pcm.data(), pcm.size());
    player.enqueue(header(2, 0, 16000), pcm.data(), pcm.size());
    std::vector<float> block(160);
    player.read(block.data(), block.size());
    CHECK(player.currentTurn() == 1);
    player.dropTurnsBefore(2);
    CHECK(player.currentTurn() == 2);
    CHECK_NEAR(player.playedMs(1), 10, 1e-6);
    player.flush();
    player.read(block.data(), block.size());
    CHECK(!player.playing() && block[0] == 0.0f);
    CHECK(player.stats().chunksFlushed == 2);
}

void playbackResamplesAndVisemesFollowTheClock() {
    SpeechPlayer player(48000, 0);
    const auto pcm = tone(2205);  // 100 ms at 22050 Hz
    player.enqueue(header(1, 0, 22050, {{1, 0, 50}, {10, 50, 50}}), pcm.data(), pcm.size());
    std::vector<float> block(480);  // 10 ms at 48 kHz
    player.read(block.data(), block.size());
    CHECK(player.visemeWeights(0)[1] == 1.0f);  // 10 ms in: PP
    for (int i = 0; i < 5; ++i) player.read(block.data(), block.size());
    CHECK(player.visemeWeights(0)[10] == 1.0f);  // 60 ms in: aa
    std::vector<std::int16_t> ints(480 * 10);
    player.readPcm16(ints.data(), ints.size());
    CHECK(!player.playing());
    CHECK(player.stats().samplesPlayed == 4800);  // 100 ms at 48 kHz
    CHECK(player.visemeWeights(0)[0] == 1.0f);   // silent: the mouth rests
}

// -- visemes ----------------------------------------------------------------------------------

void timelineCrossFades() {
    const std::vector<VisemeCue> track{{1, 0, 100}, {10, 100, 200}};
    CHECK(visemeWeightsAt(track, 50)[1] == 1.0f);
    const auto change = visemeWeightsAt(track, 100, 40);
    CHECK_NEAR(change[1], 0.5, 1e-6);
    CHECK_NEAR(change[10], 0.5, 1e-6);
    CHECK(visemeWeightsAt(track, 400)[0] == 1.0f);
    for (double t = 0; t < 320; t += 7) {
        float sum = 0;
        for (float w : visemeWeightsAt(track, t, 60)) sum += w;
        CHECK_NEAR(sum, 1, 1e-5);
    }
}

void rigsCoverEveryMouthShape() {
    const std::vector<std::string> arkit52 = {
        "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight", "cheekPuff",
        "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft",
        "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight",
        "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight",
        "jawForward", "jawLeft", "jawOpen", "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight",
        "mouthFrownLeft", "mouthFrownRight", "mouthFunnel", "mouthLeft", "mouthLowerDownLeft",
        "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight", "mouthPucker", "mouthRight",
        "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft",
        "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
        "noseSneerLeft", "noseSneerRight", "tongueOut"};
    CHECK(arkit52.size() == 52);
    for (const auto& curve : arkitRig().curves())
        CHECK(std::find(arkit52.begin(), arkit52.end(), curve) != arkit52.end());
    for (const char* name : {"ovr", "arkit", "metahuman", "vrm"}) {
        VisemeRig rig;
        CHECK(rigByName(name, rig));
        CHECK(rig.shapes[0].empty());  // sil: the rest pose
        for (int v = 2; v < kVisemeCount; ++v) CHECK(!rig.shapes[static_cast<std::size_t>(v)].empty());
        for (const auto& shape : rig.shapes)
            for (const auto& c : shape) CHECK(c.weight > 0 && c.weight <= 1);
    }
    for (const auto& curve : metaHumanRig().curves()) CHECK(curve.rfind("CTRL_expressions_", 0) == 0);
    VisemeRig none;
    CHECK(!rigByName("blender", none));
}

void faceCurvesEaseInAndBackToRest() {
    FaceCurves face(arkitRig(), 0.03);
    VisemeWeights aa{};
    aa[10] = 1;
    face.update(aa, 0.01);
    const float early = face.shown().at("jawOpen");
    CHECK(early > 0 && early < 0.7f);
    for (int i = 0; i < 30; ++i) face.update(aa, 0.01);
    CHECK_NEAR(face.shown().at("jawOpen"), 0.7, 0.01);
    VisemeWeights rest{};
    rest[0] = 1;
    for (int i = 0; i < 30; ++i) face.update(rest, 0.01);
    CHECK(face.shown().at("jawOpen") < 0.01f);
    CHECK(face.shown().count("mouthPucker") == 1);  // every curve of the rig is driven, even at 0
}

// -- microphone gate ------------------------------------------------------------------------------

void micGateMutesOrGatesWhileTheCharacterSpeaks() {
    std::vector<std::int16_t> quiet(320, 200), loud(320, 12000);
    MicGate mute(MicMode::OpenMic, WhileSpeaking::Mute);
    CHECK(mute.frame(loud.data(), loud.size(), false) == MicGate::Decision::Send);
    CHECK(mute.frame(loud.data(), loud.size(), true) == MicGate::Decision::SendSilence);
    MicGate gate(MicMode::OpenMic, WhileSpeaking::EchoGate, -26);
    CHECK(gate.frame(quiet.data(), quiet.size(), true) == MicGate::Decision::SendSilence);
    CHECK(gate.frame(loud.data(), loud.size(), true) == MicGate::Decision::Send);
    MicGate ptt(MicMode::PushToTalk);
    CHECK(ptt.frame(loud.data(), loud.size(), false) == MicGate::Decision::Drop);
    CHECK(!ptt.setTalkKey(true));
    CHECK(ptt.frame(loud.data(), loud.size(), true) == MicGate::Decision::Send);
    CHECK(ptt.setTalkKey(false));  // released: send end_turn
    CHECK(!ptt.setTalkKey(false));
}

}  // namespace

std::vector<npctest::Test> npctest::playbackTests() {
    return {
        {"playback gapless, in order, played time", playbackIsGaplessInOrderAndCountsPlayedTime},
        {"playback prebuffer", playbackHoldsANewTurnForThePrebuffer},
        {"playback gap counted once", playbackCountsAGapWithinATurnOnce},
        {"flush and stale turns", flushAndStaleTurnsStopAtOnce},
        {"resampling and viseme clock", playbackResamplesAndVisemesFollowTheClock},
        {"timeline cross-fades", timelineCrossFades},
        {"rigs cover every shape", rigsCoverEveryMouthShape},
        {"face curves ease", faceCurvesEaseInAndBackToRest},
        {"mic gate", micGateMutesOrGatesWhileTheCharacterSpeaks},
    };
}
