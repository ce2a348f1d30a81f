// Checks of the engine-free core that need no server: JSON, framing, visemes, playback.

using System;
using System.Collections.Generic;
using System.Linq;

namespace Npc.Client.Harness
{
    internal static class CoreChecks
    {
        public static void RunAll()
        {
            JsonRoundTrip();
            JsonRejectsBadInput();
            ServerMessagesParse();
            FramerMakes20msFrames(48000);
            FramerMakes20msFrames(44100);
            FramerMakes20msFrames(16000);
            FramerMakes20msFrames(8000);
            TimelineCrossFades();
            PlaybackIsGaplessAndCountsPlayedTime();
            MixingKeepsTheSourcesGainAndPanning();
            RigsBindToBlendshapesByName();
            ServerUrlsAreForgiving();
            MicrophoneRingReportsWhatWasLost();
            ABadUrlIsReportedNotThrown();
            TurnStartedAndRetryAfterParse();
        }

        static void MixingKeepsTheSourcesGainAndPanning()
        {
            var playback = new SpeechPlayback(16000);
            playback.Enqueue(Chunk(1, 1600));
            var data = new float[2 * 100];
            for (var f = 0; f < 100; f++)
            {
                data[2 * f] = 0.2f;     // what a panned, distant source does to a constant 1.0 clip
                data[2 * f + 1] = 0.8f;
            }
            playback.MixInto(data, 2);
            Check.Near(0.1, data[0], "left keeps its gain", 1e-4);
            Check.Near(0.4, data[1], "right keeps its gain", 1e-4);
            playback.Stop();
            for (var i = 0; i < data.Length; i++) data[i] = 0.5f;
            playback.MixInto(data, 2);
            Check.That(data.All(x => x == 0f), "silence when nothing plays");
        }

        static void RigsBindToBlendshapesByName()
        {
            var rpm = new List<string> { "Wolf3D_Head.viseme_sil", "Wolf3D_Head.viseme_PP", "Wolf3D_Head.viseme_aa", "Wolf3D_Head.viseme_I", "eyeBlinkLeft" };
            var ovr = new FaceBinding(VisemeRig.For(VisemeRigKind.Ovr), rpm);
            Check.Equal(3, ovr.VisemesMapped, "FBX-prefixed OVR names and RPM's I are found");
            var arkitNames = new List<string> { "blendShape1.jawOpen", "blendShape1.mouthFunnel", "blendShape1.mouthPucker", "eyeBlinkLeft" };
            var best = FaceBinding.Best(arkitNames);
            Check.Equal(VisemeRigKind.Arkit, best.Rig.Kind, "the rig with the most shapes wins");
            var weights = new float[Visemes.Count];
            weights[14] = 1; // ou: pucker 0.8, funnel 0.3, jaw 0.15
            var shapes = new float[arkitNames.Count];
            best.Weights(weights, shapes);
            Check.Near(0.15, shapes[0], "ou opens the jaw a little");
            Check.Near(0.3, shapes[1], "ou funnels");
            Check.Near(0.8, shapes[2], "ou puckers");
            Check.Equal(0f, shapes[3], "blinks are not the mouth's");
            var vrm = new FaceBinding(VisemeRig.For(VisemeRigKind.Vrm), new List<string> { "Fcl_MTH_A", "Fcl_MTH_I", "Fcl_MTH_U", "Fcl_MTH_E", "Fcl_MTH_O" });
            Check.Equal(13, vrm.VisemesMapped, "VRoid's vowels map every viseme but sil and PP");
            var none = FaceBinding.Best(new List<string> { "smile", "frown" });
            Check.Equal(0, none.VisemesMapped, "a face without mouth shapes maps nothing");
            Check.That(none.ToString().Contains("missing"), "and says what it looked for");
        }

        static void ServerUrlsAreForgiving()
        {
            string problem;
            Check.Equal("ws://127.0.0.1:8765/", ServerUrl.Normalize("127.0.0.1:8765", out problem).ToString(), "host:port");
            Check.Equal("ws://localhost:8765/", ServerUrl.Normalize(" http://localhost:8765/ ", out problem).ToString(), "http");
            Check.Equal("wss://npc.example:9000/", ServerUrl.Normalize("https://npc.example:9000/", out problem).ToString(), "https");
            Check.That(ServerUrl.Normalize("ftp://x/", out problem) == null && problem.Contains("not a websocket URL"), "ftp");
            Check.That(ServerUrl.Normalize("", out problem) == null && problem.Contains("empty"), "empty");
        }

        static void MicrophoneRingReportsWhatWasLost()
        {
            var ring = new MicrophoneRing(16000 * 10, 16000);
            Check.Equal(320, ring.Available(320, 0.02), "20 ms recorded");
            ring.Advance(320);
            Check.Equal(0L, ring.LostFrames, "nothing lost");
            Check.Equal(16000 * 10 - 1, ring.Available(640, 12.0), "a 12 s stall: the whole ring is read");
            Check.Equal(16000L * 2 + 1, ring.LostFrames, "and about 2 s are reported lost");
        }

        static void ABadUrlIsReportedNotThrown()
        {
            var session = new NpcSession(new SessionOptions { Url = "not a url at all" });
            DisconnectInfo seen = null;
            session.OnDisconnected += d => seen = d;
            session.Start();
            Check.That(seen != null && !seen.WillReconnect && seen.Reason.Contains("not a websocket URL"), "a bad URL is a clear, final disconnection");
            Check.That(session.Completion.IsCompleted, "and the session stops");
        }

        static void TurnStartedAndRetryAfterParse()
        {
            var started = (TurnStarted)ServerMessage.Parse("{\"type\":\"turn_started\",\"turn_id\":2,\"source\":\"event\",\"text\":\"a knife\"}");
            Check.Equal(2, started.TurnId, "turn_started.turn_id");
            Check.Equal("event", started.Source, "turn_started.source");
            var busy = (ErrorMessage)ServerMessage.Parse("{\"type\":\"error\",\"code\":\"server_busy\",\"message\":\"full\",\"fatal\":true,\"retry_after_s\":3.5}");
            Check.That(busy.RetryAfterS == 3.5, "retry_after_s");
        }

        static void JsonRoundTrip()
        {
            var text = "{\"a\":[1,2.5,-3e2,true,false,null],\"s\":\"q\\\"\\\\\\n\\u00e9\\ud83c\\udf5c\",\"o\":{}}";
            var value = (IDictionary<string, object>)Json.Parse(text);
            var again = Json.Write(value);
            Check.Equal(again, Json.Write(Json.Parse(again)), "JSON round trip is stable");
            Check.Equal("q\"\\\n\u00e9\U0001F35C", (string)value["s"], "JSON string escapes");
            var list = (IList<object>)value["a"];
            Check.Equal(-300.0, (double)list[2], "JSON exponent");
            Check.That(list[5] == null, "JSON null");
        }

        static void JsonRejectsBadInput()
        {
            foreach (var bad in new[] { "{", "[1,]", "{\"a\" 1}", "\"open", "tru", "{} x", "01x" })
            {
                try
                {
                    Json.Parse(bad);
                    throw new CheckFailed("JSON accepted bad input: " + bad);
                }
                catch (JsonException)
                {
                }
            }
        }

        static void ServerMessagesParse()
        {
            var audio = (AudioHeader)ServerMessage.Parse(
                "{\"type\":\"audio\",\"turn_id\":3,\"index\":0,\"text\":\"Hi.\",\"sample_rate\":22050,\"duration_ms\":500.0," +
                "\"bytes\":22050,\"visemes\":[{\"viseme\":\"sil\",\"start_ms\":0,\"duration_ms\":100},{\"viseme\":\"aa\",\"start_ms\":100,\"duration_ms\":400}]," +
                "\"new_field\":1}");
            Check.Equal(3, audio.TurnId, "turn_id");
            Check.Equal(10, audio.Visemes[1].Index, "viseme index of aa");
            var action = (ActionCall)ServerMessage.Parse(
                "{\"type\":\"action\",\"turn_id\":1,\"action_id\":\"a1.1\",\"name\":\"fetch\",\"args\":{\"item\":\"ramen bowl\",\"n\":2}}");
            Check.Equal("ramen bowl", action.Arg("item"), "action argument");
            Check.Equal("2", action.Arg("n"), "numeric action argument as text");
            var unknown = ServerMessage.Parse("{\"type\":\"from_the_future\",\"turn_id\":9}");
            Check.Equal("from_the_future", unknown.Type, "unknown message types pass through");
            var start = (IDictionary<string, object>)Json.Parse(ClientMessages.Start(
                new SessionOptions { Character = "jin", OutputSampleRate = 48000 },
                new Scene { Objects = new List<string> { "ramen bowl" } }));
            Check.Equal("jin", (string)start["character"], "start.character");
            Check.Equal(48000.0, (double)((IDictionary<string, object>)start["outputs"])["sample_rate"], "start.outputs.sample_rate");
        }

        static void FramerMakes20msFrames(int rate)
        {
            var frames = new List<byte[]>();
            var framer = new PcmFramer(rate, frames.Add);
            var second = Enumerable.Range(0, rate).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * 440 * i / rate))).ToArray();
            for (var offset = 0; offset < second.Length; offset += 1000)
                framer.Push(second, offset, Math.Min(1000, second.Length - offset));
            // One second is 50 frames; rounding in the resampling position may leave the last
            // sample for the next push.
            Check.That(frames.Count == 50 || frames.Count == 49, "one second is 50 frames at " + rate + " Hz, not " + frames.Count);
            Check.That(frames.All(f => f.Length == PcmFramer.FrameBytes), "every frame is 640 bytes");
            var peak = frames.SelectMany(f => Pcm16.ToFloats(f)).Max();
            Check.That(peak > 0.45 && peak < 0.52, "the level survives resampling at " + rate + " Hz (peak " + peak + ")");
        }

        static void TimelineCrossFades()
        {
            var timeline = new VisemeTimeline(new List<Viseme>
            {
                new Viseme { Index = 1, Name = "PP", StartMs = 0, DurationMs = 100 },
                new Viseme { Index = 10, Name = "aa", StartMs = 100, DurationMs = 200 },
            });
            var w = new float[Visemes.Count];
            timeline.Weights(50, w);
            Check.Equal(1f, w[1], "inside PP");
            timeline.Weights(100, w, 40);
            Check.Near(0.5, w[1], "half PP at the change");
            Check.Near(0.5, w[10], "half aa at the change");
            timeline.Weights(200, w, 40);
            Check.Equal(1f, w[10], "inside aa");
            timeline.Weights(400, w);
            Check.Equal(1f, w[0], "sil after the track");
            Check.Near(1.0, w.Sum(), "weights sum to 1");
        }

        static void PlaybackIsGaplessAndCountsPlayedTime()
        {
            var playback = new SpeechPlayback(16000);
            playback.Enqueue(Chunk(1, 1600)); // 100 ms each
            playback.Enqueue(Chunk(1, 1600));
            var data = new float[2 * 400]; // stereo, 25 ms
            var heard = new List<float>();
            for (var i = 0; i < 10; i++)
            {
                playback.Read(data, 2);
                for (var f = 0; f < 400; f++) heard.Add(data[2 * f]);
            }
            Check.That(heard.Take(3200).All(s => s > 0.2f), "two chunks play back to back with no gap");
            Check.That(heard.Skip(3200).All(s => s == 0f), "silence after the speech");
            Check.Near(200, playback.PlayedMs(1), "played time of the turn");
            Check.That(!playback.IsPlaying, "nothing left to play");
            playback.Enqueue(Chunk(2, 1600));
            playback.Read(data, 2);
            playback.Stop();
            Check.That(!playback.IsPlaying, "Stop drops what was queued");
        }

        static SpeechChunk Chunk(int turn, int samples)
        {
            var pcm = new byte[samples * 2];
            for (var i = 0; i < samples; i++)
            {
                pcm[2 * i] = 0x00;
                pcm[2 * i + 1] = 0x40; // 0x4000 = 0.5
            }
            var header = (AudioHeader)ServerMessage.Parse(
                "{\"type\":\"audio\",\"turn_id\":" + turn + ",\"sample_rate\":16000,\"bytes\":" + pcm.Length +
                ",\"visemes\":[{\"viseme\":\"aa\",\"start_ms\":0,\"duration_ms\":100}]}");
            return new SpeechChunk(header, pcm);
        }
    }

    internal sealed class CheckFailed : Exception
    {
        public CheckFailed(string message) : base(message) { }
    }

    internal static class Check
    {
        public static void That(bool condition, string what)
        {
            if (!condition) throw new CheckFailed(what);
        }

        public static void Equal<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
                throw new CheckFailed(what + ": expected " + expected + ", got " + actual);
        }

        public static void Near(double expected, double actual, string what, double tolerance = 1e-3)
        {
            if (Math.Abs(expected - actual) > tolerance)
                throw new CheckFailed(what + ": expected " + expected + ", got " + actual);
        }
    }
}
