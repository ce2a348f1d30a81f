// The 15 Oculus visemes (docs/visemes.md) and a timeline that answers "which viseme weights
// at time t" for one speech chunk, cross-fading at each change like the server's
// per-frame weights (npc.visemes.frames).

using System;
using System.Collections.Generic;

namespace Npc.Client
{
    public static class Visemes
    {
        public const int Count = 15;

        /// <summary>Viseme names in the protocol's order; the index is the blendshape slot.</summary>
        public static readonly string[] Names =
        {
            "sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou",
        };

        public static int IndexOf(string name)
        {
            return Array.IndexOf(Names, name);
        }
    }

    public sealed class VisemeTimeline
    {
        readonly List<Viseme> track;
        int last; // playback moves forward, so the search starts where the last one ended

        public VisemeTimeline(List<Viseme> track)
        {
            this.track = track ?? new List<Viseme>();
        }

        public double EndMs
        {
            get { return track.Count == 0 ? 0 : track[track.Count - 1].StartMs + track[track.Count - 1].DurationMs; }
        }

        /// <summary>The index into the track at tMs, or -1 outside it.</summary>
        public int Find(double tMs)
        {
            if (track.Count == 0 || tMs < track[0].StartMs || tMs >= EndMs) return -1;
            if (last >= track.Count || track[last].StartMs > tMs) last = 0;
            while (last < track.Count - 1 && track[last].StartMs + track[last].DurationMs <= tMs) last++;
            return last;
        }

        /// <summary>
        /// Fill weights (Visemes.Count floats, 0..1, summing to 1) for tMs into the chunk.
        /// Around each change the two shapes cross-fade over fadeMs, shortened to half of a
        /// short neighbour so a quick PP still closes the lips. Outside the track: sil.
        /// </summary>
        public void Weights(double tMs, float[] weights, double fadeMs = 50)
        {
            Array.Clear(weights, 0, weights.Length);
            var i = Find(tMs);
            if (i < 0)
            {
                weights[0] = 1;
                return;
            }
            var v = track[i];
            double current = 1;
            if (i > 0)
            {
                var h = HalfFade(track[i - 1], v, fadeMs);
                if (h > 0 && tMs < v.StartMs + h)
                {
                    current = (tMs - (v.StartMs - h)) / (2 * h);
                    Add(weights, track[i - 1], 1 - current);
                }
            }
            if (i < track.Count - 1)
            {
                var next = track[i + 1];
                var h = HalfFade(v, next, fadeMs);
                var end = v.StartMs + v.DurationMs;
                if (h > 0 && tMs > end - h)
                {
                    var incoming = (tMs - (end - h)) / (2 * h);
                    Add(weights, next, incoming);
                    current = 1 - incoming;
                }
            }
            Add(weights, v, current);
        }

        static double HalfFade(Viseme a, Viseme b, double fadeMs)
        {
            return Math.Max(0, Math.Min(fadeMs / 2, Math.Min(a.DurationMs, b.DurationMs) / 2));
        }

        static void Add(float[] weights, Viseme v, double w)
        {
            var index = v.Index >= 0 ? v.Index : 0; // unknown shapes rest the mouth
            weights[index] += (float)w;
        }
    }
}
