// Tests of the session state machine, as scripted timelines (no socket, no clock).
#include <cstdint>
#include <string>
#include <vector>

#include "npc/Session.h"

#include "Check.h"

namespace {

using namespace npc;

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

}  // namespace

std::vector<npctest::Test> npctest::sessionTests() {
    return {
        {"session opens and keeps lines", sessionOpensSendsStartAndKeepsLinesForTheSession},
        {"session pairs audio, drops interrupted turns", sessionPairsAudioAndDropsInterruptedTurns},
        {"session reports only its own actions", sessionReportsOnlyItsOwnActions},
        {"session backoff and retry_after_s", sessionBacksOffAndHonoursRetryAfter},
        {"session does not retry a refusal", sessionDoesNotRetryARefusal},
        {"session dormant after idle timeout", sessionSleepsAfterIdleTimeoutUntilTheGameSpeaks},
        {"session stop and ready timeout", sessionStopsPolitelyAndTimesOut},
    };
}
