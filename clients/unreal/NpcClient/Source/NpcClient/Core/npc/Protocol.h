// The wire protocol (docs/protocol.md, version 1.x): client messages as JSON text, server
// messages parsed into one plain struct. Unknown message types and fields are ignored, as
// the protocol's versioning asks: a newer server may add both.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "npc/Json.h"

namespace npc {

constexpr const char* kProtocolVersion = "1.0";
constexpr int kMicRate = 16000;  // what the client announces in `start` and PcmFramer makes

/// The world around the character; an unset list keeps what the server has.
struct Scene {
    std::optional<std::vector<std::string>> objects, locations, characters;

    /// This scene with the lists `update` sets replaced.
    Scene mergedWith(const Scene& update) const;
    void writeTo(JsonValue& message) const;
};

struct StartOptions {
    std::string character = "jin";
    std::string playerId = "player";
    std::string playerName;
    int outputSampleRate = 0;  // 0: the voice's own rate; else 8000-48000, resampled by the server
    bool pushToTalk = false;
    int visemeFps = 0;  // 0: no per-frame weights
};

/// The JSON text of each client message.
namespace client {
std::string start(const StartOptions& options, const std::optional<Scene>& scene);
std::string text(const std::string& line);
std::string scene(const Scene& update);
std::string event(const std::string& what, bool react);
std::string actionResult(const std::string& actionId, bool ok, const std::string& detail);
std::string interrupt(std::optional<double> playedMs);
std::string endTurn();
std::string end();
}  // namespace client

enum class MessageType {
    Unknown,  // a newer server's message: ignore it
    Ready,
    SpeechStarted,
    TurnStarted,
    Transcript,
    ReplyText,
    Audio,
    Emotion,
    Action,
    Interrupted,
    TurnEnd,
    Error,
};

/// One viseme of a speech chunk, timed from the chunk's start. index is in kVisemeNames
/// order, or -1 for a name this client does not know.
struct VisemeCue {
    int index = 0;
    double startMs = 0, durationMs = 0;
};

/// Any server message: `type` says which fields mean something.
struct ServerMessage {
    MessageType type = MessageType::Unknown;
    std::string typeName;
    int turnId = 0;
    std::string text;  // transcript, reply_text, turn_started, audio's words, spoken_text of interrupted
    bool final = false;  // transcript
    std::string source;  // turn_started: "text" or "event"
    // ready
    std::string sessionId, protocolVersion, characterId, characterName, characterRole;
    std::vector<std::string> emotions, actions;
    int audioSampleRate = 0;
    // audio
    int index = 0, sampleRate = 0, bytes = 0;
    double durationMs = 0;
    std::vector<VisemeCue> visemes;
    bool inlineAudio = false;  // base64 `data` present (this client asks for binary frames)
    // emotion
    std::string emotion;
    double intensity = 0;
    // action
    std::string actionId, name;
    JsonValue args;
    // turn_end
    bool interrupted = false;
    std::map<std::string, double> timings;
    // error
    std::string code, message;
    bool fatal = false;
    std::optional<double> retryAfterS;
};

/// Parse one text frame. False (with the reason) only for text that is not a JSON object.
bool parseServerMessage(const std::string& text, ServerMessage& out, std::string& error);

/// True when a server's "MAJOR.MINOR" speaks the same major version as this client.
bool compatibleVersion(const std::string& serverVersion);

}  // namespace npc
