// Unit tests of the engine-free core. No framework: each test is a function; a failed
// CHECK reports the expression and line and the run ends with "N passed, N failed".
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "npc/Json.h"
#include "npc/MicGate.h"
#include "npc/Pcm.h"
#include "npc/Playback.h"
#include "npc/Protocol.h"
#include "npc/Session.h"
#include "npc/Visemes.h"

namespace {

int failures = 0;

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            std::printf("    failed at line %d: %s\n", __LINE__, #cond);       \
            ++failures;                                                         \
        }                                                                       \
    } while (0)

#define CHECK_NEAR(a, b, tol) CHECK(std::fabs(static_cast<double>(a) - static_cast<double>(b)) <= (tol))

using namespace npc;

// -- JSON ---------------------------------------------------------------------------------

void jsonRoundTrip() {
    JsonValue v;
    std::string error;
    const std::string text = R"({"a":[1,2.5,-3e2,true,false,null],"s":"q\"\\\n\u00e9\ud83c\udf5c","o":{}})";
    CHECK(parseJson(text, v, error));
    CHECK(v["s"].asString() == "q\"\\\n\xc3\xa9\xf0\x9f\x8d\x9c");
    CHECK(v["a"].asArray().size() == 6);
    CHECK(v["a"].asArray()[2].asNumber() == -300);
    CHECK(v["a"].asArray()[5].isNull());
    JsonValue again;
    CHECK(parseJson(v.dump(), again, error));
    CHECK(again.dump() == v.dump());
    CHECK(JsonValue(3.0).dump() == "3");
    CHECK(JsonValue(0.25).dump() == "0.25");
    CHECK(quoteJson(std::string("a\x01") + "b") == "\"a\\u0001b\"");
}

void jsonRejectsBadInput() {
    for (const char* bad : {"{", "[1,]", "{\"a\" 1}", "\"open", "tru", "{} x", "01", "-", "1.", "\"\\ud800\"", "\"a\x01\""}) {
        JsonValue v;
        std::string error;
        const bool ok = parseJson(bad, v, error);
        CHECK(!ok);
        CHECK(!error.empty());
        if (ok) std::printf("    accepted: %s\n", bad);
    }
    std::string deep(200, '[');
    JsonValue v;
    std::string error;
    CHECK(!parseJson(deep + std::string(200, ']'), v, error));
    CHECK(error.find("deep") != std::string::npos);
}

// -- protocol -----------------------------------------------------------------------------

void serverMessagesParseAndIgnoreWhatTheyDoNotKnow() {
    ServerMessage m;
    std::string error;
    CHECK(parseServerMessage(
        R"({"type":"audio","turn_id":3,"index":1,"text":"Hi.","sample_rate":22050,"duration_ms":500.0,"bytes":22050,)"
        R"("visemes":[{"viseme":"sil","start_ms":0,"duration_ms":100},{"viseme":"aa","start_ms":100,"duration_ms":400},)"
        R"({"viseme":"new_shape","start_ms":500,"duration_ms":1}],"new_field":{"x":1}})",
        m, error));
    CHECK(m.type == MessageType::Audio && m.turnId == 3 && m.index == 1 && m.bytes == 22050);
    CHECK(m.visemes.size() == 3 && m.visemes[1].index == 10 && m.visemes[2].index == -1);
    CHECK(parseServerMessage(R"({"type":"from_the_future","turn_id":9,"x":[1]})", m, error));
    CHECK(m.type == MessageType::Unknown && m.typeName == "from_the_future");
    CHECK(parseServerMessage(R"({"type":"error","code":"server_busy","message":"full","fatal":true,"retry_after_s":2.5})", m, error));
    CHECK(m.fatal && m.retryAfterS && *m.retryAfterS == 2.5);
    CHECK(parseServerMessage(R"({"type":"action","turn_id":1,"action_id":"a1.1","name":"fetch","args":{"item":"ramen bowl"}})", m, error));
    CHECK(m.actionId == "a1.1" && m.args["item"].asString() == "ramen bowl");
    CHECK(parseServerMessage(R"({"type":"turn_started","turn_id":4,"source":"event","text":"a knife"})", m, error));
    CHECK(m.type == MessageType::TurnStarted && m.source == "event" && m.turnId == 4);
    CHECK(!parseServerMessage("[1]", m, error));
    CHECK(compatibleVersion("1.0") && compatibleVersion("1.7") && !compatibleVersion("2.0") && !compatibleVersion(""));
}

void clientMessagesAreWhatTheServerTakes() {
    StartOptions o;
    o.character = "jin";
    o.outputSampleRate = 48000;
    Scene scene;
    scene.objects = std::vector<std::string>{"ramen bowl"};
    JsonValue start;
    std::string error;
    CHECK(parseJson(client::start(o, scene), start, error));
    CHECK(start["type"].asString() == "start" && start["character"].asString() == "jin");
    CHECK(start["outputs"]["sample_rate"].asInt() == 48000);
    CHECK(start["audio"]["sample_rate"].asInt() == 16000);
    CHECK(start["scene"]["objects"].asArray().size() == 1 && !start["scene"].has("locations"));
    CHECK(start["protocol_version"].asString() == "1.0");
    JsonValue interrupt;
    CHECK(parseJson(client::interrupt(1250.5), interrupt, error));
    CHECK(interrupt["played_ms"].asNumber() == 1250.5);
    CHECK(client::interrupt(std::nullopt) == R"({"type":"interrupt"})");
    Scene update;
    update.locations = std::vector<std::string>{"kitchen"};
    const Scene merged = scene.mergedWith(update);
    CHECK(merged.objects && merged.locations && !merged.characters);
}

// -- PCM ------------------------------------------------------------------------------------

void framerMakes20msFrames() {
    for (int rate : {48000, 44100, 16000, 8000}) {
        for (int channels : {1, 2}) {
            std::vector<std::vector<std::uint8_t>> frames;
            PcmFramer framer(rate, [&](const std::vector<std::uint8_t>& f) { frames.push_back(f); });
            std::vector<float> second(static_cast<std::size_t>(rate * channels));
            for (int i = 0; i < rate; ++i)
                for (int c = 0; c < channels; ++c)
                    second[static_cast<std::size_t>(i * channels + c)] =
                        c == 0 ? static_cast<float>(0.5 * std::sin(2 * 3.141592653589793 * 440 * i / rate)) : 0.9f;
            for (int offset = 0; offset < rate; offset += 1000) {
                const int n = std::min(1000, rate - offset);
                framer.push(second.data() + offset * channels, static_cast<std::size_t>(n), channels);
            }
            CHECK(frames.size() == 50 || frames.size() == 49);
            float peak = 0;
            for (const auto& f : frames) {
                CHECK(f.size() == static_cast<std::size_t>(kFrameBytes));
                for (float s : pcm16ToFloats(f.data(), f.size())) peak = std::max(peak, s);
            }
            CHECK(peak > 0.45f && peak < 0.52f);  // the level survives, the second channel is ignored
        }
    }
    PcmFramer bad(1000, nullptr);
    CHECK(!bad.valid());
    const std::int16_t quiet[4] = {0, 0, 0, 0};
    CHECK(levelDbfs(quiet, 4) == -120);
    const std::int16_t loud[2] = {32767, -32767};
    CHECK_NEAR(levelDbfs(loud, 2), 0, 0.01);
}

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

// -- session -------------------------------------------------------------------------------------

std::string readyJson(const char* version = "1.0") {
    return std::string(R"({"type":"ready","turn_id":0,"session_id":"s1","protocol_version":")") + version +
           R"(","character":{"id":"jin","name":"Jin","role":"chef","emotions":["happy"],"actions":["fetch"]},"audio_sample_rate":48000,"later":1})";
}

std::vector<SessionEvent::Kind> kinds(const std::vector<SessionEvent>& events) {
    std::vector<SessionEvent::Kind> out;
    for (const auto& e : events) out.push_back(e.kind);
    return out;
}

Session readySession(SessionConfig config = {}) {
    Session s(std::move(config));
    s.start(0);
    s.onOpen(0.1);
    s.onText(readyJson(), 0.2);
    s.takeCommands();
    s.takeEvents();
    return s;
}

void sessionOpensSendsStartAndKeepsLinesForTheSession() {
    SessionConfig config;
    config.start.character = "nova";
    Session s(config);
    s.start(0);
    auto commands = s.takeCommands();
    CHECK(commands.size() == 1 && commands[0].kind == Command::Kind::Open && commands[0].text == config.url);
    CHECK(!s.say("hello before ready"));  // kept
    s.onOpen(0.1);
    commands = s.takeCommands();
    CHECK(commands.size() == 1 && commands[0].text.find("\"character\":\"nova\"") != std::string::npos);
    s.onText(readyJson(), 0.2);
    CHECK(s.state() == SessionState::Ready && s.ready().characterName == "Jin");
    commands = s.takeCommands();
    CHECK(commands.size() == 1 && commands[0].text.find("hello before ready") != std::string::npos);
    CHECK(kinds(s.takeEvents()) == std::vector<SessionEvent::Kind>{SessionEvent::Kind::Ready});
    CHECK(s.say("now"));
    const std::uint8_t frame[4] = {1, 2, 3, 4};
    CHECK(s.sendAudio(frame, 4));
    commands = s.takeCommands();
    CHECK(commands.size() == 2 && commands[1].kind == Command::Kind::SendBinary && commands[1].binary.size() == 4);
}

void sessionPairsAudioAndDropsInterruptedTurns() {
    Session s = readySession();
    s.onText(R"({"type":"turn_started","turn_id":1,"source":"text","text":"hi"})", 1);
    s.onText(R"({"type":"audio","turn_id":1,"index":0,"text":"Hi","sample_rate":48000,"duration_ms":1,"bytes":4,"visemes":[]})", 1);
    const std::uint8_t pcm[4] = {0, 1, 0, 1};
    s.onBinary(pcm, 4, 1);
    auto events = s.takeEvents();
    CHECK(kinds(events) == (std::vector<SessionEvent::Kind>{SessionEvent::Kind::StopSpeech, SessionEvent::Kind::Message,
                                                            SessionEvent::Kind::Audio}));
    CHECK(events[2].pcm.size() == 4 && events[2].message.text == "Hi");
    s.onText(R"({"type":"interrupted","turn_id":1,"spoken_text":""})", 2);
    events = s.takeEvents();
    CHECK(events.size() == 2 && events[0].kind == SessionEvent::Kind::StopSpeech && events[0].turnId == 2);
    s.onText(R"({"type":"audio","turn_id":1,"index":1,"text":"late","sample_rate":48000,"duration_ms":1,"bytes":4})", 2);
    s.onBinary(pcm, 4, 2);
    CHECK(s.takeEvents().empty() && s.droppedChunks() == 1);
    s.onBinary(pcm, 4, 2);
    events = s.takeEvents();
    CHECK(events.size() == 1 && events[0].kind == SessionEvent::Kind::LocalError);
    s.onText(R"({"type":"something_new","turn_id":2})", 3);
    s.onText("not json", 3);
    events = s.takeEvents();
    CHECK(events.size() == 1 && events[0].kind == SessionEvent::Kind::LocalError);
}

void sessionReportsOnlyItsOwnActions() {
    Session s = readySession();
    s.onText(R"({"type":"action","turn_id":1,"action_id":"a1.1","name":"fetch","args":{"item":"tea"}})", 1);
    CHECK(!s.reportActionResult("a-never-sent", true));
    CHECK(s.reportActionResult("a1.1", true, "done"));
    CHECK(!s.reportActionResult("a1.1", true));  // once
    s.onText(R"({"type":"action","turn_id":2,"action_id":"a2.1","name":"fetch","args":{}})", 2);
    s.onClosed(1001, "going away", 3);
    s.tick(10);
    s.onOpen(10.1);
    s.onText(readyJson(), 10.2);
    CHECK(!s.reportActionResult("a2.1", true));  // the old session's action
}

void sessionBacksOffAndHonoursRetryAfter() {
    SessionConfig config;
    config.reconnect.jitter = 0;
    Session s = readySession(config);
    s.onClosed(1006, "", 5);
    auto events = s.takeEvents();
    CHECK(events.size() == 1 && events[0].kind == SessionEvent::Kind::Lost && events[0].hadSession);
    CHECK(events[0].retryInS == 0.5 && events[0].attempt == 1 && s.state() == SessionState::Waiting);
    s.tick(5.4);
    CHECK(s.takeCommands().empty());
    s.tick(5.5);
    CHECK(s.takeCommands().size() == 1 && s.state() == SessionState::Connecting);
    s.onClosed(0, "connection refused", 5.6);
    events = s.takeEvents();
    CHECK(events[0].retryInS == 1 && events[0].attempt == 2 && !events[0].hadSession);
    CHECK(events[0].reason.find("cannot connect") != std::string::npos);
    s.tick(7);
    s.onOpen(7.1);
    s.onText(R"({"type":"error","turn_id":0,"code":"server_busy","message":"full","fatal":true,"retry_after_s":5})", 7.2);
    s.onClosed(1000, "", 7.3);
    events = s.takeEvents();
    CHECK(events.back().kind == SessionEvent::Kind::Lost && events.back().retryInS == 5);
    CHECK(events.back().reason.find("server_busy") != std::string::npos);
    s.tick(12.3);
    s.onOpen(12.4);
    s.onText(readyJson(), 12.5);
    s.onClosed(1006, "", 13);
    CHECK(s.takeEvents().back().retryInS == 0.5);  // a session was ready: the backoff starts again
    ReconnectPolicy jittered;
    CHECK_NEAR(jittered.delayS(0, std::nullopt, 0), 0.4, 1e-9);
    CHECK_NEAR(jittered.delayS(9, std::nullopt, 1), 9.6, 1e-9);
}

void sessionDoesNotRetryARefusal() {
    Session s;
    s.start(0);
    s.onOpen(0.1);
    s.onText(R"({"type":"error","turn_id":0,"code":"bad_message","message":"unknown character 'x'","fatal":false})", 0.2);
    auto commands = s.takeCommands();
    CHECK(commands.back().kind == Command::Kind::Close);
    auto events = s.takeEvents();
    CHECK(events.back().kind == SessionEvent::Kind::Refused && events.back().reason.find("unknown character") != std::string::npos);
    s.onClosed(1000, "", 0.3);
    s.tick(100);
    CHECK(s.state() == SessionState::Refused && s.takeCommands().empty());

    Session newer;
    newer.start(0);
    newer.onOpen(0.1);
    newer.onText(readyJson("2.0"), 0.2);
    events = newer.takeEvents();
    CHECK(events.size() == 1 && events[0].kind == SessionEvent::Kind::Refused);
    CHECK(events[0].reason.find("protocol 2.0") != std::string::npos);
}

void sessionSleepsAfterIdleTimeoutUntilTheGameSpeaks() {
    Session s = readySession();
    s.onText(R"({"type":"error","turn_id":0,"code":"idle_timeout","message":"no message for 300 s","fatal":true})", 300);
    s.onClosed(1000, "", 300.1);
    auto events = s.takeEvents();
    CHECK(events.back().kind == SessionEvent::Kind::Dormant && s.state() == SessionState::Dormant);
    s.tick(10000);
    CHECK(s.takeCommands().empty());  // no reconnection by itself
    CHECK(!s.say("are you there?"));
    auto commands = s.takeCommands();
    CHECK(commands.size() == 1 && commands[0].kind == Command::Kind::Open);
    s.onOpen(10001);
    s.onText(readyJson(), 10002);
    commands = s.takeCommands();
    CHECK(commands.size() == 2 && commands[1].text.find("are you there?") != std::string::npos);
}

void sessionStopsPolitelyAndTimesOut() {
    Session s = readySession();
    s.tick(1);
    s.stop();
    auto commands = s.takeCommands();
    CHECK(commands.size() == 1 && commands[0].text == R"({"type":"end"})");  // the server closes
    s.tick(2.5);
    CHECK(s.takeCommands().empty());
    s.tick(3.5);  // it did not: close from our side
    CHECK(s.takeCommands().back().kind == Command::Kind::Close);
    s.onClosed(1000, "", 3.6);
    CHECK(s.state() == SessionState::Closed && s.takeEvents().back().kind == SessionEvent::Kind::Closed);

    SessionConfig config;
    config.readyTimeoutS = 10;
    Session slow(config);
    slow.start(0);
    slow.onOpen(1);
    slow.takeCommands();
    slow.tick(12);
    CHECK(slow.takeCommands().back().kind == Command::Kind::Close);
    slow.onClosed(1000, "", 12.1);
    CHECK(slow.takeEvents().back().reason.find("no `ready` within 10 s") != std::string::npos);
}

struct Test {
    const char* name;
    void (*run)();
};

}  // namespace

int main() {
    const Test tests[] = {
        {"json round trip", jsonRoundTrip},
        {"json rejects bad input", jsonRejectsBadInput},
        {"server messages parse", serverMessagesParseAndIgnoreWhatTheyDoNotKnow},
        {"client messages", clientMessagesAreWhatTheServerTakes},
        {"framer makes 20 ms frames", framerMakes20msFrames},
        {"playback gapless, in order, played time", playbackIsGaplessInOrderAndCountsPlayedTime},
        {"playback prebuffer", playbackHoldsANewTurnForThePrebuffer},
        {"playback gap counted once", playbackCountsAGapWithinATurnOnce},
        {"flush and stale turns", flushAndStaleTurnsStopAtOnce},
        {"resampling and viseme clock", playbackResamplesAndVisemesFollowTheClock},
        {"timeline cross-fades", timelineCrossFades},
        {"rigs cover every shape", rigsCoverEveryMouthShape},
        {"face curves ease", faceCurvesEaseInAndBackToRest},
        {"mic gate", micGateMutesOrGatesWhileTheCharacterSpeaks},
        {"session opens and keeps lines", sessionOpensSendsStartAndKeepsLinesForTheSession},
        {"session pairs audio, drops interrupted turns", sessionPairsAudioAndDropsInterruptedTurns},
        {"session reports only its own actions", sessionReportsOnlyItsOwnActions},
        {"session backoff and retry_after_s", sessionBacksOffAndHonoursRetryAfter},
        {"session does not retry a refusal", sessionDoesNotRetryARefusal},
        {"session dormant after idle timeout", sessionSleepsAfterIdleTimeoutUntilTheGameSpeaks},
        {"session stop and ready timeout", sessionStopsPolitelyAndTimesOut},
    };
    int passed = 0, failed = 0;
    for (const auto& test : tests) {
        const int before = failures;
        test.run();
        const bool ok = failures == before;
        std::printf("%s %s\n", ok ? "ok  " : "FAIL", test.name);
        (ok ? passed : failed) += 1;
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
