// The character's speech, queued for an audio callback that pulls samples (Unreal's
// procedural sound wave, or any engine's mixer). Chunks play back to back in (turn, index)
// order; the samples the callback has pulled are the clock the visemes follow, so the mouth
// stays on the audio even when the network stalls between chunks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "npc/Protocol.h"
#include "npc/Visemes.h"

namespace npc {

struct PlaybackStats {
    std::size_t chunksQueued = 0, chunksPlayed = 0, chunksFlushed = 0;
    std::size_t underruns = 0;  // the callback wanted speech of a started turn that had not arrived
    std::uint64_t samplesPlayed = 0;
};

class SpeechPlayer {
public:
    /// outputRate: the rate the callback plays at. prebufferMs: a turn starts playing once
    /// this much of it is queued, or this long (in callback time) after its first chunk came.
    explicit SpeechPlayer(int outputRate, double prebufferMs = 100);

    int outputRate() const { return outputRate_; }

    /// Queue one `audio` message's PCM16 (resampled here if it is not at outputRate).
    void enqueue(const ServerMessage& header, const std::uint8_t* pcm16, std::size_t bytes);

    /// Fill `frames` mono samples (silence where there is no speech). Audio thread.
    void read(float* out, std::size_t frames);
    /// The same as PCM16 (for engines that want int16, like USoundWaveProcedural).
    void readPcm16(std::int16_t* out, std::size_t frames);

    /// Flush, and forget the turns' bookkeeping: turn ids restart with each new session.
    void reset();
    /// The server ended this turn (turn_end): a gap after its last chunk is not an underrun.
    void turnEnded(int turnId);
    /// Drop everything queued and playing, now (barge-in, interrupt, lost connection).
    void flush();
    /// Drop queued and playing speech of turns before `turnId` (they were interrupted).
    void dropTurnsBefore(int turnId);

    bool playing() const;
    /// The turn being heard (or next to be heard), or -1.
    int currentTurn() const;
    /// How much of a turn's speech has been played (for `interrupt`'s played_ms).
    double playedMs(int turnId) const;
    /// Viseme weights for what is heard now; sil when silent.
    VisemeWeights visemeWeights(double fadeMs = 50) const;
    /// (turn, index) of every chunk played to its end or started, in the order heard.
    std::vector<std::pair<int, int>> startedOrder() const;
    PlaybackStats stats() const;

private:
    struct Chunk {
        int turnId = 0, index = 0;
        std::vector<float> samples;
        std::vector<VisemeCue> visemes;
    };

    std::size_t pull(float* out, std::size_t frames);  // under the lock
    double queuedMs() const;                           // under the lock

    const int outputRate_;
    const double prebufferMs_;
    mutable std::mutex mutex_;  // the audio thread reads, the game thread adds
    std::deque<Chunk> queue_;
    Chunk current_;
    bool hasCurrent_ = false;
    std::size_t position_ = 0;
    int startedTurn_ = -1;        // the turn whose playback has begun
    int lastEndedTurn_ = -1;
    bool starved_ = false;        // in a gap already counted as an underrun
    double waitingMs_ = 0;        // callback time spent waiting for a new turn's prebuffer
    std::map<int, std::uint64_t> finishedSamples_;
    std::vector<std::pair<int, int>> startedOrder_;
    PlaybackStats stats_;
};

}  // namespace npc
