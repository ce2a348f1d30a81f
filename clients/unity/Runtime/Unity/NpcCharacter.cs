using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using Npc.Client;
using UnityEngine;
using UnityEngine.Events;

namespace Npc.Unity
{
    [Serializable] public sealed class NpcActionEvent : UnityEvent<ActionCall> { }
    [Serializable] public sealed class NpcEmotionEvent : UnityEvent<string, float> { }
    [Serializable] public sealed class NpcTranscriptEvent : UnityEvent<string, bool> { }
    [Serializable] public sealed class NpcTextEvent : UnityEvent<string> { }

    /// <summary>
    /// A character served by `npc serve`: streams the microphone, plays the replies through a
    /// child "npc voice" AudioSource that copies this GameObject's AudioSource settings (3D
    /// panning and distance included; the character's own source stays free for other sounds),
    /// moves the face's blendshapes with the visemes after the Animator (LateUpdate), and
    /// raises UnityEvents for actions and emotions. Reconnects by itself.
    /// </summary>
    [RequireComponent(typeof(AudioSource))]
    [AddComponentMenu("npc/NPC Character")]
    [DefaultExecutionOrder(100)] // LateUpdate after the Animator and most game scripts
    public sealed class NpcCharacter : MonoBehaviour
    {
        [Header("Server")]
        public string serverUrl = "ws://127.0.0.1:8765/";
        [Tooltip("Needed when the server listens beyond localhost.")]
        public string token = "";
        public string characterId = "jin";
        public string playerId = "player";
        public string playerName = "";

        [Header("Microphone")]
        public bool streamMicrophone = true;
        [Tooltip("Empty: the default microphone.")]
        public string microphoneDevice = "";
        [Tooltip("Unity has no echo cancellation: through speakers the character would hear itself " +
                 "and stop. While it speaks the microphone sends silence. Turn off with headphones to " +
                 "let the player interrupt by speaking.")]
        public bool muteMicrophoneWhileSpeaking = true;

        [Header("Face")]
        public SkinnedMeshRenderer face;
        public VisemeBlendshapes visemeBlendshapes = new VisemeBlendshapes();
        [Range(0, 200)] public float visemeFadeMs = 60;
        [Tooltip("Eases the blendshapes (seconds); hides the audio callback's step from frame to frame.")]
        [Range(0, 0.2f)] public float smoothing = 0.03f;

        [Header("Events")]
        [Tooltip("Do the action in the game, then call ReportActionResult with its ActionId.")]
        public NpcActionEvent onAction = new NpcActionEvent();
        public NpcEmotionEvent onEmotion = new NpcEmotionEvent();
        [Tooltip("The player's words: (text, final).")]
        public NpcTranscriptEvent onTranscript = new NpcTranscriptEvent();
        [Tooltip("The reply's text, piece by piece as it is generated.")]
        public NpcTextEvent onReplyText = new NpcTextEvent();
        public UnityEvent onTurnEnd = new UnityEvent();
        public NpcTextEvent onError = new NpcTextEvent();
        [Tooltip("A session is ready (the character's name); after a reconnection too.")]
        public NpcTextEvent onConnected = new NpcTextEvent();
        [Tooltip("The connection was lost (why, and when the next attempt is).")]
        public NpcTextEvent onConnectionLost = new NpcTextEvent();

        readonly ConcurrentQueue<Action> mainThread = new ConcurrentQueue<Action>();
        readonly float[] target = new float[Visemes.Count];
        readonly float[] shown = new float[Visemes.Count];
        NpcSession session;
        SpeechPlayback playback; // read on the audio thread, fed on the main thread
        AudioSource voice;
        MicrophoneStream microphone;
        int staleBefore; // audio of older turns was interrupted: drop it

        public bool IsConnected
        {
            get { return session != null && session.IsReady; }
        }

        public bool IsSpeaking
        {
            get { return playback != null && playback.IsPlaying; }
        }

        /// <summary>Visemes the face can show (0: the mouth will not move; On Error says why).</summary>
        public int MappedVisemes
        {
            get { return visemeBlendshapes.VisemesMapped; }
        }

        // -- what the game calls -----------------------------------------------------------------

        /// <summary>Say a typed line (kept for the next session while reconnecting).</summary>
        public void Say(string text)
        {
            if (session != null && !string.IsNullOrWhiteSpace(text)) session.Say(text.Trim());
        }

        /// <summary>Tell the character something happened; react asks it to respond now.</summary>
        public void SendGameEvent(string text, bool react)
        {
            if (session != null) session.SendEvent(text, react);
        }

        /// <summary>Update the scene; pass null to keep a list as it is.</summary>
        public void SetScene(IList<string> objects, IList<string> locations, IList<string> characters)
        {
            if (session == null) return;
            session.SetScene(new Scene
            {
                Objects = objects == null ? null : new List<string>(objects),
                Locations = locations == null ? null : new List<string>(locations),
                Characters = characters == null ? null : new List<string>(characters),
            });
        }

        /// <summary>Report how an action went; false if its session has ended since.</summary>
        public bool ReportActionResult(string actionId, bool ok, string detail = "")
        {
            return session != null && session.ReportActionResult(actionId, ok, detail);
        }

        /// <summary>Stop the character now: silence locally, then tell the server what was heard.</summary>
        public void Interrupt()
        {
            if (playback == null) return;
            var turn = playback.CurrentTurnId;
            double? played = turn >= 0 ? playback.PlayedMs(turn) : (double?)null;
            playback.Stop();
            if (turn >= 0) staleBefore = Math.Max(staleBefore, turn + 1);
            if (session != null) session.Interrupt(played);
        }

        /// <summary>With push-to-talk servers: the player let go of the talk key.</summary>
        public void EndTurn()
        {
            if (session != null) session.EndTurn();
        }

        public void SetMicrophone(bool on)
        {
            streamMicrophone = on;
            if (on && isActiveAndEnabled) StartMicrophone();
            else StopMicrophone();
        }

        [ContextMenu("Bind the face's blendshapes")]
        public void BindFace()
        {
            if (face == null) return;
            if (face.sharedMesh == null)
            {
                ReportFaceProblem("the face " + face.name + " has no mesh");
                return;
            }
            var mapped = visemeBlendshapes.Bind(face.sharedMesh);
            if (mapped == 0) ReportFaceProblem("no viseme blendshape found on " + face.name + ": " + visemeBlendshapes.Description);
            else Debug.Log("npc: face " + face.name + ", " + visemeBlendshapes.Description, this);
        }

        void ReportFaceProblem(string problem)
        {
            Debug.LogError("npc: " + problem + " (pick the rig, or fill Viseme Blendshapes > Indices)", this);
            onError.Invoke("face: " + problem);
        }

        // -- Unity messages ------------------------------------------------------------------------

        void OnEnable()
        {
            BindFace();
            var outputRate = AudioSettings.outputSampleRate;
            playback = new SpeechPlayback(outputRate);
            session = new NpcSession(new SessionOptions
            {
                Url = serverUrl,
                Token = token,
                Character = characterId,
                PlayerId = playerId,
                PlayerName = playerName,
                // The server resamples (well) to what the mixer plays; beyond its range we do.
                OutputSampleRate = outputRate >= 8000 && outputRate <= 48000 ? outputRate : 0,
            });
            session.Dispatch = mainThread.Enqueue;
            session.HandlerFailed = Debug.LogException;
            Subscribe(session);
            if (voice == null) voice = NpcVoiceFilter.Create(GetComponent<AudioSource>(), outputRate);
            voice.GetComponent<NpcVoiceFilter>().Playback = playback;
            if (!voice.isPlaying) voice.Play();
            session.Start(); // a bad URL is reported through On Connection Lost, never thrown
            if (streamMicrophone) StartMicrophone();
        }

        void OnDisable()
        {
            StopMicrophone();
            if (playback != null) playback.Stop();
            if (voice != null) voice.Stop();
            var ending = session;
            session = null;
            if (ending != null)
            {
                ending.Dispatch = ignoredEvent => { }; // its last events must not reach a later session
                _ = ending.StopAsync(TimeSpan.FromSeconds(2)); // closing takes a moment: do not wait
            }
            Action ignored;
            while (mainThread.TryDequeue(out ignored)) { }
        }

        void OnDestroy()
        {
            if (voice != null) Destroy(voice.gameObject);
        }

        void Update()
        {
            Action action;
            while (mainThread.TryDequeue(out action)) action();
            if (microphone != null) microphone.Pump();
        }

        // After the Animator has written its pose: an Animator that drives the same face
        // would otherwise override the lip sync.
        void LateUpdate()
        {
            ApplyVisemes();
        }

        // -- internals -------------------------------------------------------------------------------

        void Subscribe(NpcSession s)
        {
            s.OnReady += ready =>
            {
                staleBefore = 0; // turn ids start again with each session
                playback.Reset();
                onConnected.Invoke(ready.CharacterName);
            };
            s.OnSpeechStarted += turn =>
            {
                playback.Stop(); // barge-in: the player talks over the character
                staleBefore = Math.Max(staleBefore, turn);
            };
            s.OnTurnStarted += t =>
            {
                playback.Stop(); // a typed line or a reacting event: the same
                staleBefore = Math.Max(staleBefore, t.TurnId);
            };
            s.OnTranscript += t => onTranscript.Invoke(t.Text, t.Final);
            s.OnReplyText += t => onReplyText.Invoke(t.Text);
            s.OnAudio += chunk =>
            {
                if (chunk.TurnId >= staleBefore) playback.Enqueue(chunk);
            };
            s.OnEmotion += e => onEmotion.Invoke(e.Emotion, e.Intensity);
            s.OnAction += a => onAction.Invoke(a);
            s.OnInterrupted += i =>
            {
                playback.Stop();
                staleBefore = Math.Max(staleBefore, i.TurnId + 1);
            };
            s.OnTurnEnd += t => onTurnEnd.Invoke();
            s.OnError += e =>
            {
                Debug.LogWarning("npc: " + e, this);
                onError.Invoke(e.ToString());
            };
            s.OnDisconnected += d =>
            {
                playback.Stop();
                Debug.LogWarning("npc: connection lost: " + d, this);
                onConnectionLost.Invoke(d.ToString());
            };
        }

        void SendMicrophoneFrame(byte[] frame)
        {
            if (session == null) return;
            // Muted, the stream goes on as silence: the server's end-of-turn clock keeps running
            // (a turn whose audio just stops is never finished).
            if (muteMicrophoneWhileSpeaking && playback.IsPlaying) Array.Clear(frame, 0, frame.Length);
            session.SendAudio(frame);
        }

        void StartMicrophone()
        {
            if (microphone != null && microphone.IsRecording) return;
            microphone = new MicrophoneStream(microphoneDevice, SendMicrophoneFrame, lost =>
            {
                Debug.LogWarning("npc: " + lost, this);
                onError.Invoke("microphone: " + lost);
            });
            string problem;
            if (microphone.Start(out problem)) return;
            microphone = null;
            Debug.LogWarning("npc: microphone off: " + problem, this);
            onError.Invoke("microphone: " + problem);
        }

        void StopMicrophone()
        {
            if (microphone != null) microphone.Stop();
            microphone = null;
        }

        void ApplyVisemes()
        {
            if (face == null || playback == null) return;
            playback.VisemeWeights(target, visemeFadeMs);
            var k = smoothing <= 0 ? 1f : 1f - Mathf.Exp(-Time.deltaTime / smoothing);
            for (var i = 0; i < shown.Length; i++) shown[i] += (target[i] - shown[i]) * k;
            visemeBlendshapes.Apply(face, shown);
        }
    }
}
