#include "NpcVoiceWave.h"

#include "npc/Playback.h"

UNpcVoiceWave::UNpcVoiceWave(const FObjectInitializer& ObjectInitializer) : Super(ObjectInitializer)
{
	NumChannels = 1;
	Duration = INDEFINITELY_LOOPING_DURATION;
	bLooping = false;
	SoundGroup = SOUNDGROUP_Voice;
}

void UNpcVoiceWave::Bind(std::shared_ptr<npc::SpeechPlayer> InPlayer)
{
	Player = MoveTemp(InPlayer);
	SetSampleRate(static_cast<uint32>(Player->outputRate()));
}

int32 UNpcVoiceWave::OnGeneratePCMAudio(TArray<uint8>& OutAudio, int32 NumSamples)
{
	// Always return the samples asked for (silence between replies) so the sound never ends.
	OutAudio.SetNumZeroed(NumSamples * static_cast<int32>(sizeof(int16)));
	if (Player)
	{
		Player->readPcm16(reinterpret_cast<int16*>(OutAudio.GetData()), static_cast<size_t>(NumSamples));
	}
	return NumSamples;
}
