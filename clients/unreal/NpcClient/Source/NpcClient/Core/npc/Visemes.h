// The 15 OVR visemes (docs/visemes.md), "which weights at time t" for one speech chunk, and
// the tables that turn viseme weights into a face rig's morph targets or curves.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "npc/Protocol.h"

namespace npc {

constexpr int kVisemeCount = 15;
using VisemeWeights = std::array<float, kVisemeCount>;

/// Viseme names in the protocol's order (sil PP FF TH DD kk CH SS nn RR aa E ih oh ou).
extern const std::array<const char*, kVisemeCount> kVisemeNames;

/// The index of a viseme name, or -1.
int visemeIndex(const std::string& name);

/// Weights (summing to 1) at tMs into one chunk. Around each change the two shapes
/// cross-fade over fadeMs, shortened to half of a short neighbour so a quick PP still closes
/// the lips; outside the track the mouth rests (sil). Same rule as the server's
/// per-frame weights (npc.visemes.viseme_weights).
VisemeWeights visemeWeightsAt(const std::vector<VisemeCue>& track, double tMs, double fadeMs = 50);

/// A morph target or animation curve and how much of it one viseme shows.
struct CurveWeight {
    std::string curve;
    float weight;
};

/// For each viseme (in kVisemeNames order), the curves that make its mouth shape.
struct VisemeRig {
    std::string name;
    std::array<std::vector<CurveWeight>, kVisemeCount> shapes;

    /// Every curve the rig drives (so a shape that fades out is set back to 0).
    std::vector<std::string> curves() const;
};

/// One morph target per viseme named prefix + viseme ("viseme_PP"; Oculus, Ready Player Me).
VisemeRig ovrRig(const std::string& prefix = "viseme_");
/// ARKit's 52 blendshape names (jawOpen, mouthFunnel, ...): Apple, Live Link Face, many rigs.
VisemeRig arkitRig();
/// MetaHuman face board controls (CTRL_expressions_*), as curves for the face AnimBP.
VisemeRig metaHumanRig();
/// VRM's five vowels A I U E O (VRM 0.x names; VRM 1.0 calls them aa ih ou ee oh).
VisemeRig vrmRig();
/// A rig by name: "ovr", "arkit", "metahuman", "vrm"; false for another name.
bool rigByName(const std::string& name, VisemeRig& out);

/// Viseme weights -> each curve's target weight (0..1), then eased towards it each frame
/// (exponential, time constant smoothingS) so the face never jumps.
class FaceCurves {
public:
    explicit FaceCurves(VisemeRig rig, double smoothingS = 0.03);

    /// Move the shown weights towards the targets of `weights` over dtS seconds.
    void update(const VisemeWeights& weights, double dtS);

    /// The weights to apply now, for every curve of the rig.
    const std::map<std::string, float>& shown() const { return shown_; }
    std::map<std::string, float> targets(const VisemeWeights& weights) const;

private:
    VisemeRig rig_;
    double smoothingS_;
    std::map<std::string, float> shown_;
};

}  // namespace npc
