// One websocket: whole frames in, an ordered send queue out. No protocol knowledge here;
// NpcSession opens a new Connection for each session.

using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Npc.Client
{
    internal sealed class Frame
    {
        public bool Binary;
        public byte[] Data;

        public string Text { get { return Encoding.UTF8.GetString(Data); } }
    }

    internal sealed class Connection : IDisposable
    {
        const int MaxFrameBytes = 16 << 20; // the server's own hard limit

        sealed class Outgoing
        {
            public byte[] Data;
            public WebSocketMessageType Kind;
            public bool Close;
        }

        readonly ClientWebSocket ws = new ClientWebSocket();
        readonly CancellationTokenSource cancel;
        // ClientWebSocket allows one send at a time: one loop sends, in order, from this queue.
        readonly ConcurrentQueue<Outgoing> outbox = new ConcurrentQueue<Outgoing>();
        readonly SemaphoreSlim pending = new SemaphoreSlim(0);
        readonly byte[] buffer = new byte[64 * 1024];
        Task sender = Task.FromResult(true);

        public Connection(string token, CancellationToken stopping)
        {
            cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            if (!string.IsNullOrEmpty(token)) ws.Options.SetRequestHeader("Authorization", "Bearer " + token);
            ws.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
        }

        /// <summary>Why the connection ended, once it has.</summary>
        public string CloseReason { get; private set; }

        public async Task OpenAsync(Uri url, string firstMessage)
        {
            await ws.ConnectAsync(url, cancel.Token).ConfigureAwait(false);
            var bytes = Encoding.UTF8.GetBytes(firstMessage);
            await ws.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Text, true, cancel.Token).ConfigureAwait(false);
            sender = Task.Run(SendLoop);
        }

        public void Send(string text)
        {
            Post(new Outgoing { Data = Encoding.UTF8.GetBytes(text), Kind = WebSocketMessageType.Text });
        }

        public void Send(byte[] binary)
        {
            Post(new Outgoing { Data = binary, Kind = WebSocketMessageType.Binary });
        }

        /// <summary>The next whole frame, or null once the connection has closed (see CloseReason).</summary>
        public async Task<Frame> ReceiveAsync()
        {
            using (var message = new MemoryStream())
            {
                while (true)
                {
                    WebSocketReceiveResult result;
                    try
                    {
                        result = await ws.ReceiveAsync(new ArraySegment<byte>(buffer), cancel.Token).ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        // After Abort the reason is already set; the first reason is kept.
                        Ended(cancel.IsCancellationRequested ? "closed by this client" : "the connection dropped: " + Describe(e));
                        return null;
                    }
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        var why = string.IsNullOrEmpty(result.CloseStatusDescription) ? "" : ": " + result.CloseStatusDescription;
                        Ended("the server closed the connection (code " + (int?)result.CloseStatus + why + ")");
                        return null;
                    }
                    message.Write(buffer, 0, result.Count);
                    if (message.Length > MaxFrameBytes)
                    {
                        Abort("a frame over " + MaxFrameBytes + " bytes");
                        return null;
                    }
                    if (result.EndOfMessage)
                        return new Frame { Binary = result.MessageType == WebSocketMessageType.Binary, Data = message.ToArray() };
                }
            }
        }

        /// <summary>Send what is queued, then a close frame; gives up after the timeout.</summary>
        public async Task CloseAsync(TimeSpan timeout)
        {
            Post(new Outgoing { Close = true });
            var done = await Task.WhenAny(sender, Task.Delay(timeout)).ConfigureAwait(false);
            if (done != sender) Abort("closing took too long");
        }

        public void Abort(string reason)
        {
            Ended(reason);
            cancel.Cancel();
            ws.Abort();
        }

        public void Dispose()
        {
            cancel.Cancel();
            ws.Dispose();
            cancel.Dispose();
        }

        void Post(Outgoing item)
        {
            outbox.Enqueue(item);
            pending.Release();
        }

        async Task SendLoop()
        {
            try
            {
                while (true)
                {
                    await pending.WaitAsync(cancel.Token).ConfigureAwait(false);
                    Outgoing item;
                    if (!outbox.TryDequeue(out item)) continue;
                    if (item.Close)
                    {
                        await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cancel.Token).ConfigureAwait(false);
                        return;
                    }
                    await ws.SendAsync(new ArraySegment<byte>(item.Data), item.Kind, true, cancel.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e)
            {
                // A failed send means the socket is gone; aborting ends the receive loop too.
                Abort("sending failed: " + Describe(e));
            }
        }

        void Ended(string reason)
        {
            if (CloseReason == null) CloseReason = reason;
        }

        static string Describe(Exception e)
        {
            var inner = e;
            while (inner.InnerException != null) inner = inner.InnerException;
            return inner == e ? e.Message : e.Message + " (" + inner.Message + ")";
        }
    }
}
