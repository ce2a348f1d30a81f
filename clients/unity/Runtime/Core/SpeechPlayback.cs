// The character's speech, queued for an audio callback that pulls samples (Unity's
// OnAudioFilterRead, or any engine's mixer). Chunks play back to back with no gap, and the
// position in the chunk being read is the clock the visemes follow.

using System.Collections.Generic;

namespace Npc.Client
{
    public sealed class SpeechPlayback
    {
        sealed class Entry
        {
            public int TurnId;
            public float[] Samples;
            public VisemeTimeline Timeline;
        }

        readonly object gate = new object(); // the audio thread reads, the game thread adds
        readonly Queue<Entry> queue = new Queue<Entry>();
        readonly Dictionary<int, long> finishedSamples = new Dictionary<int, long>();
        Entry current;
        int position;

        public SpeechPlayback(int outputRate)
        {
            OutputRate = outputRate;
        }

        public int OutputRate { get; private set; }

        /// <summary>Queue a chunk (resampled here only if the server did not send OutputRate).</summary>
        public void Enqueue(SpeechChunk chunk)
        {
            var samples = Pcm16.Resample(Pcm16.ToFloats(chunk.Pcm), chunk.SampleRate, OutputRate);
            if (samples.Length == 0) return;
            var entry = new Entry { TurnId = chunk.TurnId, Samples = samples, Timeline = new VisemeTimeline(chunk.Visemes) };
            lock (gate) queue.Enqueue(entry);
        }

        /// <summary>Fill an interleaved buffer (overwriting it); silence when nothing is queued.</summary>
        public void Read(float[] data, int channels)
        {
            Pull(data, channels, false);
        }

        /// <summary>
        /// Multiply an interleaved buffer by the speech. Fed a constant 1.0 clip, an engine's
        /// source hands its filter the gain it applies to each channel (volume, distance,
        /// 3D panning); multiplying keeps all of it for the voice.
        /// </summary>
        public void MixInto(float[] data, int channels)
        {
            Pull(data, channels, true);
        }

        void Pull(float[] data, int channels, bool multiply)
        {
            lock (gate)
            {
                var frames = data.Length / channels;
                for (var f = 0; f < frames; f++)
                {
                    float sample = 0;
                    if (current == null && queue.Count > 0)
                    {
                        current = queue.Dequeue();
                        position = 0;
                    }
                    if (current != null)
                    {
                        sample = current.Samples[position++];
                        if (position >= current.Samples.Length) Finish();
                    }
                    for (var c = 0; c < channels; c++)
                    {
                        var i = f * channels + c;
                        data[i] = multiply ? data[i] * sample : sample;
                    }
                }
            }
        }

        public bool IsPlaying
        {
            get { lock (gate) return current != null || queue.Count > 0; }
        }

        /// <summary>The turn being heard now, or -1.</summary>
        public int CurrentTurnId
        {
            get
            {
                lock (gate)
                {
                    if (current != null) return current.TurnId;
                    return queue.Count > 0 ? queue.Peek().TurnId : -1;
                }
            }
        }

        /// <summary>How much of a turn's speech has been played (for `interrupt`'s played_ms).</summary>
        public double PlayedMs(int turnId)
        {
            lock (gate)
            {
                long samples;
                finishedSamples.TryGetValue(turnId, out samples);
                if (current != null && current.TurnId == turnId) samples += position;
                return samples * 1000.0 / OutputRate;
            }
        }

        /// <summary>Drop everything queued and playing (interrupt, barge-in, lost connection).</summary>
        public void Stop()
        {
            lock (gate)
            {
                queue.Clear();
                current = null;
                position = 0;
            }
        }

        /// <summary>Forget played-time bookkeeping (turn ids restart with each new session).</summary>
        public void Reset()
        {
            lock (gate)
            {
                Stop();
                finishedSamples.Clear();
            }
        }

        /// <summary>Viseme weights for what is being heard; false (and sil) when silent.</summary>
        public bool VisemeWeights(float[] weights, double fadeMs = 50)
        {
            lock (gate)
            {
                if (current == null)
                {
                    System.Array.Clear(weights, 0, weights.Length);
                    weights[0] = 1;
                    return false;
                }
                current.Timeline.Weights(position * 1000.0 / OutputRate, weights, fadeMs);
                return true;
            }
        }

        void Finish()
        {
            long done;
            finishedSamples.TryGetValue(current.TurnId, out done);
            finishedSamples[current.TurnId] = done + current.Samples.Length;
            current = null;
        }
    }
}
