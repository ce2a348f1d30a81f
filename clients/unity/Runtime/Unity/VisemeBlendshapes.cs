using System;
using Npc.Client;
using UnityEngine;

namespace Npc.Unity
{
    /// <summary>Which blendshape of the face shows each of the 15 visemes (-1: none).</summary>
    [Serializable]
    public sealed class VisemeBlendshapes
    {
        [Tooltip("Blendshape index for each viseme, in order: sil PP FF TH DD kk CH SS nn RR aa E ih oh ou. -1 for none.")]
        public int[] indices = { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 };

        [Tooltip("The blendshape weight of a fully shown viseme (Unity's blendshapes go to 100).")]
        public float fullWeight = 100f;

        // Ready Player Me and some Oculus rigs name the last three visemes I, O and U.
        static readonly string[][] Aliases =
        {
            new[] { "sil" }, new[] { "PP" }, new[] { "FF" }, new[] { "TH" }, new[] { "DD" },
            new[] { "kk" }, new[] { "CH" }, new[] { "SS" }, new[] { "nn" }, new[] { "RR" },
            new[] { "aa" }, new[] { "E" }, new[] { "ih", "I" }, new[] { "oh", "O" }, new[] { "ou", "U" },
        };

        public bool IsEmpty
        {
            get { return indices == null || Array.TrueForAll(indices, i => i < 0); }
        }

        /// <summary>Fill the table from blendshape names such as "viseme_PP" (or "PP").</summary>
        public int FindByName(Mesh mesh, string prefix = "viseme_")
        {
            if (indices == null || indices.Length != Visemes.Count) indices = new int[Visemes.Count];
            var found = 0;
            for (var v = 0; v < Visemes.Count; v++)
            {
                indices[v] = -1;
                foreach (var name in Aliases[v])
                {
                    var index = Find(mesh, prefix + name);
                    if (index < 0) index = Find(mesh, name);
                    if (index < 0) continue;
                    indices[v] = index;
                    found++;
                    break;
                }
            }
            return found;
        }

        /// <summary>Set each mapped blendshape to its viseme's weight (0..1).</summary>
        public void Apply(SkinnedMeshRenderer face, float[] weights)
        {
            if (face == null || indices == null) return;
            var count = face.sharedMesh != null ? face.sharedMesh.blendShapeCount : 0;
            for (var v = 0; v < indices.Length && v < weights.Length; v++)
            {
                var index = indices[v];
                if (index >= 0 && index < count) face.SetBlendShapeWeight(index, weights[v] * fullWeight);
            }
        }

        static int Find(Mesh mesh, string name)
        {
            for (var i = 0; i < mesh.blendShapeCount; i++)
                if (string.Equals(mesh.GetBlendShapeName(i), name, StringComparison.OrdinalIgnoreCase)) return i;
            return -1;
        }
    }
}
