// Which blendshapes make each viseme's mouth, for the common face rigs, and the binding of
// such a table to a mesh's blendshape names. The same tables as the Unreal plugin's
// (clients/unreal/.../Core/npc/Visemes.cpp); docs/visemes.md lists them once for both.

using System;
using System.Collections.Generic;

namespace Npc.Client
{
    public enum VisemeRigKind
    {
        Auto,      // the rig whose blendshapes the mesh has most of
        Ovr,       // one blendshape per viseme: viseme_sil ... viseme_ou (Oculus, Ready Player Me)
        Arkit,     // ARKit's 52 blendshapes (jawOpen, mouthFunnel, ...)
        MetaHuman, // CTRL_expressions_* (MetaHuman faces exported from Unreal)
        Vrm,       // VRM's vowels A I U E O
    }

    /// <summary>A blendshape and how much of it one viseme shows.</summary>
    public struct ShapeWeight
    {
        public string Shape;
        public float Weight;

        public ShapeWeight(string shape, float weight)
        {
            Shape = shape;
            Weight = weight;
        }
    }

    public sealed class VisemeRig
    {
        public readonly VisemeRigKind Kind;
        /// <summary>For each viseme (in Visemes.Names order), its shapes; sil is the rest pose.</summary>
        public readonly ShapeWeight[][] Shapes;

        VisemeRig(VisemeRigKind kind, ShapeWeight[][] shapes)
        {
            Kind = kind;
            Shapes = shapes;
        }

        public static readonly VisemeRigKind[] Known = { VisemeRigKind.Ovr, VisemeRigKind.Arkit, VisemeRigKind.MetaHuman, VisemeRigKind.Vrm };

        public static VisemeRig For(VisemeRigKind kind, string ovrPrefix = "viseme_")
        {
            switch (kind)
            {
                case VisemeRigKind.Ovr: return Ovr(ovrPrefix);
                case VisemeRigKind.Arkit: return Arkit();
                case VisemeRigKind.MetaHuman: return MetaHuman();
                case VisemeRigKind.Vrm: return Vrm();
                default: throw new ArgumentException("pick a rig, or bind with VisemeRigKind.Auto through FaceBinding.Best", "kind");
            }
        }

        /// <summary>Every blendshape name the rig uses.</summary>
        public List<string> ShapeNames()
        {
            var names = new List<string>();
            foreach (var shape in Shapes)
                foreach (var s in shape)
                    if (!names.Contains(s.Shape)) names.Add(s.Shape);
            return names;
        }

        static ShapeWeight[][] Empty()
        {
            var shapes = new ShapeWeight[Visemes.Count][];
            for (var i = 0; i < shapes.Length; i++) shapes[i] = new ShapeWeight[0];
            return shapes;
        }

        static ShapeWeight W(string shape, float weight) { return new ShapeWeight(shape, weight); }

        static ShapeWeight[] Both(string left, string right, float weight, params ShapeWeight[] more)
        {
            var all = new List<ShapeWeight> { W(left, weight), W(right, weight) };
            all.AddRange(more);
            return all.ToArray();
        }

        static ShapeWeight[] Join(params ShapeWeight[][] parts)
        {
            var all = new List<ShapeWeight>();
            foreach (var p in parts) all.AddRange(p);
            return all.ToArray();
        }

        static ShapeWeight[] Quad(string stem, float weight)
        {
            return new[] { W(stem + "UL", weight), W(stem + "UR", weight), W(stem + "DL", weight), W(stem + "DR", weight) };
        }

        static VisemeRig Ovr(string prefix)
        {
            var s = Empty();
            for (var i = 1; i < Visemes.Count; i++) s[i] = new[] { W(prefix + Visemes.Names[i], 1) };
            return new VisemeRig(VisemeRigKind.Ovr, s);
        }

        // Indices: sil 0, PP 1, FF 2, TH 3, DD 4, kk 5, CH 6, SS 7, nn 8, RR 9, aa 10, E 11, ih 12, oh 13, ou 14.
        static VisemeRig Arkit()
        {
            var s = Empty();
            s[1] = Both("mouthPressLeft", "mouthPressRight", 0.5f, W("mouthClose", 0.3f), W("mouthRollLower", 0.3f), W("mouthRollUpper", 0.2f));
            s[2] = Both("mouthUpperUpLeft", "mouthUpperUpRight", 0.25f, W("mouthRollLower", 0.6f), W("jawOpen", 0.08f));
            s[3] = Both("mouthStretchLeft", "mouthStretchRight", 0.1f, W("jawOpen", 0.15f), W("tongueOut", 0.4f));
            s[4] = Both("mouthStretchLeft", "mouthStretchRight", 0.2f, W("jawOpen", 0.2f));
            s[5] = Both("mouthStretchLeft", "mouthStretchRight", 0.15f, W("jawOpen", 0.25f));
            s[6] = new[] { W("mouthFunnel", 0.5f), W("mouthPucker", 0.3f), W("jawOpen", 0.15f) };
            s[7] = Join(Both("mouthStretchLeft", "mouthStretchRight", 0.4f, W("jawOpen", 0.05f)), Both("mouthSmileLeft", "mouthSmileRight", 0.2f));
            s[8] = Both("mouthStretchLeft", "mouthStretchRight", 0.1f, W("jawOpen", 0.15f));
            s[9] = new[] { W("mouthFunnel", 0.3f), W("mouthPucker", 0.3f), W("jawOpen", 0.2f) };
            s[10] = Both("mouthLowerDownLeft", "mouthLowerDownRight", 0.3f, W("jawOpen", 0.7f));
            s[11] = Both("mouthStretchLeft", "mouthStretchRight", 0.4f, W("jawOpen", 0.4f));
            s[12] = Join(Both("mouthSmileLeft", "mouthSmileRight", 0.35f, W("jawOpen", 0.2f)), Both("mouthStretchLeft", "mouthStretchRight", 0.2f));
            s[13] = new[] { W("jawOpen", 0.5f), W("mouthFunnel", 0.6f) };
            s[14] = new[] { W("jawOpen", 0.15f), W("mouthPucker", 0.8f), W("mouthFunnel", 0.3f) };
            return new VisemeRig(VisemeRigKind.Arkit, s);
        }

        static VisemeRig MetaHuman()
        {
            const string c = "CTRL_expressions_";
            var s = Empty();
            s[1] = Join(Quad(c + "mouthLipsTogether", 0.8f), Quad(c + "mouthPress", 0.3f));
            s[2] = Join(Both(c + "mouthLowerLipBiteL", c + "mouthLowerLipBiteR", 0.6f, W(c + "jawOpen", 0.08f)),
                Both(c + "mouthUpperLipRaiseL", c + "mouthUpperLipRaiseR", 0.2f));
            s[3] = Both(c + "mouthStretchL", c + "mouthStretchR", 0.1f, W(c + "jawOpen", 0.15f));
            s[4] = Both(c + "mouthStretchL", c + "mouthStretchR", 0.2f, W(c + "jawOpen", 0.2f));
            s[5] = Both(c + "mouthStretchL", c + "mouthStretchR", 0.15f, W(c + "jawOpen", 0.25f));
            s[6] = Join(Quad(c + "mouthFunnel", 0.5f), Quad(c + "mouthLipsPurse", 0.3f), new[] { W(c + "jawOpen", 0.15f) });
            s[7] = Join(Both(c + "mouthStretchL", c + "mouthStretchR", 0.4f, W(c + "jawOpen", 0.05f)),
                Both(c + "mouthCornerPullL", c + "mouthCornerPullR", 0.2f));
            s[8] = Both(c + "mouthStretchL", c + "mouthStretchR", 0.1f, W(c + "jawOpen", 0.15f));
            s[9] = Join(Quad(c + "mouthFunnel", 0.3f), Quad(c + "mouthLipsPurse", 0.3f), new[] { W(c + "jawOpen", 0.2f) });
            s[10] = Both(c + "mouthLowerLipDepressL", c + "mouthLowerLipDepressR", 0.3f, W(c + "jawOpen", 0.7f));
            s[11] = Both(c + "mouthStretchL", c + "mouthStretchR", 0.4f, W(c + "jawOpen", 0.4f));
            s[12] = Join(Both(c + "mouthCornerPullL", c + "mouthCornerPullR", 0.35f, W(c + "jawOpen", 0.2f)),
                Both(c + "mouthStretchL", c + "mouthStretchR", 0.2f));
            s[13] = Join(new[] { W(c + "jawOpen", 0.5f) }, Quad(c + "mouthFunnel", 0.6f));
            s[14] = Join(new[] { W(c + "jawOpen", 0.15f) }, Quad(c + "mouthLipsPurse", 0.8f), Quad(c + "mouthFunnel", 0.3f));
            return new VisemeRig(VisemeRigKind.MetaHuman, s);
        }

        static VisemeRig Vrm()
        {
            var s = Empty();
            s[2] = new[] { W("I", 0.3f) };
            s[3] = new[] { W("E", 0.3f) };
            s[4] = new[] { W("E", 0.3f) };
            s[5] = new[] { W("E", 0.3f), W("A", 0.15f) };
            s[6] = new[] { W("U", 0.5f), W("I", 0.2f) };
            s[7] = new[] { W("I", 0.5f) };
            s[8] = new[] { W("E", 0.2f) };
            s[9] = new[] { W("O", 0.3f), W("U", 0.3f) };
            s[10] = new[] { W("A", 1f) };
            s[11] = new[] { W("E", 1f) };
            s[12] = new[] { W("I", 1f) };
            s[13] = new[] { W("O", 1f) };
            s[14] = new[] { W("U", 1f) };
            return new VisemeRig(VisemeRigKind.Vrm, s);
        }
    }

    /// <summary>
    /// A rig bound to one mesh's blendshapes. Names match exactly, then ignoring case, then
    /// after an FBX prefix ("Wolf3D_Head.viseme_aa", "blendShape1.jawOpen"); VRM's vowels
    /// also match their VRM 1.0 and VRoid names (aa ih ou ee oh, Fcl_MTH_A ...).
    /// </summary>
    public sealed class FaceBinding
    {
        public readonly VisemeRig Rig;
        /// <summary>Rig shapes found on the mesh, and those missing.</summary>
        public readonly List<string> Found = new List<string>(), Missing = new List<string>();
        /// <summary>Visemes with at least one shape on the mesh.</summary>
        public int VisemesMapped { get; private set; }

        readonly int shapeCount;
        readonly List<KeyValuePair<int, float>>[] targets = new List<KeyValuePair<int, float>>[Visemes.Count];

        static readonly Dictionary<string, string[]> VrmAliases = new Dictionary<string, string[]>
        {
            { "A", new[] { "aa", "Fcl_MTH_A", "vrc.v_aa" } }, { "I", new[] { "ih", "Fcl_MTH_I", "vrc.v_ih" } },
            { "U", new[] { "ou", "Fcl_MTH_U", "vrc.v_ou" } }, { "E", new[] { "ee", "Fcl_MTH_E", "vrc.v_e" } },
            { "O", new[] { "oh", "Fcl_MTH_O", "vrc.v_oh" } },
        };

        public FaceBinding(VisemeRig rig, IList<string> blendshapeNames)
        {
            Rig = rig;
            shapeCount = blendshapeNames.Count;
            var index = new Dictionary<string, int>();
            foreach (var shape in rig.ShapeNames())
            {
                var i = Find(blendshapeNames, shape);
                if (i < 0 && rig.Kind == VisemeRigKind.Ovr) i = FindOvrAlias(blendshapeNames, shape);
                if (i < 0 && rig.Kind == VisemeRigKind.Vrm && VrmAliases.ContainsKey(shape))
                    foreach (var alias in VrmAliases[shape])
                        if ((i = Find(blendshapeNames, alias)) >= 0) break;
                if (i >= 0) Found.Add(shape); else Missing.Add(shape);
                index[shape] = i;
            }
            for (var v = 0; v < Visemes.Count; v++)
            {
                targets[v] = new List<KeyValuePair<int, float>>();
                foreach (var s in rig.Shapes[v])
                    if (index[s.Shape] >= 0) targets[v].Add(new KeyValuePair<int, float>(index[s.Shape], s.Weight));
                if (targets[v].Count > 0) VisemesMapped++;
            }
        }

        /// <summary>The rig (of the known ones) with the most shapes on this mesh.</summary>
        public static FaceBinding Best(IList<string> blendshapeNames, string ovrPrefix = "viseme_")
        {
            FaceBinding best = null;
            foreach (var kind in VisemeRig.Known)
            {
                var b = new FaceBinding(VisemeRig.For(kind, ovrPrefix), blendshapeNames);
                if (best == null || b.VisemesMapped > best.VisemesMapped) best = b;
            }
            return best;
        }

        /// <summary>Blendshape weights (0..1, one per blendshape of the mesh) for 15 viseme weights.</summary>
        public void Weights(float[] visemeWeights, float[] blendshapeWeights)
        {
            Array.Clear(blendshapeWeights, 0, blendshapeWeights.Length);
            for (var v = 0; v < Visemes.Count && v < visemeWeights.Length; v++)
                foreach (var t in targets[v])
                    if (t.Key < blendshapeWeights.Length) blendshapeWeights[t.Key] += visemeWeights[v] * t.Value;
            for (var i = 0; i < blendshapeWeights.Length; i++) blendshapeWeights[i] = Math.Min(1f, blendshapeWeights[i]);
        }

        /// <summary>The blendshapes this binding drives (so a fading shape goes back to 0).</summary>
        public List<int> DrivenShapes()
        {
            var all = new List<int>();
            foreach (var list in targets)
                foreach (var t in list)
                    if (!all.Contains(t.Key)) all.Add(t.Key);
            return all;
        }

        public int ShapeCount { get { return shapeCount; } }

        public override string ToString()
        {
            return Rig.Kind + ": " + VisemesMapped + " of 15 visemes mapped" +
                (Missing.Count > 0 ? " (missing " + string.Join(", ", Missing.ToArray()) + ")" : "");
        }

        static int Find(IList<string> names, string wanted)
        {
            for (var i = 0; i < names.Count; i++) if (names[i] == wanted) return i;
            for (var i = 0; i < names.Count; i++) if (string.Equals(names[i], wanted, StringComparison.OrdinalIgnoreCase)) return i;
            for (var i = 0; i < names.Count; i++)
            {
                var dot = names[i].LastIndexOf('.');
                if (dot >= 0 && string.Equals(names[i].Substring(dot + 1), wanted, StringComparison.OrdinalIgnoreCase)) return i;
            }
            return -1;
        }

        // Ready Player Me and some Oculus rigs name the last three visemes I, O and U; some drop the prefix.
        static int FindOvrAlias(IList<string> names, string shape)
        {
            var underscore = shape.LastIndexOf('_');
            var bare = underscore >= 0 ? shape.Substring(underscore + 1) : shape;
            var prefix = underscore >= 0 ? shape.Substring(0, underscore + 1) : "";
            var i = Find(names, bare);
            if (i >= 0) return i;
            var alias = bare == "ih" ? "I" : bare == "oh" ? "O" : bare == "ou" ? "U" : null;
            if (alias == null) return -1;
            i = Find(names, prefix + alias);
            return i >= 0 ? i : Find(names, alias);
        }
    }
}
