// Tests of the core's formats: JSON, protocol messages, PCM framing.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "npc/Json.h"
#include "npc/Pcm.h"
#include "npc/Protocol.h"

#include "Check.h"

namespace {

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

}  // namespace

std::vector<npctest::Test> npctest::formatTests() {
    return {
        {"json round trip", jsonRoundTrip},
        {"json rejects bad input", jsonRejectsBadInput},
        {"server messages parse", serverMessagesParseAndIgnoreWhatTheyDoNotKnow},
        {"client messages", clientMessagesAreWhatTheServerTakes},
        {"framer makes 20 ms frames", framerMakes20msFrames},
    };
}
