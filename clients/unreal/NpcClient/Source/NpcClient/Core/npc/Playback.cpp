#include "npc/Playback.h"

#include <algorithm>

#include "npc/Pcm.h"

namespace npc {

SpeechPlayer::SpeechPlayer(int outputRate, double prebufferMs)
    : outputRate_(outputRate > 0 ? outputRate : 48000), prebufferMs_(std::max(0.0, prebufferMs)) {}

void SpeechPlayer::enqueue(const ServerMessage& header, const std::uint8_t* pcm16, std::size_t bytes) {
    Chunk chunk;
    chunk.turnId = header.turnId;
    chunk.index = header.index;
    chunk.visemes = header.visemes;
    chunk.samples = resampleLinear(pcm16ToFloats(pcm16, bytes), header.sampleRate, outputRate_);
    if (chunk.samples.empty()) return;
    std::lock_guard<std::mutex> lock(mutex_);
    // Keep (turn, index) order: a websocket delivers in order, but a client may queue late.
    auto at = std::find_if(queue_.begin(), queue_.end(), [&](const Chunk& c) {
        return c.turnId > chunk.turnId || (c.turnId == chunk.turnId && c.index > chunk.index);
    });
    queue_.insert(at, std::move(chunk));
    ++stats_.chunksQueued;
}

double SpeechPlayer::queuedMs() const {
    std::size_t samples = 0;
    for (const auto& c : queue_) samples += c.samples.size();
    return static_cast<double>(samples) * 1000.0 / outputRate_;
}

std::size_t SpeechPlayer::pull(float* out, std::size_t frames) {
    std::size_t done = 0;
    while (done < frames) {
        if (!hasCurrent_) {
            if (queue_.empty()) {
                if (startedTurn_ > lastEndedTurn_ && !starved_) {
                    ++stats_.underruns;  // a turn still under way ran dry: count each gap once
                    starved_ = true;
                }
                break;
            }
            const Chunk& next = queue_.front();
            if (next.turnId != startedTurn_) {
                // A new turn: hold until enough of it is queued, or it has waited long enough.
                if (queuedMs() < prebufferMs_ && waitingMs_ < prebufferMs_) {
                    waitingMs_ += static_cast<double>(frames - done) * 1000.0 / outputRate_;
                    break;
                }
                startedTurn_ = next.turnId;
                waitingMs_ = 0;
            }
            current_ = std::move(queue_.front());
            queue_.pop_front();
            hasCurrent_ = true;
            starved_ = false;
            position_ = 0;
            startedOrder_.emplace_back(current_.turnId, current_.index);
        }
        const std::size_t n = std::min(frames - done, current_.samples.size() - position_);
        std::copy_n(current_.samples.begin() + static_cast<std::ptrdiff_t>(position_), n, out + done);
        position_ += n;
        done += n;
        stats_.samplesPlayed += n;
        if (position_ >= current_.samples.size()) {
            finishedSamples_[current_.turnId] += current_.samples.size();
            ++stats_.chunksPlayed;
            hasCurrent_ = false;
        }
    }
    std::fill(out + done, out + frames, 0.0f);
    return done;
}

void SpeechPlayer::read(float* out, std::size_t frames) {
    std::lock_guard<std::mutex> lock(mutex_);
    pull(out, frames);
}

void SpeechPlayer::readPcm16(std::int16_t* out, std::size_t frames) {
    std::vector<float> block(frames);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        pull(block.data(), frames);
    }
    for (std::size_t i = 0; i < frames; ++i) out[i] = toPcm16(block[i]);
}

void SpeechPlayer::flush() {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.chunksFlushed += queue_.size() + (hasCurrent_ ? 1 : 0);
    if (hasCurrent_) finishedSamples_[current_.turnId] += position_;
    queue_.clear();
    hasCurrent_ = false;
    position_ = 0;
    startedTurn_ = -1;
    waitingMs_ = 0;
    starved_ = false;
}

void SpeechPlayer::reset() {
    flush();
    std::lock_guard<std::mutex> lock(mutex_);
    finishedSamples_.clear();
    lastEndedTurn_ = -1;
}

void SpeechPlayer::turnEnded(int turnId) {
    std::lock_guard<std::mutex> lock(mutex_);
    lastEndedTurn_ = std::max(lastEndedTurn_, turnId);
}

void SpeechPlayer::dropTurnsBefore(int turnId) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto before = queue_.size();
    queue_.erase(std::remove_if(queue_.begin(), queue_.end(), [&](const Chunk& c) { return c.turnId < turnId; }),
                 queue_.end());
    stats_.chunksFlushed += before - queue_.size();
    if (hasCurrent_ && current_.turnId < turnId) {
        finishedSamples_[current_.turnId] += position_;
        hasCurrent_ = false;
        position_ = 0;
        ++stats_.chunksFlushed;
    }
    if (startedTurn_ < turnId) startedTurn_ = -1;
}

bool SpeechPlayer::playing() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return hasCurrent_ || !queue_.empty();
}

int SpeechPlayer::currentTurn() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (hasCurrent_) return current_.turnId;
    return queue_.empty() ? -1 : queue_.front().turnId;
}

double SpeechPlayer::playedMs(int turnId) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::uint64_t samples = 0;
    const auto found = finishedSamples_.find(turnId);
    if (found != finishedSamples_.end()) samples = found->second;
    if (hasCurrent_ && current_.turnId == turnId) samples += position_;
    return static_cast<double>(samples) * 1000.0 / outputRate_;
}

VisemeWeights SpeechPlayer::visemeWeights(double fadeMs) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!hasCurrent_) {
        VisemeWeights rest{};
        rest[0] = 1;
        return rest;
    }
    return visemeWeightsAt(current_.visemes, static_cast<double>(position_) * 1000.0 / outputRate_, fadeMs);
}

std::vector<std::pair<int, int>> SpeechPlayer::startedOrder() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return startedOrder_;
}

PlaybackStats SpeechPlayer::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
}

}  // namespace npc
