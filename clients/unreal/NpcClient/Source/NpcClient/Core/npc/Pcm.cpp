#include "npc/Pcm.h"

#include <cmath>

namespace npc {

PcmFramer::PcmFramer(int inputRate, FrameHandler onFrame)
    : onFrame_(std::move(onFrame)), frame_(kFrameBytes) {
    if (inputRate < 4000 || inputRate > 384000) return;  // not audio we can use: valid() is false
    step_ = inputRate / 16000.0;
    pos_ = step_ >= 1 ? step_ : 0;
}

void PcmFramer::push(const float* samples, std::size_t frames, int channels) {
    if (!valid() || channels < 1) return;
    const auto at = [&](std::size_t i) { return samples[i * static_cast<std::size_t>(channels)]; };
    const double length = static_cast<double>(frames);
    if (step_ >= 1) {
        for (std::size_t i = 0; i < frames; ++i) {
            sum_ += at(i);
            ++count_;
            if (static_cast<double>(i + 1) >= pos_) {
                emit(sum_ / count_);
                sum_ = 0;
                count_ = 0;
                pos_ += step_;
            }
        }
    } else {
        // Linear between neighbours, one input sample late so blocks join without a seam.
        while (pos_ < length) {
            const auto i = static_cast<std::size_t>(pos_);
            const double frac = pos_ - static_cast<double>(i);
            const double a = i == 0 ? prev_ : at(i - 1);
            emit(a + (at(i) - a) * frac);
            pos_ += step_;
        }
        if (frames > 0) prev_ = at(frames - 1);
    }
    pos_ -= length;
}

void PcmFramer::emit(double value) {
    const std::int16_t s = toPcm16(value);
    frame_[static_cast<std::size_t>(filled_) * 2] = static_cast<std::uint8_t>(s & 0xFF);
    frame_[static_cast<std::size_t>(filled_) * 2 + 1] = static_cast<std::uint8_t>((s >> 8) & 0xFF);
    if (++filled_ < kFrameSamples) return;
    filled_ = 0;
    if (onFrame_) onFrame_(frame_);
}

std::int16_t toPcm16(double value) {
    if (value > 1) value = 1;
    if (value < -1) value = -1;
    return static_cast<std::int16_t>(std::lround(value * 32767));
}

std::vector<float> pcm16ToFloats(const std::uint8_t* bytes, std::size_t size) {
    std::vector<float> out(size / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const auto s = static_cast<std::int16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
        out[i] = static_cast<float>(s) / 32768.0f;
    }
    return out;
}

std::vector<float> resampleLinear(const std::vector<float>& samples, int fromRate, int toRate) {
    if (fromRate == toRate || samples.empty() || fromRate <= 0 || toRate <= 0) return samples;
    const auto n = static_cast<std::size_t>(static_cast<long long>(samples.size()) * toRate / fromRate);
    std::vector<float> out(n);
    const double step = static_cast<double>(fromRate) / toRate;
    for (std::size_t i = 0; i < n; ++i) {
        const double p = static_cast<double>(i) * step;
        const auto j = static_cast<std::size_t>(p);
        const float a = samples[j];
        const float b = j + 1 < samples.size() ? samples[j + 1] : a;
        out[i] = static_cast<float>(a + (b - a) * (p - static_cast<double>(j)));
    }
    return out;
}

double levelDbfs(const std::int16_t* samples, std::size_t count) {
    if (count == 0) return -120;
    double sum = 0;
    for (std::size_t i = 0; i < count; ++i) sum += static_cast<double>(samples[i]) * samples[i];
    const double rms = std::sqrt(sum / static_cast<double>(count)) / 32768.0;
    return rms <= 1e-6 ? -120 : 20 * std::log10(rms);
}

}  // namespace npc
