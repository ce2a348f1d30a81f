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
