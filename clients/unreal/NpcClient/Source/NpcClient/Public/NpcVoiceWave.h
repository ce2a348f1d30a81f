#pragma once

#include <memory>

#include "CoreMinimal.h"
#include "Sound/SoundWaveProcedural.h"
#include "NpcVoiceWave.generated.h"

namespace npc { class SpeechPlayer; }

/**
 * The character's voice: a procedural sound wave the audio render thread pulls from the
 * core's SpeechPlayer (jitter buffer + playback clock). Pulling, rather than queueing PCM
 * with QueueAudio, keeps one clock for the audio and the visemes and lets a flush silence
 * the voice within one audio buffer.
 */
UCLASS()
class NPCCLIENT_API UNpcVoiceWave : public USoundWaveProcedural
{
	GENERATED_BODY()

public:
	UNpcVoiceWave(const FObjectInitializer& ObjectInitializer);

	/** Play this player's speech at its output rate (mono). */
	void Bind(std::shared_ptr<npc::SpeechPlayer> InPlayer);

	virtual int32 OnGeneratePCMAudio(TArray<uint8>& OutAudio, int32 NumSamples) override;

private:
	std::shared_ptr<npc::SpeechPlayer> Player;  // shared with the component; read on the audio thread
};
