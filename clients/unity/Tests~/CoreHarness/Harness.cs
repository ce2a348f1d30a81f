// A console program that drives the engine-free core against a live `npc serve`.
//
//   mono CoreHarness.exe checks          offline checks of the core
//   mono CoreHarness.exe live ws://...   a conversation with jin, surviving a server restart
//   mono CoreHarness.exe idle ws://...   against a server with a short idle timeout: no
//                                        reconnection by itself, a new session when the game talks
//
// It prints one JSON object per line; tests/clients/test_unity_core.py reads them, and
// restarts the server when it sees {"step":"restart_now"}.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace Npc.Client.Harness
{
    internal static class Program
    {
        static int Main(string[] args)
        {
            try
            {
                if (args.Length == 1 && args[0] == "checks")
                {
                    CoreChecks.RunAll();
                    Report("checks_passed");
                    return 0;
                }
                if (args.Length == 2 && args[0] == "live")
                {
                    new LiveConversation(args[1]).Run();
                    Report("done");
                    return 0;
                }
                if (args.Length == 2 && args[0] == "idle")
                {
                    IdleConversation.Run(args[1]);
                    Report("done");
                    return 0;
                }
                Console.Error.WriteLine("usage: CoreHarness.exe checks | live ws://127.0.0.1:PORT/ | idle ws://127.0.0.1:PORT/");
                return 2;
            }
            catch (Exception e)
            {
                Report("failed", "why", e.GetType().Name + ": " + e.Message, "where", e.StackTrace ?? "");
                return 1;
            }
        }

        internal static void Report(string step, params object[] pairs)
        {
            var o = new Dictionary<string, object> { { "step", step } };
            for (var i = 0; i + 1 < pairs.Length; i += 2) o[(string)pairs[i]] = pairs[i + 1];
            lock (typeof(Program))
            {
                Console.WriteLine(Json.Write(o));
                Console.Out.Flush();
            }
        }
    }

    /// <summary>Everything the session raised, in order, for the scenario to wait on.</summary>
    internal sealed class LiveConversation
    {
        static readonly TimeSpan TurnTimeout = TimeSpan.FromSeconds(300);
        readonly BlockingCollection<object> inbox = new BlockingCollection<object>();
        readonly List<string> errors = new List<string>();
        readonly NpcSession session;

        public LiveConversation(string url)
        {
            session = new NpcSession(new SessionOptions
            {
                Url = url,
                Character = "jin",
                PlayerId = "unity-harness",
                OutputSampleRate = 48000, // as a Unity game asks for AudioSettings.outputSampleRate
                ReconnectDelaysMs = new[] { 250, 500, 1000, 2000 },
            });
            session.OnReady += r => inbox.Add(r);
            session.OnAudio += c => inbox.Add(c);
            session.OnAction += a => inbox.Add(a);
            session.OnReplyText += t => inbox.Add(t);
            session.OnTurnEnd += t => inbox.Add(t);
            session.OnDisconnected += d => inbox.Add(d);
            session.OnError += e =>
            {
                lock (errors) errors.Add(e.ToString());
                Program.Report("server_error", "error", e.ToString());
            };
        }

        public void Run()
        {
            session.Start();
            var first = Next<Ready>(TimeSpan.FromSeconds(120), "ready");
            Program.Report("ready", "session", first.SessionId, "character", first.CharacterName);

            var turn = Turn("grab me a bowl of ramen");
            var fetch = turn.Actions.FirstOrDefault(a => a.Name == "fetch");
            Program.Report("turn", "audio_chunks", turn.Chunks.Count, "audio_ms", turn.AudioMs,
                "sample_rate", turn.SampleRate, "visemes", turn.Visemes, "viseme_blocks", turn.VisemeBlocks,
                "actions", turn.Actions.Select(a => (object)a.Name).ToList(),
                "item", fetch == null ? "" : fetch.Arg("item"), "reply", turn.Reply);
            if (fetch == null) throw new CheckFailed("no fetch action for the ramen");

            var sent = session.ReportActionResult(fetch.ActionId, true, "the bowl is on the counter");
            var resent = session.ReportActionResult(fetch.ActionId, true);
            var unknown = session.ReportActionResult("a-never-sent", true);
            Program.Report("action_result", "sent", sent, "sent_twice", resent, "unknown_sent", unknown);

            // Mid-conversation: a turn is under way when the test restarts the server.
            session.Say("What is the secret of your broth? Tell me everything.");
            Next<SpeechChunk>(TurnTimeout, "the second turn's first audio");
            Program.Report("restart_now");
            var lost = Next<DisconnectInfo>(TimeSpan.FromSeconds(60), "the disconnection");
            Program.Report("disconnected", "reason", lost.Reason, "had_session", lost.HadSession, "will_reconnect", lost.WillReconnect);
            var failedAttempts = new List<object>();
            Ready again = null;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (again == null)
            {
                var item = Take(deadline - DateTime.UtcNow, "a new session after the restart");
                var failed = item as DisconnectInfo;
                if (failed != null) failedAttempts.Add(failed.Reason);
                again = item as Ready;
            }
            Program.Report("reconnected", "session", again.SessionId, "new_session", again.SessionId != first.SessionId,
                "failed_attempts", failedAttempts);

            var after = Turn("Do you have green tea?");
            Program.Report("turn_after_restart", "audio_chunks", after.Chunks.Count, "audio_ms", after.AudioMs,
                "visemes", after.Visemes, "reply", after.Reply);
            session.StopAsync(TimeSpan.FromSeconds(5)).Wait();
            lock (errors) Program.Report("errors", "errors", errors.Cast<object>().ToList());
        }

        sealed class TurnRecord
        {
            public readonly List<SpeechChunk> Chunks = new List<SpeechChunk>();
            public readonly List<ActionCall> Actions = new List<ActionCall>();
            public string Reply = "";
            public double AudioMs;
            public int SampleRate, Visemes, VisemeBlocks;
        }

        TurnRecord Turn(string line)
        {
            if (!session.Say(line)) throw new CheckFailed("Say found no live session");
            var record = new TurnRecord();
            var deadline = DateTime.UtcNow + TurnTimeout;
            while (true)
            {
                var item = Take(deadline - DateTime.UtcNow, "turn_end for: " + line);
                if (item is SpeechChunk chunk)
                {
                    record.Chunks.Add(chunk);
                    record.SampleRate = chunk.SampleRate;
                    record.AudioMs += chunk.Pcm.Length / 2 * 1000.0 / chunk.SampleRate;
                    record.Visemes += chunk.Visemes.Count;
                }
                else if (item is ActionCall action) record.Actions.Add(action);
                else if (item is ReplyText text) record.Reply += text.Text;
                else if (item is DisconnectInfo lost) throw new CheckFailed("disconnected during a turn: " + lost);
                else if (item is TurnEnd) break;
            }
            record.VisemeBlocks = PlayThrough(record.Chunks);
            return record;
        }

        /// <summary>Pull the turn's audio as an engine's audio callback would; count the
        /// blocks where the mouth is not at rest (the visemes follow the playback clock).</summary>
        static int PlayThrough(List<SpeechChunk> chunks)
        {
            var playback = new SpeechPlayback(48000);
            foreach (var c in chunks) playback.Enqueue(c);
            var data = new float[2 * 1024];
            var weights = new float[Visemes.Count];
            var speaking = 0;
            while (playback.IsPlaying)
            {
                playback.Read(data, 2);
                if (playback.VisemeWeights(weights) && weights[0] < 0.5f) speaking++;
            }
            return speaking;
        }

        T Next<T>(TimeSpan timeout, string what) where T : class
        {
            var deadline = DateTime.UtcNow + timeout; // other events must not extend the wait
            while (true)
            {
                var item = Take(deadline - DateTime.UtcNow, what);
                if (item is T wanted) return wanted;
                var lost = item as DisconnectInfo;
                if (lost != null) Program.Report("waiting", "for", what, "disconnected", lost.ToString());
            }
        }

        object Take(TimeSpan timeout, string what)
        {
            object item;
            if (timeout < TimeSpan.Zero || !inbox.TryTake(out item, timeout))
                throw new CheckFailed("timed out waiting for " + what);
            return item;
        }
    }

    /// <summary>The server closes an idle session: the client waits for the game, then wakes.</summary>
    internal static class IdleConversation
    {
        public static void Run(string url)
        {
            var inbox = new BlockingCollection<object>();
            var session = new NpcSession(new SessionOptions
            {
                Url = url,
                Character = "jin",
                PlayerId = "unity-harness-idle",
                ReconnectDelaysMs = new[] { 100 },
            });
            session.OnReady += r => inbox.Add(r);
            session.OnDisconnected += d => inbox.Add(d);
            session.OnTurnStarted += t => inbox.Add(t);
            session.Start();
            Take<Ready>(inbox, 120, "ready");
            var idle = Take<DisconnectInfo>(inbox, 60, "the idle close");
            Program.Report("dormant", "dormant", idle.Dormant, "will_reconnect", idle.WillReconnect, "reason", idle.Reason);

            System.Threading.Thread.Sleep(4000); // several idle timeouts: a timer would have reconnected by now
            var meanwhile = new List<object>();
            object item;
            while (inbox.TryTake(out item)) meanwhile.Add(item.GetType().Name);
            Program.Report("quiet", "events", meanwhile);

            var kept = session.Say("hello again");
            var again = Take<Ready>(inbox, 60, "a new session once the game talks");
            var started = Take<TurnStarted>(inbox, 60, "the kept line's turn");
            Program.Report("woke", "sent_at_once", kept, "session", again.SessionId, "turn_text", started.Text, "source", started.Source);
            session.StopAsync(TimeSpan.FromSeconds(5)).Wait();
        }

        static T Take<T>(BlockingCollection<object> inbox, int seconds, string what) where T : class
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
            while (true)
            {
                object item;
                var left = deadline - DateTime.UtcNow;
                if (left < TimeSpan.Zero || !inbox.TryTake(out item, left)) throw new CheckFailed("timed out waiting for " + what);
                if (item is T wanted) return wanted;
            }
        }
    }
}
