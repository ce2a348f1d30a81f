using System;
using System.Collections.Generic;
using Npc.Client;
using UnityEngine;

namespace Npc.Unity
{
    /// <summary>Which blendshapes of the face make each viseme: a rig table bound by name, or 15 indices by hand.</summary>
    [Serializable]
    public sealed class VisemeBlendshapes
    {
        [Tooltip("Auto: the rig whose blendshapes the face has most of (OVR viseme_*, ARKit, MetaHuman, VRM A I U E O).")]
        public VisemeRigKind rig = VisemeRigKind.Auto;

        [Tooltip("OVR rigs: the prefix of the viseme blendshapes (viseme_PP ...).")]
        public string ovrPrefix = "viseme_";

        [Tooltip("Optional, by hand: a blendshape index per viseme in the order sil PP FF TH DD kk CH SS nn RR aa E ih oh ou (-1 for none). Used instead of the rig when any is set.")]
        public int[] indices = { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 };

        [Tooltip("The blendshape weight of a fully shown shape (Unity's blendshapes go to 100).")]
        public float fullWeight = 100f;

        FaceBinding binding;
        float[] shapeWeights;
        List<int> driven;

        /// <summary>How the face was bound (rig, visemes mapped, shapes missing), for logs and errors.</summary>
        public string Description { get; private set; }

        public int VisemesMapped { get; private set; }

        bool ByHand
        {
            get { return indices != null && Array.Exists(indices, i => i >= 0); }
        }

        /// <summary>Bind to the mesh's blendshape names; returns the number of visemes mapped.</summary>
        public int Bind(Mesh mesh)
        {
            var names = new List<string>();
            for (var i = 0; i < mesh.blendShapeCount; i++) names.Add(mesh.GetBlendShapeName(i));
            if (ByHand)
            {
                binding = null;
                VisemesMapped = 0;
                foreach (var i in indices) if (i >= 0 && i < names.Count) VisemesMapped++;
                Description = "by hand: " + VisemesMapped + " of 15 visemes mapped";
            }
            else
            {
                binding = rig == VisemeRigKind.Auto ? FaceBinding.Best(names, ovrPrefix) : new FaceBinding(VisemeRig.For(rig, ovrPrefix), names);
                VisemesMapped = binding.VisemesMapped;
                Description = binding.ToString();
                driven = binding.DrivenShapes();
            }
            shapeWeights = new float[names.Count];
            return VisemesMapped;
        }

        /// <summary>Set the face's blendshapes from 15 viseme weights (0..1).</summary>
        public void Apply(SkinnedMeshRenderer face, float[] visemeWeights)
        {
            if (face == null || shapeWeights == null) return;
            var count = face.sharedMesh != null ? face.sharedMesh.blendShapeCount : 0;
            if (binding == null)
            {
                for (var v = 0; v < indices.Length && v < visemeWeights.Length; v++)
                    if (indices[v] >= 0 && indices[v] < count) face.SetBlendShapeWeight(indices[v], visemeWeights[v] * fullWeight);
                return;
            }
            binding.Weights(visemeWeights, shapeWeights);
            foreach (var i in driven)
                if (i < count) face.SetBlendShapeWeight(i, shapeWeights[i] * fullWeight);
        }
    }
}
