#include "npc/Visemes.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace npc {

const std::array<const char*, kVisemeCount> kVisemeNames = {
    "sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou",
};

namespace {

// Indices into kVisemeNames; prefixed so a unity build with engine headers cannot collide.
enum VisemeSlot { kSil, kPP, kFF, kTH, kDD, kKK, kCH, kSS, kNN, kRR, kAA, kE, kIH, kOH, kOU };

double halfFade(const VisemeCue& a, const VisemeCue& b, double fadeMs) {
    return std::max(0.0, std::min(fadeMs / 2, std::min(a.durationMs, b.durationMs) / 2));
}

void add(VisemeWeights& w, const VisemeCue& v, double amount) {
    const int i = v.index >= 0 && v.index < kVisemeCount ? v.index : kSil;  // unknown shapes rest the mouth
    w[static_cast<std::size_t>(i)] += static_cast<float>(amount);
}

// Both sides of the face get the same weight; rigs split left/right, we do not.
std::vector<CurveWeight> pair(const std::string& left, const std::string& right, float w) {
    return {{left, w}, {right, w}};
}

std::vector<CurveWeight> join(std::initializer_list<std::vector<CurveWeight>> parts) {
    std::vector<CurveWeight> all;
    for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
    return all;
}

std::vector<CurveWeight> quad(const std::string& stem, float w) {
    return {{stem + "UL", w}, {stem + "UR", w}, {stem + "DL", w}, {stem + "DR", w}};
}

}  // namespace

int visemeIndex(const std::string& name) {
    for (int i = 0; i < kVisemeCount; ++i)
        if (name == kVisemeNames[static_cast<std::size_t>(i)]) return i;
    return -1;
}

VisemeWeights visemeWeightsAt(const std::vector<VisemeCue>& track, double tMs, double fadeMs) {
    VisemeWeights w{};
    if (track.empty() || tMs < track.front().startMs ||
        tMs >= track.back().startMs + track.back().durationMs) {
        w[kSil] = 1;
        return w;
    }
    std::size_t i = 0;
    while (i + 1 < track.size() && track[i].startMs + track[i].durationMs <= tMs) ++i;
    const VisemeCue& v = track[i];
    double current = 1;
    if (i > 0) {
        const double h = halfFade(track[i - 1], v, fadeMs);
        if (h > 0 && tMs < v.startMs + h) {
            current = (tMs - (v.startMs - h)) / (2 * h);
            add(w, track[i - 1], 1 - current);
        }
    }
    if (i + 1 < track.size()) {
        const double h = halfFade(v, track[i + 1], fadeMs);
        const double end = v.startMs + v.durationMs;
        if (h > 0 && tMs > end - h) {
            const double incoming = (tMs - (end - h)) / (2 * h);
            add(w, track[i + 1], incoming);
            current = 1 - incoming;
        }
    }
    add(w, v, current);
    return w;
}

std::vector<std::string> VisemeRig::curves() const {
    std::set<std::string> all;
    for (const auto& shape : shapes)
        for (const auto& c : shape) all.insert(c.curve);
    return {all.begin(), all.end()};
}

VisemeRig ovrRig(const std::string& prefix) {
    VisemeRig rig{"ovr", {}};
    for (int i = 1; i < kVisemeCount; ++i)  // sil is the rest pose: no shape to set
        rig.shapes[static_cast<std::size_t>(i)] = {{prefix + kVisemeNames[static_cast<std::size_t>(i)], 1.0f}};
    return rig;
}

// The tables below are ours, from the mouth each viseme describes (docs/visemes.md): jaw
// opening, lip rounding (funnel, pucker), spreading (stretch, smile), lips pressed or
// rolled in. Keep them in step with clients/unity/Runtime/Core/VisemeRigs.cs.
VisemeRig arkitRig() {
    VisemeRig r{"arkit", {}};
    auto& s = r.shapes;
    s[kPP] = join({pair("mouthPressLeft", "mouthPressRight", 0.5f), {{"mouthClose", 0.3f}, {"mouthRollLower", 0.3f}, {"mouthRollUpper", 0.2f}}});
    s[kFF] = join({{{"mouthRollLower", 0.6f}, {"jawOpen", 0.08f}}, pair("mouthUpperUpLeft", "mouthUpperUpRight", 0.25f)});
    s[kTH] = join({{{"jawOpen", 0.15f}, {"tongueOut", 0.4f}}, pair("mouthStretchLeft", "mouthStretchRight", 0.1f)});
    s[kDD] = join({{{"jawOpen", 0.2f}}, pair("mouthStretchLeft", "mouthStretchRight", 0.2f)});
    s[kKK] = join({{{"jawOpen", 0.25f}}, pair("mouthStretchLeft", "mouthStretchRight", 0.15f)});
    s[kCH] = {{"mouthFunnel", 0.5f}, {"mouthPucker", 0.3f}, {"jawOpen", 0.15f}};
    s[kSS] = join({{{"jawOpen", 0.05f}}, pair("mouthStretchLeft", "mouthStretchRight", 0.4f), pair("mouthSmileLeft", "mouthSmileRight", 0.2f)});
    s[kNN] = join({{{"jawOpen", 0.15f}}, pair("mouthStretchLeft", "mouthStretchRight", 0.1f)});
    s[kRR] = {{"mouthFunnel", 0.3f}, {"mouthPucker", 0.3f}, {"jawOpen", 0.2f}};
    s[kAA] = join({{{"jawOpen", 0.7f}}, pair("mouthLowerDownLeft", "mouthLowerDownRight", 0.3f)});
    s[kE] = join({{{"jawOpen", 0.4f}}, pair("mouthStretchLeft", "mouthStretchRight", 0.4f)});
    s[kIH] = join({{{"jawOpen", 0.2f}}, pair("mouthSmileLeft", "mouthSmileRight", 0.35f), pair("mouthStretchLeft", "mouthStretchRight", 0.2f)});
    s[kOH] = {{"jawOpen", 0.5f}, {"mouthFunnel", 0.6f}};
    s[kOU] = {{"jawOpen", 0.15f}, {"mouthPucker", 0.8f}, {"mouthFunnel", 0.3f}};
    return r;
}

VisemeRig metaHumanRig() {
    const std::string c = "CTRL_expressions_";
    VisemeRig r{"metahuman", {}};
    auto& s = r.shapes;
    s[kPP] = join({quad(c + "mouthLipsTogether", 0.8f), quad(c + "mouthPress", 0.3f)});
    s[kFF] = join({pair(c + "mouthLowerLipBiteL", c + "mouthLowerLipBiteR", 0.6f), {{c + "jawOpen", 0.08f}},
                  pair(c + "mouthUpperLipRaiseL", c + "mouthUpperLipRaiseR", 0.2f)});
    s[kTH] = join({{{c + "jawOpen", 0.15f}}, pair(c + "mouthStretchL", c + "mouthStretchR", 0.1f)});
    s[kDD] = join({{{c + "jawOpen", 0.2f}}, pair(c + "mouthStretchL", c + "mouthStretchR", 0.2f)});
    s[kKK] = join({{{c + "jawOpen", 0.25f}}, pair(c + "mouthStretchL", c + "mouthStretchR", 0.15f)});
    s[kCH] = join({quad(c + "mouthFunnel", 0.5f), quad(c + "mouthLipsPurse", 0.3f), {{c + "jawOpen", 0.15f}}});
    s[kSS] = join({{{c + "jawOpen", 0.05f}}, pair(c + "mouthStretchL", c + "mouthStretchR", 0.4f),
                  pair(c + "mouthCornerPullL", c + "mouthCornerPullR", 0.2f)});
    s[kNN] = join({{{c + "jawOpen", 0.15f}}, pair(c + "mouthStretchL", c + "mouthStretchR", 0.1f)});
    s[kRR] = join({quad(c + "mouthFunnel", 0.3f), quad(c + "mouthLipsPurse", 0.3f), {{c + "jawOpen", 0.2f}}});
    s[kAA] = join({{{c + "jawOpen", 0.7f}}, pair(c + "mouthLowerLipDepressL", c + "mouthLowerLipDepressR", 0.3f)});
    s[kE] = join({{{c + "jawOpen", 0.4f}}, pair(c + "mouthStretchL", c + "mouthStretchR", 0.4f)});
    s[kIH] = join({{{c + "jawOpen", 0.2f}}, pair(c + "mouthCornerPullL", c + "mouthCornerPullR", 0.35f),
                  pair(c + "mouthStretchL", c + "mouthStretchR", 0.2f)});
    s[kOH] = join({{{c + "jawOpen", 0.5f}}, quad(c + "mouthFunnel", 0.6f)});
    s[kOU] = join({{{c + "jawOpen", 0.15f}}, quad(c + "mouthLipsPurse", 0.8f), quad(c + "mouthFunnel", 0.3f)});
    return r;
}

VisemeRig vrmRig() {
    VisemeRig r{"vrm", {}};
    auto& s = r.shapes;
    // PP and sil close the mouth: no vowel shape at all.
    s[kFF] = {{"I", 0.3f}};
    s[kTH] = {{"E", 0.3f}};
    s[kDD] = {{"E", 0.3f}};
    s[kKK] = {{"E", 0.3f}, {"A", 0.15f}};
    s[kCH] = {{"U", 0.5f}, {"I", 0.2f}};
    s[kSS] = {{"I", 0.5f}};
    s[kNN] = {{"E", 0.2f}};
    s[kRR] = {{"O", 0.3f}, {"U", 0.3f}};
    s[kAA] = {{"A", 1.0f}};
    s[kE] = {{"E", 1.0f}};
    s[kIH] = {{"I", 1.0f}};
    s[kOH] = {{"O", 1.0f}};
    s[kOU] = {{"U", 1.0f}};
    return r;
}

bool rigByName(const std::string& name, VisemeRig& out) {
    if (name == "ovr") out = ovrRig();
    else if (name == "arkit") out = arkitRig();
    else if (name == "metahuman") out = metaHumanRig();
    else if (name == "vrm") out = vrmRig();
    else return false;
    return true;
}

FaceCurves::FaceCurves(VisemeRig rig, double smoothingS) : rig_(std::move(rig)), smoothingS_(smoothingS) {
    for (const auto& curve : rig_.curves()) shown_[curve] = 0;
}

std::map<std::string, float> FaceCurves::targets(const VisemeWeights& weights) const {
    std::map<std::string, float> out;
    for (const auto& entry : shown_) out[entry.first] = 0;
    for (std::size_t v = 0; v < weights.size(); ++v)
        for (const auto& c : rig_.shapes[v]) out[c.curve] += weights[v] * c.weight;
    for (auto& entry : out) entry.second = std::min(1.0f, std::max(0.0f, entry.second));
    return out;
}

void FaceCurves::update(const VisemeWeights& weights, double dtS) {
    const double k = smoothingS_ <= 0 ? 1.0 : 1.0 - std::exp(-std::max(0.0, dtS) / smoothingS_);
    for (const auto& target : targets(weights)) {
        float& shown = shown_[target.first];
        shown += static_cast<float>((target.second - shown) * k);
    }
}

}  // namespace npc
