// Audio formats: the microphone at any rate and channel count -> 16 kHz PCM16 frames of
// 20 ms (what the server wants), PCM16 <-> float, and linear resampling for playback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace npc {

constexpr int kFrameSamples = 16000 / 50;  // 20 ms at 16 kHz
constexpr int kFrameBytes = kFrameSamples * 2;

/// Floats in [-1, 1] -> 16 kHz PCM16 frames of 20 ms (640 bytes, little-endian), handed to
/// onFrame as they complete. Downsampling averages each output period (a box low-pass).
class PcmFramer {
public:
    using FrameHandler = std::function<void(const std::vector<std::uint8_t>& frame)>;

    /// inputRate: the capture device's rate (4000-384000 Hz). False from valid() otherwise.
    PcmFramer(int inputRate, FrameHandler onFrame);

    bool valid() const { return step_ > 0; }

    /// Interleaved samples: frames x channels; only the first channel is used.
    void push(const float* samples, std::size_t frames, int channels = 1);

private:
    void emit(double value);

    double step_ = 0;  // input samples per output sample
    FrameHandler onFrame_;
    std::vector<std::uint8_t> frame_;
    int filled_ = 0;
    double pos_ = 0;  // where the next output sample falls, in input samples from the block's start
    double sum_ = 0;
    int count_ = 0;
    float prev_ = 0;
};

std::int16_t toPcm16(double value);

/// Little-endian PCM16 bytes as floats in [-1, 1); an odd last byte is ignored.
std::vector<float> pcm16ToFloats(const std::uint8_t* bytes, std::size_t size);

/// Linear resampling (for playback at the engine's rate when the server was not asked for it).
std::vector<float> resampleLinear(const std::vector<float>& samples, int fromRate, int toRate);

/// Root mean square of PCM16 samples, in dBFS (-120 for silence).
double levelDbfs(const std::int16_t* samples, std::size_t count);

}  // namespace npc
