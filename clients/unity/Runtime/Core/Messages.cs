// The wire protocol (npc/protocol/messages.py, version 1.x) as plain C# classes.
//
// Client messages are built as JSON objects; server messages are parsed into classes.
// Unknown server message types and fields are ignored, as the protocol's versioning asks.

using System.Collections.Generic;

namespace Npc.Client
{
    public static class Protocol
    {
        public const string Version = "1.0";
    }

    /// <summary>The world around the character; a null list keeps what the server has.</summary>
    public sealed class Scene
    {
        public List<string> Objects;
        public List<string> Locations;
        public List<string> Characters;

        internal void WriteTo(Dictionary<string, object> o)
        {
            if (Objects != null) o["objects"] = new List<string>(Objects);
            if (Locations != null) o["locations"] = new List<string>(Locations);
            if (Characters != null) o["characters"] = new List<string>(Characters);
        }

        /// <summary>This scene with the lists another update sets replaced.</summary>
        public Scene MergedWith(Scene update)
        {
            return new Scene
            {
                Objects = update.Objects ?? Objects,
                Locations = update.Locations ?? Locations,
                Characters = update.Characters ?? Characters,
            };
        }
    }

    /// <summary>Builds the JSON text of each client message.</summary>
    public static class ClientMessages
    {
        public static string Start(SessionOptions o, Scene scene)
        {
            var outputs = new Dictionary<string, object>
            {
                { "audio", true },
                { "visemes", true },
                { "text", true },
                { "audio_format", "binary" },
            };
            if (o.OutputSampleRate > 0) outputs["sample_rate"] = o.OutputSampleRate;
            var start = new Dictionary<string, object>
            {
                { "type", "start" },
                { "character", o.Character },
                { "player_id", o.PlayerId },
                { "audio", new Dictionary<string, object> { { "encoding", "pcm16" }, { "sample_rate", PcmFramer.TargetRate }, { "channels", 1 } } },
                { "outputs", outputs },
                { "push_to_talk", o.PushToTalk },
                { "protocol_version", Protocol.Version },
            };
            if (!string.IsNullOrEmpty(o.PlayerName)) start["player_name"] = o.PlayerName;
            if (scene != null)
            {
                var s = new Dictionary<string, object>();
                scene.WriteTo(s);
                start["scene"] = s;
            }
            return Json.Write(start);
        }

        public static string Text(string text)
        {
            return Json.Write(new Dictionary<string, object> { { "type", "text" }, { "text", text } });
        }

        public static string SceneUpdate(Scene scene)
        {
            var o = new Dictionary<string, object> { { "type", "scene" } };
            scene.WriteTo(o);
            return Json.Write(o);
        }

        public static string Event(string text, bool react)
        {
            return Json.Write(new Dictionary<string, object> { { "type", "event" }, { "text", text }, { "react", react } });
        }

        public static string ActionResult(string actionId, bool ok, string detail)
        {
            return Json.Write(new Dictionary<string, object>
            {
                { "type", "action_result" }, { "action_id", actionId }, { "ok", ok }, { "detail", detail ?? "" },
            });
        }

        public static string Interrupt(double? playedMs)
        {
            var o = new Dictionary<string, object> { { "type", "interrupt" } };
            if (playedMs.HasValue) o["played_ms"] = playedMs.Value;
            return Json.Write(o);
        }

        public static string EndTurn() { return "{\"type\":\"end_turn\"}"; }

        public static string End() { return "{\"type\":\"end\"}"; }
    }

    // -- server -> client ------------------------------------------------------------------

    public class ServerMessage
    {
        public string Type;
        public int TurnId;

        /// <summary>Parse one text frame; unknown types come back as a plain ServerMessage.</summary>
        public static ServerMessage Parse(string json)
        {
            var o = Json.Parse(json) as IDictionary<string, object>;
            if (o == null) throw new JsonException("a server message must be a JSON object");
            var type = JsonFields.Str(o, "type");
            ServerMessage msg;
            switch (type)
            {
                case "ready": msg = new Ready(o); break;
                case "speech_started": msg = new ServerMessage(); break;
                case "transcript": msg = new Transcript(o); break;
                case "turn_started": msg = new TurnStarted(o); break;
                case "reply_text": msg = new ReplyText(o); break;
                case "audio": msg = new AudioHeader(o); break;
                case "emotion": msg = new EmotionMessage(o); break;
                case "action": msg = new ActionCall(o); break;
                case "interrupted": msg = new Interrupted(o); break;
                case "turn_end": msg = new TurnEnd(o); break;
                case "error": msg = new ErrorMessage(o); break;
                default: msg = new ServerMessage(); break;
            }
            msg.Type = type;
            msg.TurnId = JsonFields.Int(o, "turn_id");
            return msg;
        }
    }

    public sealed class Ready : ServerMessage
    {
        public readonly string SessionId, ProtocolVersion, CharacterId, CharacterName, CharacterRole;
        public readonly List<string> Emotions = new List<string>(), Actions = new List<string>();
        public readonly int AudioSampleRate;

        internal Ready(IDictionary<string, object> o)
        {
            SessionId = JsonFields.Str(o, "session_id");
            ProtocolVersion = JsonFields.Str(o, "protocol_version");
            AudioSampleRate = JsonFields.Int(o, "audio_sample_rate");
            var c = JsonFields.Obj(o, "character") ?? new Dictionary<string, object>();
            CharacterId = JsonFields.Str(c, "id");
            CharacterName = JsonFields.Str(c, "name");
            CharacterRole = JsonFields.Str(c, "role");
            AddStrings(JsonFields.List(c, "emotions"), Emotions);
            AddStrings(JsonFields.List(c, "actions"), Actions);
        }

        static void AddStrings(IList<object> from, List<string> to)
        {
            if (from == null) return;
            foreach (var item in from) if (item is string s) to.Add(s);
        }
    }

    public sealed class Transcript : ServerMessage
    {
        public readonly string Text;
        public readonly bool Final;

        internal Transcript(IDictionary<string, object> o)
        {
            Text = JsonFields.Str(o, "text");
            Final = JsonFields.Bool(o, "final");
        }
    }

    /// <summary>A turn without speech began (a typed line, or an event the character reacts to).</summary>
    public sealed class TurnStarted : ServerMessage
    {
        public readonly string Source, Text; // Source: "text" or "event"

        internal TurnStarted(IDictionary<string, object> o)
        {
            Source = JsonFields.Str(o, "source");
            Text = JsonFields.Str(o, "text");
        }
    }

    public sealed class ReplyText : ServerMessage
    {
        public readonly string Text;

        internal ReplyText(IDictionary<string, object> o) { Text = JsonFields.Str(o, "text"); }
    }

    /// <summary>A viseme of a speech chunk, timed from the chunk's start.</summary>
    public struct Viseme
    {
        public int Index; // in Visemes.Names order, -1 for a name this client does not know
        public string Name;
        public double StartMs, DurationMs;
    }

    /// <summary>The `audio` message; with binary audio its PCM16 is the next frame.</summary>
    public sealed class AudioHeader : ServerMessage
    {
        public readonly int Index, SampleRate, Bytes;
        public readonly string Text, Data;
        public readonly double DurationMs;
        public readonly List<Viseme> Visemes = new List<Viseme>();

        internal AudioHeader(IDictionary<string, object> o)
        {
            Index = JsonFields.Int(o, "index");
            SampleRate = JsonFields.Int(o, "sample_rate");
            Bytes = JsonFields.Int(o, "bytes");
            Text = JsonFields.Str(o, "text");
            Data = JsonFields.Str(o, "data", null);
            DurationMs = JsonFields.Num(o, "duration_ms");
            var list = JsonFields.List(o, "visemes");
            if (list == null) return;
            foreach (var item in list)
            {
                var v = item as IDictionary<string, object>;
                if (v == null) continue;
                var name = JsonFields.Str(v, "viseme");
                Visemes.Add(new Viseme
                {
                    Index = Npc.Client.Visemes.IndexOf(name),
                    Name = name,
                    StartMs = JsonFields.Num(v, "start_ms"),
                    DurationMs = JsonFields.Num(v, "duration_ms"),
                });
            }
        }
    }

    /// <summary>A chunk of the character's speech: PCM16 mono with its visemes.</summary>
    public sealed class SpeechChunk
    {
        public readonly AudioHeader Header;
        public readonly byte[] Pcm;

        public SpeechChunk(AudioHeader header, byte[] pcm)
        {
            Header = header;
            Pcm = pcm;
        }

        public int TurnId { get { return Header.TurnId; } }
        public int SampleRate { get { return Header.SampleRate; } }
        public List<Viseme> Visemes { get { return Header.Visemes; } }
    }

    public sealed class EmotionMessage : ServerMessage
    {
        public readonly string Emotion;
        public readonly float Intensity;

        internal EmotionMessage(IDictionary<string, object> o)
        {
            Emotion = JsonFields.Str(o, "emotion");
            Intensity = (float)JsonFields.Num(o, "intensity", 1);
        }
    }

    /// <summary>Do this in the game, then report with NpcSession.ReportActionResult.</summary>
    public sealed class ActionCall : ServerMessage
    {
        public readonly string ActionId, Name;
        public readonly IDictionary<string, object> Args;

        internal ActionCall(IDictionary<string, object> o)
        {
            ActionId = JsonFields.Str(o, "action_id");
            Name = JsonFields.Str(o, "name");
            Args = JsonFields.Obj(o, "args") ?? new Dictionary<string, object>();
        }

        /// <summary>An argument as text (numbers and objects as JSON), or the fallback.</summary>
        public string Arg(string key, string fallback = "")
        {
            object v;
            if (!Args.TryGetValue(key, out v) || v == null) return fallback;
            return v as string ?? Json.Write(v);
        }

        public string ArgsJson { get { return Json.Write(Args); } }
    }

    public sealed class Interrupted : ServerMessage
    {
        public readonly string SpokenText;

        internal Interrupted(IDictionary<string, object> o) { SpokenText = JsonFields.Str(o, "spoken_text"); }
    }

    public sealed class TurnEnd : ServerMessage
    {
        public readonly bool WasInterrupted;
        public readonly Dictionary<string, double> Timings = new Dictionary<string, double>();

        internal TurnEnd(IDictionary<string, object> o)
        {
            WasInterrupted = JsonFields.Bool(o, "interrupted");
            var t = JsonFields.Obj(o, "timings");
            if (t == null) return;
            foreach (var pair in t) if (pair.Value is double d) Timings[pair.Key] = d;
        }
    }

    public sealed class ErrorMessage : ServerMessage
    {
        public readonly string Code, Message;
        public readonly bool Fatal;
        /// <summary>With server_busy: wait this long before trying again (null: not said).</summary>
        public readonly double? RetryAfterS;

        public ErrorMessage(string code, string message, bool fatal = false, double? retryAfterS = null)
        {
            Type = "error";
            Code = code;
            Message = message;
            Fatal = fatal;
            RetryAfterS = retryAfterS;
        }

        internal ErrorMessage(IDictionary<string, object> o)
            : this(JsonFields.Str(o, "code"), JsonFields.Str(o, "message"), JsonFields.Bool(o, "fatal"),
                o.ContainsKey("retry_after_s") ? JsonFields.Num(o, "retry_after_s", -1) : -1) { }

        ErrorMessage(string code, string message, bool fatal, double retryAfterS)
            : this(code, message, fatal, retryAfterS >= 0 ? retryAfterS : (double?)null) { }

        public override string ToString() { return Code + ": " + Message + (Fatal ? " (fatal)" : ""); }
    }
}
