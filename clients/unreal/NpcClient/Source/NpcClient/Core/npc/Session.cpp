#include "npc/Session.h"

#include <algorithm>

namespace npc {

namespace {
constexpr double kEndGraceS = 2.0;
}

double ReconnectPolicy::delayS(int attempt, std::optional<double> retryAfterS, double random01) const {
    double base = 1;
    if (!delaysS.empty()) base = delaysS[static_cast<std::size_t>(std::min<int>(std::max(attempt, 0), static_cast<int>(delaysS.size()) - 1))];
    const double jittered = base * (1 + jitter * (2 * random01 - 1));
    return retryAfterS ? std::max(jittered, *retryAfterS) : jittered;
}

const char* stateName(SessionState state) {
    switch (state) {
        case SessionState::Idle: return "idle";
        case SessionState::Connecting: return "connecting";
        case SessionState::Starting: return "starting";
        case SessionState::Ready: return "ready";
        case SessionState::Waiting: return "waiting";
        case SessionState::Dormant: return "dormant";
        case SessionState::Refused: return "refused";
        case SessionState::Closed: return "closed";
    }
    return "?";
}

Session::Session(SessionConfig config, std::function<double()> random01)
    : config_(std::move(config)), random01_(std::move(random01)) {
    scene_ = config_.scene;
    if (!random01_) random01_ = [] { return 0.5; };
}

// -- the game ----------------------------------------------------------------------------

void Session::start(double now) {
    now_ = now;
    if (state_ == SessionState::Idle) connect(now);
}

void Session::stop() {
    stopping_ = true;
    switch (state_) {
        case SessionState::Ready:
            // The server saves the conversation and closes (1000); tick() closes from our
            // side if it has not within kEndGraceS.
            sendText(client::end());
            since_ = now_;
            break;
        case SessionState::Connecting:
        case SessionState::Starting:
            commands_.push_back({Command::Kind::Close, {}, {}, 1000});
            break;
        case SessionState::Idle:
        case SessionState::Waiting:
        case SessionState::Dormant:
            state_ = SessionState::Closed;
            emit(SessionEvent::Kind::Closed, "stopped by the game");
            break;
        case SessionState::Refused:
        case SessionState::Closed: break;
    }
}

bool Session::say(const std::string& line) { return sendOrKeep(client::text(line)); }

bool Session::sendEvent(const std::string& what, bool react) { return sendOrKeep(client::event(what, react)); }

bool Session::sendAudio(const std::uint8_t* frame, std::size_t bytes) {
    if (state_ == SessionState::Dormant) wake();  // the player speaks again
    if (state_ != SessionState::Ready) return false;
    commands_.push_back({Command::Kind::SendBinary, {}, std::vector<std::uint8_t>(frame, frame + bytes), 1000});
    return true;
}

bool Session::setScene(const Scene& update) {
    scene_ = scene_ ? scene_->mergedWith(update) : update;
    return sendText(client::scene(update));
}

bool Session::reportActionResult(const std::string& actionId, bool ok, const std::string& detail) {
    if (state_ != SessionState::Ready || actionIds_.erase(actionId) == 0) return false;
    return sendText(client::actionResult(actionId, ok, detail));
}

bool Session::interrupt(int turnId, std::optional<double> playedMs) {
    if (turnId >= 0) staleBefore_ = std::max(staleBefore_, turnId + 1);
    return sendText(client::interrupt(playedMs));
}

bool Session::endTurn() { return sendText(client::endTurn()); }

bool Session::sendText(const std::string& json) {
    if (state_ != SessionState::Ready) return false;
    commands_.push_back({Command::Kind::SendText, json, {}, 1000});
    return true;
}

bool Session::sendOrKeep(const std::string& json) {
    if (sendText(json)) return true;
    const bool coming = state_ == SessionState::Connecting || state_ == SessionState::Starting ||
                        state_ == SessionState::Waiting || state_ == SessionState::Dormant;
    if (!coming || kept_.size() >= config_.maxKept) return false;
    kept_.push_back(json);
    if (state_ == SessionState::Dormant) wake();
    return false;
}

void Session::wake() {
    dormant_ = false;
    attempt_ = 0;
    connect(now_);
}

// -- the websocket -----------------------------------------------------------------------------

void Session::connect(double now) {
    state_ = SessionState::Connecting;
    since_ = now;
    awaitingAudio_.reset();
    closeReason_.clear();
    commands_.push_back({Command::Kind::Open, config_.url, {}, 1000});
}

void Session::onOpen(double now) {
    now_ = now;
    if (state_ != SessionState::Connecting) return;
    state_ = SessionState::Starting;
    since_ = now;
    commands_.push_back({Command::Kind::SendText, client::start(config_.start, scene_), {}, 1000});
}

void Session::onText(const std::string& text, double now) {
    now_ = now;
    if (state_ != SessionState::Starting && state_ != SessionState::Ready) return;
    if (awaitingAudio_) {
        awaitingAudio_.reset();
        emit(SessionEvent::Kind::LocalError, "an audio header's binary frame never came");
    }
    ServerMessage m;
    std::string error;
    if (!parseServerMessage(text, m, error)) {
        emit(SessionEvent::Kind::LocalError, "the server sent a frame that is not a JSON object: " + error);
        return;
    }
    handle(std::move(m));
}

void Session::handle(ServerMessage&& m) {
    SessionEvent event;
    switch (m.type) {
        case MessageType::Ready:
            if (!compatibleVersion(m.protocolVersion)) {
                refuse("the server speaks protocol " + m.protocolVersion + "; this client speaks " +
                       kProtocolVersion + " (update the client or the server)");
                return;
            }
            state_ = SessionState::Ready;
            attempt_ = 0;
            staleBefore_ = 0;  // turn ids start again with each session
            actionIds_.clear();
            ready_ = m;
            for (const auto& json : kept_) commands_.push_back({Command::Kind::SendText, json, {}, 1000});
            kept_.clear();
            event.kind = SessionEvent::Kind::Ready;
            event.message = std::move(m);
            events_.push_back(std::move(event));
            return;
        case MessageType::Error:
            if (state_ == SessionState::Starting && !m.fatal) {
                // The server refused our `start`; the same start would be refused again.
                const std::string why = m.code + ": " + m.message;
                event.message = std::move(m);
                events_.push_back(std::move(event));
                refuse(why);
                return;
            }
            if (m.fatal) {
                closeReason_ = m.code + ": " + m.message;
                if (m.code == "idle_timeout") dormant_ = true;
                if (m.retryAfterS) retryAfterS_ = m.retryAfterS;
            }
            break;
        case MessageType::Audio:
            if (m.bytes > 0 && !m.inlineAudio) {
                awaitingAudio_ = std::move(m);
                return;
            }
            if (m.turnId < staleBefore_) {
                ++droppedChunks_;
                return;
            }
            event.kind = SessionEvent::Kind::Audio;
            event.message = std::move(m);
            events_.push_back(std::move(event));
            return;
        case MessageType::Action: actionIds_.insert(m.actionId); break;
        case MessageType::SpeechStarted:  // barge-in: older turns' speech stops
        case MessageType::TurnStarted:    // a typed line or a reacting event: the same
            stopSpeech(m.turnId);
            break;
        case MessageType::Interrupted: stopSpeech(m.turnId + 1); break;
        case MessageType::Unknown: return;  // a newer server's message: ignore it
        case MessageType::Transcript:
        case MessageType::ReplyText:
        case MessageType::Emotion:
        case MessageType::TurnEnd: break;
    }
    event.kind = SessionEvent::Kind::Message;
    event.message = std::move(m);
    events_.push_back(std::move(event));
}

void Session::stopSpeech(int before) {
    if (before <= staleBefore_) return;
    staleBefore_ = before;
    SessionEvent event;
    event.kind = SessionEvent::Kind::StopSpeech;
    event.turnId = before;
    events_.push_back(std::move(event));
}

void Session::onBinary(const std::uint8_t* data, std::size_t size, double now) {
    now_ = now;
    if (state_ != SessionState::Ready) return;
    if (!awaitingAudio_) {
        emit(SessionEvent::Kind::LocalError, "binary audio arrived without an audio header");
        return;
    }
    ServerMessage header = std::move(*awaitingAudio_);
    awaitingAudio_.reset();
    if (static_cast<std::size_t>(header.bytes) != size)
        emit(SessionEvent::Kind::LocalError, "an audio frame of " + std::to_string(size) + " bytes; its header said " +
                                                 std::to_string(header.bytes));
    if (header.turnId < staleBefore_) {
        ++droppedChunks_;
        return;
    }
    SessionEvent event;
    event.kind = SessionEvent::Kind::Audio;
    event.message = std::move(header);
    event.pcm.assign(data, data + size);
    events_.push_back(std::move(event));
}

void Session::onClosed(int code, const std::string& reason, double now) {
    now_ = now;
    if (state_ != SessionState::Connecting && state_ != SessionState::Starting && state_ != SessionState::Ready) return;
    const bool hadSession = state_ == SessionState::Ready;
    std::string why = closeReason_;
    if (why.empty()) {
        if (state_ == SessionState::Connecting) why = "cannot connect to " + config_.url + (reason.empty() ? "" : ": " + reason);
        else why = "the connection closed (code " + std::to_string(code) + (reason.empty() ? "" : ": " + reason) + ")";
    }
    awaitingAudio_.reset();
    actionIds_.clear();
    if (stopping_) {
        state_ = SessionState::Closed;
        emit(SessionEvent::Kind::Closed, why);
        return;
    }
    if (refused_) {
        state_ = SessionState::Refused;
        return;  // the Refused event went out when the refusal came
    }
    if (dormant_) {
        state_ = SessionState::Dormant;
        emit(SessionEvent::Kind::Dormant, why + "; reconnecting when the game next sends something");
        return;
    }
    SessionEvent event;
    event.kind = SessionEvent::Kind::Lost;
    event.reason = why;
    event.hadSession = hadSession;
    event.willRetry = config_.reconnect.enabled;
    if (!config_.reconnect.enabled) {
        state_ = SessionState::Closed;
        events_.push_back(std::move(event));
        return;
    }
    event.retryInS = config_.reconnect.delayS(attempt_, retryAfterS_, random01_());
    event.attempt = ++attempt_;
    retryAfterS_.reset();
    state_ = SessionState::Waiting;
    retryAt_ = now + event.retryInS;
    events_.push_back(std::move(event));
}

void Session::tick(double now) {
    now_ = now;
    if (stopping_ && state_ == SessionState::Ready && now - since_ > kEndGraceS && closeReason_.empty()) {
        closeReason_ = "the server did not close after `end`";
        commands_.push_back({Command::Kind::Close, {}, {}, 1000});
    } else if (state_ == SessionState::Waiting && now >= retryAt_) {
        connect(now);
    } else if ((state_ == SessionState::Connecting || state_ == SessionState::Starting) &&
               now - since_ > config_.readyTimeoutS && closeReason_.empty()) {
        closeReason_ = "no `ready` within " + std::to_string(static_cast<int>(config_.readyTimeoutS)) + " s";
        commands_.push_back({Command::Kind::Close, {}, {}, 1000});
    }
}

void Session::refuse(const std::string& reason) {
    refused_ = true;
    commands_.push_back({Command::Kind::Close, {}, {}, 1000});
    emit(SessionEvent::Kind::Refused, reason);
}

void Session::emit(SessionEvent::Kind kind, std::string reason) {
    SessionEvent event;
    event.kind = kind;
    event.reason = std::move(reason);
    events_.push_back(std::move(event));
}

std::vector<Command> Session::takeCommands() {
    std::vector<Command> out;
    out.swap(commands_);
    return out;
}

std::vector<SessionEvent> Session::takeEvents() {
    std::vector<SessionEvent> out;
    out.swap(events_);
    return out;
}

}  // namespace npc
