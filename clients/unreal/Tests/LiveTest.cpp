// The core against a real `npc serve`, through websocketpp (standing in for Unreal's
// WebSockets module): a typed turn whose audio plays through the jitter buffer in real time,
// visemes on the playback clock driving a MetaHuman rig, the action reported back, and a
// polite end. Also: a server that is not there is retried with backoff.
//
//   npc_live_test ws://127.0.0.1:PORT/ ws://127.0.0.1:CLOSED_PORT/
//
// Prints one JSON object per line (tests/clients/test_unreal_core.py reads them); exits 0
// when every check held.
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

#include "npc/Json.h"
#include "npc/Playback.h"
#include "npc/Session.h"
#include "npc/Visemes.h"

namespace {

using Client = websocketpp::client<websocketpp::config::asio_client>;
using Clock = std::chrono::steady_clock;

double seconds() {
    static const auto t0 = Clock::now();
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

void report(const std::string& step, npc::JsonValue fields = npc::JsonValue(npc::JsonValue::Object{})) {
    fields.set("step", step);
    std::printf("%s\n", fields.dump().c_str());
    std::fflush(stdout);
}

/// What the websocket saw, queued for the game thread (websocketpp calls back on its own).
struct Incoming {
    enum class Kind { Open, Text, Binary, Closed } kind;
    std::string data;
    int code = 0;
    std::string reason;
};

/// The engine's side of the Session: carries out its commands on a websocketpp client.
class Transport {
public:
    Transport() {
        client_.clear_access_channels(websocketpp::log::alevel::all);
        client_.clear_error_channels(websocketpp::log::elevel::all);
        client_.init_asio();
        client_.start_perpetual();
        thread_ = std::thread([this] { client_.run(); });
    }

    ~Transport() {
        client_.stop_perpetual();
        if (auto con = current()) {
            websocketpp::lib::error_code ec;
            con->close(websocketpp::close::status::going_away, "test over", ec);
        }
        client_.stop();
        thread_.join();
    }

    void run(const std::vector<npc::Command>& commands, const std::string& token) {
        for (const auto& c : commands) {
            websocketpp::lib::error_code ec;
            switch (c.kind) {
                case npc::Command::Kind::Open: open(c.text, token); break;
                case npc::Command::Kind::SendText:
                    if (auto con = current()) con->send(c.text, websocketpp::frame::opcode::text);
                    break;
                case npc::Command::Kind::SendBinary:
                    if (auto con = current()) con->send(c.binary.data(), c.binary.size(), websocketpp::frame::opcode::binary);
                    break;
                case npc::Command::Kind::Close:
                    if (auto con = current()) con->close(static_cast<websocketpp::close::status::value>(c.code), "bye", ec);
                    break;
            }
        }
    }

    /// A message the Session would never send (a result for an action nobody sent).
    void sendRaw(const std::string& text) {
        if (auto con = current()) con->send(text, websocketpp::frame::opcode::text);
    }

    std::deque<Incoming> take() {
        std::lock_guard<std::mutex> lock(mutex_);
        std::deque<Incoming> out;
        out.swap(incoming_);
        return out;
    }

    int lastRemoteCloseCode() const { return remoteCloseCode_; }

private:
    Client::connection_ptr current() {
        std::lock_guard<std::mutex> lock(mutex_);
        return connection_;
    }

    void push(int generation, Incoming item) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (generation == generation_) incoming_.push_back(std::move(item));  // an old socket's news is stale
    }

    void open(const std::string& url, const std::string& token) {
        websocketpp::lib::error_code ec;
        auto con = client_.get_connection(url, ec);
        int generation = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            generation = ++generation_;
            connection_ = ec ? nullptr : con;
        }
        if (ec) {
            push(generation, {Incoming::Kind::Closed, {}, 0, ec.message()});
            return;
        }
        if (!token.empty()) con->append_header("Authorization", "Bearer " + token);
        con->set_open_handler([this, generation](websocketpp::connection_hdl) { push(generation, {Incoming::Kind::Open, {}, 0, {}}); });
        con->set_message_handler([this, generation](websocketpp::connection_hdl, Client::message_ptr m) {
            const bool binary = m->get_opcode() == websocketpp::frame::opcode::binary;
            push(generation, {binary ? Incoming::Kind::Binary : Incoming::Kind::Text, m->get_payload(), 0, {}});
        });
        con->set_close_handler([this, generation](websocketpp::connection_hdl h) {
            auto c = client_.get_con_from_hdl(h);
            remoteCloseCode_ = c->get_remote_close_code();
            push(generation, {Incoming::Kind::Closed, {}, c->get_remote_close_code(), c->get_remote_close_reason()});
        });
        con->set_fail_handler([this, generation](websocketpp::connection_hdl h) {
            auto c = client_.get_con_from_hdl(h);
            push(generation, {Incoming::Kind::Closed, {}, 0, c->get_ec().message()});
        });
        client_.connect(con);
    }

    Client client_;
    std::thread thread_;
    std::mutex mutex_;
    Client::connection_ptr connection_;
    int generation_ = 0;
    std::deque<Incoming> incoming_;
    int remoteCloseCode_ = 0;
};

/// A game loop: the session, its transport, and an audio callback pulling 10 ms blocks in real time.
class Game {
public:
    explicit Game(npc::SessionConfig config) : session_(config), player_(48000, 100), face_(npc::metaHumanRig()) {}

    npc::Session& session() { return session_; }
    npc::SpeechPlayer& player() { return player_; }
    Transport& transport() { return transport_; }

    /// Run frames until `done` holds or the timeout passes; false on timeout.
    bool runUntil(const std::function<bool()>& done, double timeoutS) {
        const double deadline = seconds() + timeoutS;
        while (!done()) {
            if (seconds() > deadline) return false;
            frame();
        }
        return true;
    }

    void frame() {
        const double now = seconds();
        for (auto& in : transport_.take()) {
            switch (in.kind) {
                case Incoming::Kind::Open: session_.onOpen(now); break;
                case Incoming::Kind::Text: session_.onText(in.data, now); break;
                case Incoming::Kind::Binary:
                    session_.onBinary(reinterpret_cast<const std::uint8_t*>(in.data.data()), in.data.size(), now);
                    break;
                case Incoming::Kind::Closed: session_.onClosed(in.code, in.reason, now); break;
            }
        }
        session_.tick(now);
        transport_.run(session_.takeCommands(), session_.config().token);
        for (auto& e : session_.takeEvents()) handle(e);
        // The audio callback: pull what real time asks for since the last frame.
        const auto due = static_cast<std::size_t>((now - audioClock_) * player_.outputRate());
        if (due >= 480) {
            std::vector<float> block(due);
            player_.read(block.data(), block.size());
            audioClock_ += static_cast<double>(due) / player_.outputRate();
            const auto weights = player_.visemeWeights();
            face_.update(weights, static_cast<double>(due) / player_.outputRate());
            if (player_.playing() && weights[0] < 0.5f) ++speakingBlocks;
            for (int v = 1; v < npc::kVisemeCount; ++v)
                if (weights[static_cast<std::size_t>(v)] > 0.5f) visemesShown.insert(v);
            jawPeak = std::max(jawPeak, face_.shown().at("CTRL_expressions_jawOpen"));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

    std::vector<npc::SessionEvent> events;  // everything the game saw, in order
    int speakingBlocks = 0;
    std::set<int> visemesShown;
    float jawPeak = 0;

private:
    void handle(npc::SessionEvent& e) {
        switch (e.kind) {
            case npc::SessionEvent::Kind::Ready: player_.reset(); break;
            case npc::SessionEvent::Kind::Audio: player_.enqueue(e.message, e.pcm.data(), e.pcm.size()); break;
            case npc::SessionEvent::Kind::StopSpeech: player_.dropTurnsBefore(e.turnId); break;
            case npc::SessionEvent::Kind::Message:
                if (e.message.type == npc::MessageType::TurnEnd) player_.turnEnded(e.message.turnId);
                break;
            default: break;
        }
        e.pcm.clear();  // the player has it; keep the log small
        events.push_back(e);
    }

    Transport transport_;
    npc::Session session_;
    npc::SpeechPlayer player_;
    npc::FaceCurves face_;
    double audioClock_ = seconds();
};

int failures = 0;

void expect(bool ok, const std::string& what) {
    if (ok) return;
    ++failures;
    npc::JsonValue f;
    f.set("what", what);
    report("check_failed", f);
}

bool has(const std::vector<npc::SessionEvent>& events, const std::function<bool(const npc::SessionEvent&)>& p) {
    for (const auto& e : events)
        if (p(e)) return true;
    return false;
}

void nobodyThere(const std::string& url) {
    npc::SessionConfig config;
    config.url = url;
    config.reconnect.jitter = 0;
    Game game(config);
    game.session().start(seconds());
    const bool twice = game.runUntil([&] {
        int lost = 0;
        for (const auto& e : game.events) lost += e.kind == npc::SessionEvent::Kind::Lost;
        return lost >= 2;
    }, 20);
    expect(twice, "two failed attempts against a closed port");
    npc::JsonValue f;
    npc::JsonValue attempts{npc::JsonValue::Array{}};
    for (const auto& e : game.events)
        if (e.kind == npc::SessionEvent::Kind::Lost) {
            npc::JsonValue a;
            a.set("reason", e.reason).set("retry_in_s", e.retryInS).set("attempt", e.attempt);
            attempts.push(a);
            expect(e.reason.find("cannot connect") != std::string::npos, "a failed connection says it cannot connect");
        }
    f.set("attempts", attempts);
    report("nobody_there", f);
    game.session().stop();
}

void conversation(const std::string& url) {
    npc::SessionConfig config;
    config.url = url;
    config.start.character = "jin";
    config.start.playerId = "unreal-live-test";
    config.start.outputSampleRate = 48000;  // what the engine's mixer plays
    Game game(config);
    game.session().start(seconds());
    const bool ready = game.runUntil([&] { return game.session().state() == npc::SessionState::Ready; }, 120);
    expect(ready, "a session within 120 s");
    if (!ready) return;
    const auto& r = game.session().ready();
    npc::JsonValue f;
    f.set("session", r.sessionId).set("character", r.characterName).set("protocol_version", r.protocolVersion);
    report("ready", f);

    expect(game.session().say("grab me a bowl of ramen"), "say sends at once in a ready session");
    const auto turnEnded = [&] {
        return has(game.events, [](const npc::SessionEvent& e) { return e.message.type == npc::MessageType::TurnEnd; });
    };
    expect(game.runUntil(turnEnded, 300), "turn_end within 300 s");
    expect(game.runUntil([&] { return !game.player().playing(); }, 60), "the speech plays out");

    int turnId = -1, chunks = 0, lastIndex = -1;
    bool inOrder = true, actionAfterAudio = true, audioSeen = false;
    std::string actionId, actionName, item, reply;
    for (const auto& e : game.events) {
        if (e.message.type == npc::MessageType::TurnStarted) turnId = e.message.turnId;
        if (e.kind == npc::SessionEvent::Kind::Audio) {
            ++chunks;
            audioSeen = true;
            inOrder = inOrder && e.message.index == lastIndex + 1 && e.message.turnId == turnId;
            lastIndex = e.message.index;
            reply += (reply.empty() ? "" : " ") + e.message.text;
        }
        if (e.message.type == npc::MessageType::Action) {
            actionId = e.message.actionId;
            actionName = e.message.name;
            item = e.message.args["item"].asString();
            actionAfterAudio = actionAfterAudio && audioSeen;
        }
    }
    const auto stats = game.player().stats();
    const auto order = game.player().startedOrder();
    bool playedInOrder = static_cast<int>(order.size()) == chunks;
    for (std::size_t i = 0; i < order.size(); ++i)
        playedInOrder = playedInOrder && order[i].first == turnId && order[i].second == static_cast<int>(i);
    npc::JsonValue turn;
    turn.set("turn_id", turnId).set("chunks", chunks).set("chunks_played", static_cast<int>(stats.chunksPlayed));
    turn.set("received_in_order", inOrder).set("played_in_order", playedInOrder);
    turn.set("audio_ms", static_cast<double>(stats.samplesPlayed) * 1000.0 / 48000).set("underruns", static_cast<int>(stats.underruns));
    turn.set("speaking_blocks", game.speakingBlocks).set("visemes_shown", static_cast<int>(game.visemesShown.size()));
    turn.set("jaw_open_peak", static_cast<double>(game.jawPeak));
    turn.set("action", actionName).set("item", item).set("action_after_audio", actionAfterAudio).set("reply", reply);
    report("turn", turn);
    expect(turnId >= 1, "turn_started announced the typed line's turn id");
    expect(chunks >= 1 && inOrder && playedInOrder, "audio chunks arrive and play in index order");
    expect(stats.chunksPlayed == static_cast<std::size_t>(chunks), "every chunk played to its end");
    expect(game.speakingBlocks > 0 && game.visemesShown.size() >= 2, "visemes follow the playback clock");
    expect(game.jawPeak > 0.1f, "the MetaHuman jaw opened");
    expect(actionName == "fetch", "jin fetches the ramen");

    const bool reported = !actionId.empty() && game.session().reportActionResult(actionId, true, "the bowl is on the counter");
    const bool twice = game.session().reportActionResult(actionId, true);
    game.transport().sendRaw(npc::client::actionResult("a-never-sent", true, ""));
    const auto answered = [&] {
        return has(game.events, [](const npc::SessionEvent& e) { return e.message.code == "invalid_action"; });
    };
    expect(game.runUntil(answered, 30), "the server answers a result for an unknown action");
    std::vector<std::string> errors;
    for (const auto& e : game.events)
        if (e.message.type == npc::MessageType::Error || e.kind == npc::SessionEvent::Kind::LocalError)
            errors.push_back(e.message.code + ": " + e.message.message + e.reason);
    bool onlyTheUnknown = errors.size() == 1 && errors[0].find("a-never-sent") != std::string::npos;
    npc::JsonValue result;
    npc::JsonValue errorList{npc::JsonValue::Array{}};
    for (const auto& e : errors) errorList.push(e);
    result.set("reported", reported).set("reported_twice", twice).set("errors", errorList);
    report("action_result", result);
    expect(reported && !twice, "the action is reported once");
    expect(onlyTheUnknown, "the server took our result and refused only the unknown id");

    game.session().stop();
    expect(game.runUntil([&] { return game.session().state() == npc::SessionState::Closed; }, 10), "closed after end");
    npc::JsonValue closed;
    closed.set("server_close_code", game.transport().lastRemoteCloseCode());
    report("closed", closed);
    expect(game.transport().lastRemoteCloseCode() == 1000, "the server closes with 1000 after end");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: npc_live_test ws://127.0.0.1:PORT/ ws://127.0.0.1:CLOSED_PORT/\n");
        return 2;
    }
    try {
        nobodyThere(argv[2]);
        conversation(argv[1]);
    } catch (const std::exception& e) {
        npc::JsonValue f;
        f.set("why", e.what());
        report("failed", f);
        return 1;
    }
    npc::JsonValue f;
    f.set("failures", failures);
    report("done", f);
    return failures == 0 ? 0 : 1;
}
