// A conversation with one character that survives lost connections.
//
// Start() runs a loop in the background: connect, send `start`, wait for `ready`, receive
// until the connection ends, wait (backing off), and do it again with a new session. The
// audio header and the binary frame after it are raised together as one SpeechChunk.
//
// Events are raised through Dispatch: by default on the receive thread; a game engine sets
// Dispatch to queue them for its main thread.

using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Npc.Client
{
    public sealed class NpcSession : IDisposable
    {
        public event Action<Ready> OnReady;
        public event Action<int> OnSpeechStarted; // the player started speaking: stop playback
        public event Action<TurnStarted> OnTurnStarted; // a typed line or a reacting event opened a turn
        public event Action<Transcript> OnTranscript;
        public event Action<ReplyText> OnReplyText;
        public event Action<SpeechChunk> OnAudio;
        public event Action<EmotionMessage> OnEmotion;
        public event Action<ActionCall> OnAction;
        public event Action<Interrupted> OnInterrupted;
        public event Action<TurnEnd> OnTurnEnd;
        public event Action<ErrorMessage> OnError;
        public event Action<DisconnectInfo> OnDisconnected;

        /// <summary>How events reach the game (default: called right away on the receive thread).</summary>
        public Action<Action> Dispatch = action => action();

        /// <summary>Where exceptions thrown by event handlers go (they never stop the session).</summary>
        public Action<Exception> HandlerFailed = e => Console.Error.WriteLine("npc: an event handler failed: " + e);

        readonly SessionOptions options;
        readonly Uri url; // null when options.Url is not a websocket URL (urlProblem says why)
        readonly string urlProblem;
        readonly CancellationTokenSource stopping = new CancellationTokenSource();
        readonly SemaphoreSlim wake = new SemaphoreSlim(0); // the game talks again after an idle close
        readonly object gate = new object();
        readonly List<string> keptForNextSession = new List<string>();
        readonly HashSet<string> actionIds = new HashSet<string>();
        Connection connection;
        Ready ready;
        Scene scene;
        bool refused;
        bool dormant; // the server closed the session for idleness
        double? retryAfterS; // a busy server's word on when to come back
        string fatalError; // the fatal error before a close says more than the close code
        Task loop;

        public NpcSession(SessionOptions options)
        {
            this.options = options;
            url = ServerUrl.Normalize(options.Url, out urlProblem); // a bad URL is reported by Start, not thrown
            scene = options.Scene;
        }

        /// <summary>The current session's `ready`, or null while (re)connecting.</summary>
        public Ready Current
        {
            get { lock (gate) return ready; }
        }

        public bool IsReady
        {
            get { return Current != null; }
        }

        /// <summary>Completes when the session stops for good (Dispose, refusal, or no Reconnect).</summary>
        public Task Completion
        {
            get { return loop ?? Task.FromResult(true); }
        }

        public void Start()
        {
            if (loop != null) throw new InvalidOperationException("the session has already started");
            if (url == null)
            {
                refused = true;
                Raise(OnDisconnected, new DisconnectInfo { Reason = urlProblem, WillReconnect = false });
                loop = Task.FromResult(true);
                return;
            }
            loop = Task.Run(RunAsync);
        }

        // -- sending ---------------------------------------------------------------------

        /// <summary>Say a typed line. While reconnecting it is kept and sent to the next session.</summary>
        public bool Say(string text)
        {
            return SendOrKeep(ClientMessages.Text(text));
        }

        /// <summary>A game event; react asks the character to respond now. Kept while reconnecting.</summary>
        public bool SendEvent(string text, bool react)
        {
            return SendOrKeep(ClientMessages.Event(text, react));
        }

        /// <summary>Microphone audio: 16 kHz PCM16 (see PcmFramer). Dropped while reconnecting.</summary>
        public bool SendAudio(byte[] pcm16)
        {
            WakeIfDormant(); // the player speaks again
            return SendNow(c => c.Send(pcm16));
        }

        /// <summary>The player released push-to-talk.</summary>
        public bool EndTurn()
        {
            return SendNow(c => c.Send(ClientMessages.EndTurn()));
        }

        /// <summary>Stop the character's reply; playedMs is how much of its audio was heard.</summary>
        public bool Interrupt(double? playedMs)
        {
            return SendNow(c => c.Send(ClientMessages.Interrupt(playedMs)));
        }

        /// <summary>Change the scene; lists left null keep their value. New sessions start with it.</summary>
        public bool SetScene(Scene update)
        {
            lock (gate) scene = scene == null ? update : scene.MergedWith(update);
            return SendNow(c => c.Send(ClientMessages.SceneUpdate(update)));
        }

        /// <summary>Report an action's outcome; false if it belonged to a session that has ended.</summary>
        public bool ReportActionResult(string actionId, bool ok, string detail = "")
        {
            lock (gate)
            {
                if (!actionIds.Contains(actionId)) return false;
                actionIds.Remove(actionId);
            }
            return SendNow(c => c.Send(ClientMessages.ActionResult(actionId, ok, detail)));
        }

        bool SendNow(Action<Connection> send)
        {
            lock (gate)
            {
                if (ready == null || connection == null) return false;
                send(connection);
                return true;
            }
        }

        bool SendOrKeep(string json)
        {
            lock (gate)
            {
                if (ready != null && connection != null)
                {
                    connection.Send(json);
                    return true;
                }
                keptForNextSession.Add(json);
            }
            WakeIfDormant();
            return false;
        }

        void WakeIfDormant()
        {
            lock (gate)
            {
                if (!dormant) return;
                dormant = false;
            }
            wake.Release();
        }

        // -- the connection loop ---------------------------------------------------------------

        async Task RunAsync()
        {
            var attempt = 0;
            while (!stopping.IsCancellationRequested)
            {
                var c = new Connection(options.Token, stopping.Token);
                fatalError = null;
                var hadSession = false;
                string reason;
                try
                {
                    string start;
                    lock (gate)
                    {
                        connection = c;
                        start = ClientMessages.Start(options, scene);
                    }
                    using (var readyTimer = new CancellationTokenSource(options.ReadyTimeout))
                    using (readyTimer.Token.Register(() => { if (Current == null) c.Abort("no `ready` within " + options.ReadyTimeout.TotalSeconds + " s"); }))
                    {
                        await c.OpenAsync(url, start).ConfigureAwait(false);
                        await ReceiveAsync(c).ConfigureAwait(false);
                    }
                    reason = fatalError ?? c.CloseReason ?? "the connection ended";
                }
                catch (Exception e)
                {
                    reason = fatalError ?? c.CloseReason ?? "cannot connect to " + url + ": " + Innermost(e);
                }
                finally
                {
                    lock (gate)
                    {
                        hadSession = ready != null;
                        ready = null;
                        connection = null;
                        actionIds.Clear();
                    }
                    c.Dispose();
                }
                if (stopping.IsCancellationRequested) break;
                if (hadSession) attempt = 0;
                bool sleeping;
                lock (gate) sleeping = dormant;
                while (!sleeping && wake.CurrentCount > 0) wake.Wait(0); // a wake that raced the close
                if (sleeping)
                {
                    // Idle close: a new session only when the game talks again, never on a timer.
                    Raise(OnDisconnected, new DisconnectInfo { Reason = reason, HadSession = hadSession, Dormant = true });
                    try
                    {
                        await wake.WaitAsync(stopping.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    attempt = 0;
                    continue;
                }
                var retry = options.Reconnect && !refused;
                var delays = options.ReconnectDelaysMs;
                var delay = delays.Length == 0 ? 1000 : delays[Math.Min(attempt, delays.Length - 1)];
                if (retryAfterS.HasValue) delay = Math.Max(delay, (int)(retryAfterS.Value * 1000));
                retryAfterS = null;
                attempt++;
                Raise(OnDisconnected, new DisconnectInfo { Reason = reason, HadSession = hadSession, WillReconnect = retry, RetryInMs = delay, Attempt = attempt });
                if (!retry) break;
                try
                {
                    await Task.Delay(delay, stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        async Task ReceiveAsync(Connection c)
        {
            AudioHeader awaiting = null; // an audio header whose binary frame comes next
            while (true)
            {
                var frame = await c.ReceiveAsync().ConfigureAwait(false);
                if (frame == null) return;
                if (frame.Binary)
                {
                    if (awaiting == null) LocalError("binary audio arrived without an audio header");
                    else Raise(OnAudio, new SpeechChunk(awaiting, frame.Data));
                    awaiting = null;
                    continue;
                }
                if (awaiting != null)
                {
                    LocalError("an audio header's binary frame never came");
                    awaiting = null;
                }
                ServerMessage msg;
                try
                {
                    msg = ServerMessage.Parse(frame.Text);
                }
                catch (JsonException e)
                {
                    LocalError("the server sent bad JSON: " + e.Message);
                    continue;
                }
                var audio = msg as AudioHeader;
                if (audio != null && audio.Data == null && audio.Bytes > 0) awaiting = audio;
                else if (!Handle(c, msg)) return;
            }
        }

        /// <summary>Raise the message's event; false when this connection should end.</summary>
        bool Handle(Connection c, ServerMessage msg)
        {
            switch (msg.Type)
            {
                case "ready":
                    var r = (Ready)msg;
                    lock (gate)
                    {
                        ready = r;
                        foreach (var json in keptForNextSession) c.Send(json);
                        keptForNextSession.Clear();
                    }
                    Raise(OnReady, r);
                    return true;
                case "error":
                    var error = (ErrorMessage)msg;
                    Raise(OnError, error);
                    if (Current == null && !error.Fatal)
                    {
                        // The server refused our `start`; the same start would be refused again.
                        refused = true;
                        c.Abort("the server refused the session: " + error);
                        return false;
                    }
                    if (error.Fatal)
                    {
                        fatalError = error.ToString();
                        if (error.RetryAfterS.HasValue) retryAfterS = error.RetryAfterS;
                        if (error.Code == "idle_timeout") lock (gate) dormant = true;
                    }
                    return true;
                case "audio":
                    var header = (AudioHeader)msg;
                    var pcm = header.Data == null ? new byte[0] : Convert.FromBase64String(header.Data);
                    Raise(OnAudio, new SpeechChunk(header, pcm));
                    return true;
                case "action":
                    var action = (ActionCall)msg;
                    lock (gate) actionIds.Add(action.ActionId);
                    Raise(OnAction, action);
                    return true;
                case "speech_started": Raise(OnSpeechStarted, msg.TurnId); return true;
                case "turn_started": Raise(OnTurnStarted, (TurnStarted)msg); return true;
                case "transcript": Raise(OnTranscript, (Transcript)msg); return true;
                case "reply_text": Raise(OnReplyText, (ReplyText)msg); return true;
                case "emotion": Raise(OnEmotion, (EmotionMessage)msg); return true;
                case "interrupted": Raise(OnInterrupted, (Interrupted)msg); return true;
                case "turn_end": Raise(OnTurnEnd, (TurnEnd)msg); return true;
                default: return true; // a newer server's message: ignore it
            }
        }

        void LocalError(string message)
        {
            Raise(OnError, new ErrorMessage("client_protocol", message));
        }

        void Raise<T>(Action<T> handler, T arg)
        {
            if (handler == null) return;
            Dispatch(() =>
            {
                try
                {
                    handler(arg);
                }
                catch (Exception e)
                {
                    HandlerFailed(e);
                }
            });
        }

        // -- stopping --------------------------------------------------------------------------

        /// <summary>End the session politely (`end`, then a close frame) and stop reconnecting.</summary>
        public async Task StopAsync(TimeSpan timeout)
        {
            Connection c;
            lock (gate)
            {
                c = connection;
                if (ready != null && c != null) c.Send(ClientMessages.End());
            }
            if (c != null) await c.CloseAsync(timeout).ConfigureAwait(false);
            stopping.Cancel();
            if (loop != null) await Task.WhenAny(loop, Task.Delay(timeout)).ConfigureAwait(false);
        }

        public void Dispose()
        {
            try
            {
                StopAsync(TimeSpan.FromSeconds(2)).Wait();
            }
            catch (AggregateException)
            {
                // already closed or broken: nothing left to stop
            }
        }

        static string Innermost(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e.Message;
        }
    }
}
