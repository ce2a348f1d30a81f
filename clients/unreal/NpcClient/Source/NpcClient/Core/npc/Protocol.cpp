#include "npc/Protocol.h"

#include "npc/Visemes.h"

namespace npc {

namespace {

JsonValue strings(const std::vector<std::string>& items) {
    JsonValue list{JsonValue::Array{}};
    for (const auto& item : items) list.push(item);
    return list;
}

std::string typed(const char* type) { return JsonValue(JsonValue::Object{}).set("type", type).dump(); }

MessageType typeOf(const std::string& name) {
    static const std::map<std::string, MessageType> kTypes = {
        {"ready", MessageType::Ready},
        {"speech_started", MessageType::SpeechStarted},
        {"turn_started", MessageType::TurnStarted},
        {"transcript", MessageType::Transcript},
        {"reply_text", MessageType::ReplyText},
        {"audio", MessageType::Audio},
        {"emotion", MessageType::Emotion},
        {"action", MessageType::Action},
        {"interrupted", MessageType::Interrupted},
        {"turn_end", MessageType::TurnEnd},
        {"error", MessageType::Error},
    };
    const auto found = kTypes.find(name);
    return found == kTypes.end() ? MessageType::Unknown : found->second;
}

void readStrings(const JsonValue& list, std::vector<std::string>& out) {
    for (const auto& item : list.asArray())
        if (item.isString()) out.push_back(item.asString());
}

}  // namespace

Scene Scene::mergedWith(const Scene& update) const {
    Scene merged = *this;
    if (update.objects) merged.objects = update.objects;
    if (update.locations) merged.locations = update.locations;
    if (update.characters) merged.characters = update.characters;
    return merged;
}

void Scene::writeTo(JsonValue& message) const {
    if (objects) message.set("objects", strings(*objects));
    if (locations) message.set("locations", strings(*locations));
    if (characters) message.set("characters", strings(*characters));
}

namespace client {

std::string start(const StartOptions& o, const std::optional<Scene>& scene) {
    JsonValue audio;
    audio.set("encoding", "pcm16").set("sample_rate", kMicRate).set("channels", 1);
    JsonValue outputs;
    outputs.set("audio", true).set("visemes", true).set("text", true).set("audio_format", "binary");
    if (o.outputSampleRate > 0) outputs.set("sample_rate", o.outputSampleRate);
    if (o.visemeFps > 0) outputs.set("viseme_fps", o.visemeFps);
    JsonValue m;
    m.set("type", "start").set("character", o.character).set("player_id", o.playerId);
    if (!o.playerName.empty()) m.set("player_name", o.playerName);
    m.set("audio", audio).set("outputs", outputs).set("push_to_talk", o.pushToTalk);
    m.set("protocol_version", kProtocolVersion);
    if (scene) {
        JsonValue s{JsonValue::Object{}};
        scene->writeTo(s);
        m.set("scene", s);
    }
    return m.dump();
}

std::string text(const std::string& line) {
    return JsonValue(JsonValue::Object{}).set("type", "text").set("text", line).dump();
}

std::string scene(const Scene& update) {
    JsonValue m;
    m.set("type", "scene");
    update.writeTo(m);
    return m.dump();
}

std::string event(const std::string& what, bool react) {
    return JsonValue(JsonValue::Object{}).set("type", "event").set("text", what).set("react", react).dump();
}

std::string actionResult(const std::string& actionId, bool ok, const std::string& detail) {
    JsonValue m;
    m.set("type", "action_result").set("action_id", actionId).set("ok", ok).set("detail", detail);
    return m.dump();
}

std::string interrupt(std::optional<double> playedMs) {
    JsonValue m;
    m.set("type", "interrupt");
    if (playedMs) m.set("played_ms", *playedMs);
    return m.dump();
}

std::string endTurn() { return typed("end_turn"); }
std::string end() { return typed("end"); }

}  // namespace client

bool parseServerMessage(const std::string& text, ServerMessage& out, std::string& error) {
    JsonValue o;
    if (!parseJson(text, o, error)) return false;
    if (!o.isObject()) {
        error = "a server message must be a JSON object";
        return false;
    }
    ServerMessage m;
    m.typeName = o["type"].asString();
    m.type = typeOf(m.typeName);
    m.turnId = o["turn_id"].asInt();
    switch (m.type) {
        case MessageType::Ready: {
            m.sessionId = o["session_id"].asString();
            m.protocolVersion = o["protocol_version"].asString();
            m.audioSampleRate = o["audio_sample_rate"].asInt();
            const JsonValue& c = o["character"];
            m.characterId = c["id"].asString();
            m.characterName = c["name"].asString();
            m.characterRole = c["role"].asString();
            readStrings(c["emotions"], m.emotions);
            readStrings(c["actions"], m.actions);
            break;
        }
        case MessageType::TurnStarted:
            m.source = o["source"].asString();
            m.text = o["text"].asString();
            break;
        case MessageType::Transcript:
            m.text = o["text"].asString();
            m.final = o["final"].asBool();
            break;
        case MessageType::ReplyText: m.text = o["text"].asString(); break;
        case MessageType::Audio:
            m.index = o["index"].asInt();
            m.text = o["text"].asString();
            m.sampleRate = o["sample_rate"].asInt();
            m.bytes = o["bytes"].asInt();
            m.durationMs = o["duration_ms"].asNumber();
            m.inlineAudio = o["data"].isString();
            for (const auto& v : o["visemes"].asArray()) {
                m.visemes.push_back({visemeIndex(v["viseme"].asString()), v["start_ms"].asNumber(),
                                     v["duration_ms"].asNumber()});
            }
            break;
        case MessageType::Emotion:
            m.emotion = o["emotion"].asString();
            m.intensity = o["intensity"].asNumber(1);
            break;
        case MessageType::Action:
            m.actionId = o["action_id"].asString();
            m.name = o["name"].asString();
            m.args = o["args"].isObject() ? o["args"] : JsonValue(JsonValue::Object{});
            break;
        case MessageType::Interrupted: m.text = o["spoken_text"].asString(); break;
        case MessageType::TurnEnd:
            m.interrupted = o["interrupted"].asBool();
            for (const auto& t : o["timings"].asObject())
                if (t.second.isNumber()) m.timings[t.first] = t.second.asNumber();
            break;
        case MessageType::Error:
            m.code = o["code"].asString();
            m.message = o["message"].asString();
            m.fatal = o["fatal"].asBool();
            if (o["retry_after_s"].isNumber()) m.retryAfterS = o["retry_after_s"].asNumber();
            break;
        case MessageType::SpeechStarted:
        case MessageType::Unknown: break;
    }
    out = std::move(m);
    return true;
}

bool compatibleVersion(const std::string& serverVersion) {
    const auto dot = serverVersion.find('.');
    const std::string ours = kProtocolVersion;
    return !serverVersion.empty() && serverVersion.substr(0, dot) == ours.substr(0, ours.find('.'));
}

}  // namespace npc
