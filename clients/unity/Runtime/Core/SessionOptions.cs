using System;

namespace Npc.Client
{
    /// <summary>Where to connect, as whom, to which character, and how to recover.</summary>
    public sealed class SessionOptions
    {
        /// <summary>The server, e.g. ws://127.0.0.1:8765/ (`npc serve`).</summary>
        public string Url = "ws://127.0.0.1:8765/";

        /// <summary>Sent as `Authorization: Bearer`; servers bound beyond localhost need it.</summary>
        public string Token;

        public string Character = "jin";
        public string PlayerId = "player";
        public string PlayerName;

        /// <summary>Only EndTurn() ends the player's spoken turn (no end-of-speech detection).</summary>
        public bool PushToTalk;

        /// <summary>Ask the server for speech at this rate (8000-48000; 0 = the voice's own).</summary>
        public int OutputSampleRate;

        /// <summary>The scene each new session starts with; SetScene keeps it up to date.</summary>
        public Scene Scene;

        /// <summary>Reconnect (with a new session) when the connection is lost.</summary>
        public bool Reconnect = true;

        /// <summary>Waits between attempts; the last repeats. Reset once a session is ready.</summary>
        public int[] ReconnectDelaysMs = { 500, 1000, 2000, 4000, 8000 };

        /// <summary>How long to wait for `ready` (the first start can load models).</summary>
        public TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    }

    /// <summary>Why the connection ended and what happens next.</summary>
    public sealed class DisconnectInfo
    {
        public string Reason;

        /// <summary>A session was open (false: the connection or the start failed).</summary>
        public bool HadSession;

        public bool WillReconnect;
        public int RetryInMs;
        public int Attempt;

        /// <summary>The server closed an idle session: a new one opens when the game next says,
        /// sends an event or streams audio (not by itself: that would keep a session open forever).</summary>
        public bool Dormant;

        public override string ToString()
        {
            if (Dormant) return Reason + " (reconnecting when the game next talks)";
            return Reason + (WillReconnect ? " (reconnecting in " + RetryInMs + " ms, attempt " + Attempt + ")" : "");
        }
    }
}
