// One conversation with a character that survives lost connections, with no I/O of its own
// (like the websockets library's protocol core): the engine's websocket reports what happened
// (onOpen, onText, onBinary, onClosed, tick) and carries out the commands it takes back
// (open, send, close); the game takes the events (ready, server messages, speech chunks with
// their PCM, lost connections).
//
// States: Idle -start-> Connecting -open-> Starting -ready-> Ready. A lost connection goes to
// Waiting (backoff, or the server's retry_after_s) and then Connecting again, into a new
// session with the latest scene. A refused `start` or another protocol major version goes to
// Refused (retrying would fail the same way). After `idle_timeout` the session is Dormant: it
// reconnects when the game next says, sends an event or streams audio, not by itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "npc/Protocol.h"

namespace npc {

struct ReconnectPolicy {
    static constexpr double kDefaultDelaysS[] = {0.5, 1, 2, 4, 8};

    bool enabled = true;
    // The last one repeats. (Built from an array: GCC 12 misreads a braced list here as
    // a dangling pointer at -O2.)
    std::vector<double> delaysS{std::begin(kDefaultDelaysS), std::end(kDefaultDelaysS)};
    double jitter = 0.2;                           // each wait is scaled by 1 +- jitter

    /// The wait before retry number `attempt` (0 first). The server's retry_after_s wins when longer.
    double delayS(int attempt, std::optional<double> retryAfterS, double random01) const;
};

enum class SessionState { Idle, Connecting, Starting, Ready, Waiting, Dormant, Refused, Closed };
const char* stateName(SessionState state);

/// What the engine's websocket must do.
struct Command {
    enum class Kind { Open, SendText, SendBinary, Close };
    Kind kind = Kind::SendText;
    std::string text;                  // SendText; Open: the URL
    std::vector<std::uint8_t> binary;  // SendBinary
    int code = 1000;                   // Close
};

struct SessionEvent {
    enum class Kind {
        Ready,       // a session is open: `message` is the `ready`
        Message,     // any other server message the game may want (transcript, action, error...)
        Audio,       // `message` is the `audio` header, `pcm` its PCM16
        StopSpeech,  // stop playing turns before `turnId` (barge-in, typed line, interrupted)
        Lost,        // the connection ended; `retryInS` and `attempt` say what happens next
        Dormant,     // idle_timeout: no reconnection until the game sends something
        Refused,     // the server refused the session; no retry
        Closed,      // stop() finished
        LocalError,  // the server broke the protocol (bad JSON, a binary frame without header)
    };
    Kind kind = Kind::Message;
    ServerMessage message;
    std::vector<std::uint8_t> pcm;
    std::string reason;
    int turnId = 0;
    double retryInS = 0;
    int attempt = 0;
    bool hadSession = false;
    bool willRetry = false;
};

struct SessionConfig {
    std::string url = "ws://127.0.0.1:8765/";
    std::string token;  // sent by the transport as `Authorization: Bearer`
    StartOptions start;
    std::optional<Scene> scene;
    ReconnectPolicy reconnect;
    double readyTimeoutS = 120;  // connect + `ready` (the first start can load models)
    std::size_t maxKept = 32;    // typed lines and events kept while reconnecting
};

class Session {
public:
    /// random01: the jitter's source (defaults to a fixed 0.5: no jitter).
    explicit Session(SessionConfig config = {}, std::function<double()> random01 = {});

    SessionState state() const { return state_; }
    const SessionConfig& config() const { return config_; }
    /// The current session's `ready` (meaningful in Ready).
    const ServerMessage& ready() const { return ready_; }
    /// Audio of turns before this is stale (interrupted) and dropped.
    int staleBefore() const { return staleBefore_; }
    std::size_t droppedChunks() const { return droppedChunks_; }

    // -- the game --------------------------------------------------------------------
    void start(double now);
    /// End politely and stop reconnecting: `end`, then the server closes (we close after 2 s).
    void stop();
    /// A typed line; kept for the next session while reconnecting (false: not sent yet).
    bool say(const std::string& line);
    bool sendEvent(const std::string& what, bool react);
    /// One 20 ms PCM16 frame at 16 kHz; dropped unless a session is ready.
    bool sendAudio(const std::uint8_t* frame, std::size_t bytes);
    /// Lists left unset keep their value; new sessions start with the merged scene.
    bool setScene(const Scene& update);
    /// False when the id was not sent by the current session (or was already reported).
    bool reportActionResult(const std::string& actionId, bool ok, const std::string& detail = "");
    /// Stop the character: the client silenced turn `turnId` after `playedMs` of its audio.
    bool interrupt(int turnId, std::optional<double> playedMs);
    bool endTurn();

    // -- the websocket ---------------------------------------------------------------------
    void onOpen(double now);
    void onText(const std::string& text, double now);
    void onBinary(const std::uint8_t* data, std::size_t size, double now);
    /// The connection ended (or never opened): exactly once per Open command.
    void onClosed(int code, const std::string& reason, double now);
    void tick(double now);

    std::vector<Command> takeCommands();
    std::vector<SessionEvent> takeEvents();

private:
    void connect(double now);
    bool sendText(const std::string& json);
    bool sendOrKeep(const std::string& json);
    void wake();
    void handle(ServerMessage&& m);
    void stopSpeech(int before);
    void refuse(const std::string& reason);
    void emit(SessionEvent::Kind kind, std::string reason = {});

    SessionConfig config_;
    std::function<double()> random01_;
    SessionState state_ = SessionState::Idle;
    std::vector<Command> commands_;
    std::vector<SessionEvent> events_;
    ServerMessage ready_;
    std::optional<Scene> scene_;
    std::vector<std::string> kept_;
    std::set<std::string> actionIds_;
    std::optional<ServerMessage> awaitingAudio_;  // an audio header whose binary frame comes next
    std::string closeReason_;                     // a fatal error's words, better than a close code
    std::optional<double> retryAfterS_;
    bool refused_ = false, dormant_ = false, stopping_ = false;
    int attempt_ = 0;
    int staleBefore_ = 0;
    std::size_t droppedChunks_ = 0;
    double now_ = 0, since_ = 0, retryAt_ = 0;
};

}  // namespace npc
