// The server's address as a designer types it: "127.0.0.1:8765", "localhost", "http://...",
// "ws://host:port/". Anything else gets a clear reason instead of an exception.

using System;

namespace Npc.Client
{
    public static class ServerUrl
    {
        /// <summary>A ws:// or wss:// URI for the text, or null with the reason.</summary>
        public static Uri Normalize(string text, out string problem)
        {
            problem = null;
            var t = (text ?? "").Trim();
            if (t.Length == 0)
            {
                problem = "the server URL is empty (try ws://127.0.0.1:8765/)";
                return null;
            }
            if (t.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) t = "ws://" + t.Substring(7);
            else if (t.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) t = "wss://" + t.Substring(8);
            else if (t.IndexOf("://", StringComparison.Ordinal) < 0) t = "ws://" + t;
            Uri uri;
            if (!Uri.TryCreate(t, UriKind.Absolute, out uri) || (uri.Scheme != "ws" && uri.Scheme != "wss") || uri.Host.Length == 0)
            {
                problem = "'" + text + "' is not a websocket URL (try ws://127.0.0.1:8765/)";
                return null;
            }
            return uri;
        }
    }
}
