#include "NpcCharacterComponent.h"

#include "AudioCaptureCore.h"
#include "Components/AudioComponent.h"
#include "Components/SkeletalMeshComponent.h"
#include "GameFramework/Actor.h"
#include "HAL/PlatformTime.h"
#include "IWebSocket.h"
#include "Kismet/GameplayStatics.h"
#include "NpcVoiceWave.h"
#include "WebSocketsModule.h"
#include "npc/MicGate.h"
#include "npc/Pcm.h"
#include "npc/Playback.h"
#include "npc/Session.h"
#include "npc/Visemes.h"

namespace
{
	std::string Utf8(const FString& S) { return std::string(TCHAR_TO_UTF8(*S)); }
	FString FromUtf8(const std::string& S) { return FString(UTF8_TO_TCHAR(S.c_str())); }

	std::vector<std::string> Strings(const TArray<FString>& Items)
	{
		std::vector<std::string> Out;
		for (const FString& Item : Items) Out.push_back(Utf8(Item));
		return Out;
	}

	npc::VisemeRig RigFor(ENpcFaceRig Rig, const FString& Prefix)
	{
		switch (Rig)
		{
			case ENpcFaceRig::OVR: return npc::ovrRig(Utf8(Prefix));
			case ENpcFaceRig::MetaHuman: return npc::metaHumanRig();
			case ENpcFaceRig::VRM: return npc::vrmRig();
			case ENpcFaceRig::ARKit: default: return npc::arkitRig();
		}
	}
}

UNpcCharacterComponent::UNpcCharacterComponent()
{
	PrimaryComponentTick.bCanEverTick = true;
	// After animation: an AnimBP that drives the same morph targets would otherwise override lip sync.
	PrimaryComponentTick.TickGroup = TG_PostUpdateWork;
}

UNpcCharacterComponent::~UNpcCharacterComponent() = default;

double UNpcCharacterComponent::Now() const { return FPlatformTime::Seconds(); }

void UNpcCharacterComponent::BeginPlay()
{
	Super::BeginPlay();
	if (!Face && GetOwner())
	{
		TArray<USkeletalMeshComponent*> Meshes;
		GetOwner()->GetComponents<USkeletalMeshComponent>(Meshes);
		for (USkeletalMeshComponent* Mesh : Meshes)
			if (!Face || Mesh->GetFName() == TEXT("Face")) Face = Mesh;
	}

	// The voice: the mixer's own rate, so the server resamples (well) and we never do.
	const int32 OutputRate = 48000;
	Player = std::make_shared<npc::SpeechPlayer>(OutputRate, PrebufferMs);
	VoiceWave = NewObject<UNpcVoiceWave>(this);
	VoiceWave->Bind(Player);
	VoiceOutput = UGameplayStatics::SpawnSoundAttached(VoiceWave, GetOwner()->GetRootComponent(), NAME_None, FVector::ZeroVector,
		EAttachLocation::KeepRelativeOffset, false, 1.f, 1.f, 0.f, VoiceAttenuation, nullptr, false);

	FaceCurves = std::make_unique<npc::FaceCurves>(RigFor(FaceRig, MorphTargetPrefix), SmoothingSeconds);
	const auto Gate = WhileSpeaking == ENpcWhileSpeaking::Send   ? npc::WhileSpeaking::Send
		: WhileSpeaking == ENpcWhileSpeaking::EchoGate ? npc::WhileSpeaking::EchoGate
		: npc::WhileSpeaking::Mute;
	MicGate = std::make_unique<npc::MicGate>(MicMode == ENpcMicMode::PushToTalk ? npc::MicMode::PushToTalk : npc::MicMode::OpenMic, Gate, EchoGateDbfs);

	npc::SessionConfig Config;
	Config.url = Utf8(ServerUrl);
	Config.token = Utf8(Token);
	Config.start.character = Utf8(CharacterId);
	Config.start.playerId = Utf8(PlayerId);
	Config.start.playerName = Utf8(PlayerName);
	Config.start.outputSampleRate = OutputRate;
	Config.start.pushToTalk = MicMode == ENpcMicMode::PushToTalk;
	Session = std::make_unique<npc::Session>(Config, [] { return FMath::FRand(); });
	Session->start(Now());
	RunCommands();
	if (bStreamMicrophone) StartMicrophone();
}

void UNpcCharacterComponent::EndPlay(const EEndPlayReason::Type Reason)
{
	StopMicrophone();
	if (Session)
	{
		Session->stop();  // `end`: the server saves the conversation
		RunCommands();
	}
	CloseSocket();
	if (VoiceOutput) VoiceOutput->Stop();
	if (Player) Player->flush();
	Session.reset();
	Super::EndPlay(Reason);
}

void UNpcCharacterComponent::TickComponent(float DeltaTime, ELevelTick TickType, FActorComponentTickFunction* ThisTickFunction)
{
	Super::TickComponent(DeltaTime, TickType, ThisTickFunction);
	if (!Session) return;
	SendMicrophoneFrames();
	Session->tick(Now());
	RunCommands();
	for (npc::SessionEvent& Event : Session->takeEvents()) Handle(Event);
	RunCommands();  // what the events' handlers sent
	ApplyFace(DeltaTime);
}

// -- the websocket: carries out the session's commands ----------------------------------------

void UNpcCharacterComponent::RunCommands()
{
	if (!Session) return;
	for (const npc::Command& C : Session->takeCommands())
	{
		switch (C.kind)
		{
			case npc::Command::Kind::Open: OpenSocket(FromUtf8(C.text)); break;
			case npc::Command::Kind::SendText:
				if (Socket) Socket->Send(FromUtf8(C.text));
				break;
			case npc::Command::Kind::SendBinary:
				if (Socket) Socket->Send(C.binary.data(), C.binary.size(), true);
				break;
			case npc::Command::Kind::Close:
				if (Socket) Socket->Close(C.code, TEXT("bye"));
				break;
		}
	}
}

void UNpcCharacterComponent::OpenSocket(const FString& Url)
{
	CloseSocket();
	TMap<FString, FString> Headers;
	if (!Token.IsEmpty()) Headers.Add(TEXT("Authorization"), TEXT("Bearer ") + Token);
	Socket = FWebSocketsModule::Get().CreateWebSocket(Url, TArray<FString>(), Headers);
	BinaryMessage.Reset();
	// The WebSockets module calls back on the game thread.
	Socket->OnConnected().AddLambda([this] { if (Session) Session->onOpen(Now()); });
	Socket->OnConnectionError().AddLambda([this](const FString& Error) {
		if (Session) Session->onClosed(0, Utf8(Error), Now());
	});
	Socket->OnClosed().AddLambda([this](int32 Code, const FString& Why, bool) {
		if (Session) Session->onClosed(Code, Utf8(Why), Now());
	});
	Socket->OnMessage().AddLambda([this](const FString& Text) {
		if (Session) Session->onText(Utf8(Text), Now());
	});
	Socket->OnBinaryMessage().AddLambda([this](const void* Data, SIZE_T Size, bool bIsLastFragment) {
		BinaryMessage.Append(static_cast<const uint8*>(Data), static_cast<int32>(Size));
		if (!bIsLastFragment || !Session) return;
		Session->onBinary(BinaryMessage.GetData(), static_cast<size_t>(BinaryMessage.Num()), Now());
		BinaryMessage.Reset();
	});
	Socket->Connect();
}

void UNpcCharacterComponent::CloseSocket()
{
	if (!Socket) return;
	// The old socket's news must not reach the next session.
	Socket->OnConnected().Clear();
	Socket->OnConnectionError().Clear();
	Socket->OnClosed().Clear();
	Socket->OnMessage().Clear();
	Socket->OnBinaryMessage().Clear();
	if (Socket->IsConnected()) Socket->Close();
	Socket.Reset();
}

// -- what the server said ------------------------------------------------------------------------

void UNpcCharacterComponent::Handle(npc::SessionEvent& Event)
{
	using Kind = npc::SessionEvent::Kind;
	const npc::ServerMessage& M = Event.message;
	switch (Event.kind)
	{
		case Kind::Ready:
			Player->reset();  // turn ids start again with each session
			OnConnected.Broadcast(FromUtf8(M.characterName));
			return;
		case Kind::Audio: Player->enqueue(M, Event.pcm.data(), Event.pcm.size()); return;
		case Kind::StopSpeech: Player->dropTurnsBefore(Event.turnId); return;
		case Kind::Lost:
			Player->flush();
			OnConnectionLost.Broadcast(FromUtf8(Event.reason), Event.willRetry ? static_cast<float>(Event.retryInS) : -1.f);
			return;
		case Kind::Dormant:
		case Kind::Refused:
		case Kind::Closed:
			Player->flush();
			OnConnectionLost.Broadcast(FromUtf8(Event.reason), -1.f);
			return;
		case Kind::LocalError: OnError.Broadcast(TEXT("client_protocol"), FromUtf8(Event.reason)); return;
		case Kind::Message: break;
	}
	switch (M.type)
	{
		case npc::MessageType::Transcript: OnTranscript.Broadcast(FromUtf8(M.text), M.final); break;
		case npc::MessageType::ReplyText: OnReplyText.Broadcast(FromUtf8(M.text)); break;
		case npc::MessageType::Emotion: OnEmotion.Broadcast(FromUtf8(M.emotion), static_cast<float>(M.intensity)); break;
		case npc::MessageType::Action:
		{
			FNpcAction Action;
			Action.ActionId = FromUtf8(M.actionId);
			Action.Name = FromUtf8(M.name);
			Action.TurnId = M.turnId;
			for (const auto& Arg : M.args.asObject())
				Action.Args.Add(FromUtf8(Arg.first), FromUtf8(Arg.second.isString() ? Arg.second.asString() : Arg.second.dump()));
			OnAction.Broadcast(Action);
			break;
		}
		case npc::MessageType::TurnEnd:
			Player->turnEnded(M.turnId);
			OnTurnEnd.Broadcast(M.turnId, M.interrupted);
			break;
		case npc::MessageType::Error: OnError.Broadcast(FromUtf8(M.code), FromUtf8(M.message)); break;
		default: break;  // speech_started, turn_started, interrupted: the session already stopped the speech
	}
}

// -- what the game calls ---------------------------------------------------------------------------

void UNpcCharacterComponent::Say(const FString& Text)
{
	const FString Line = Text.TrimStartAndEnd();
	if (Session && !Line.IsEmpty()) Session->say(Utf8(Line));
	RunCommands();
}

void UNpcCharacterComponent::SendGameEvent(const FString& Text, bool bReact)
{
	if (Session && !Text.IsEmpty()) Session->sendEvent(Utf8(Text), bReact);
	RunCommands();
}

void UNpcCharacterComponent::SetScene(const TArray<FString>& Objects, const TArray<FString>& Locations,
	const TArray<FString>& Characters, bool bSetObjects, bool bSetLocations, bool bSetCharacters)
{
	if (!Session) return;
	npc::Scene Update;
	if (bSetObjects) Update.objects = Strings(Objects);
	if (bSetLocations) Update.locations = Strings(Locations);
	if (bSetCharacters) Update.characters = Strings(Characters);
	Session->setScene(Update);
	RunCommands();
}

bool UNpcCharacterComponent::ReportActionResult(const FString& ActionId, bool bOk, const FString& Detail)
{
	const bool bSent = Session && Session->reportActionResult(Utf8(ActionId), bOk, Utf8(Detail));
	RunCommands();
	return bSent;
}

void UNpcCharacterComponent::Interrupt()
{
	if (!Session || !Player) return;
	const int Turn = Player->currentTurn();
	const double Played = Turn >= 0 ? Player->playedMs(Turn) : 0.0;
	Player->flush();  // locally first: the player must not wait for the server to go quiet
	Session->interrupt(Turn, Turn >= 0 ? std::optional<double>(Played) : std::nullopt);
	RunCommands();
}

void UNpcCharacterComponent::StartTalking()
{
	if (MicGate) MicGate->setTalkKey(true);
	if (!Capture) StartMicrophone();
}

void UNpcCharacterComponent::StopTalking()
{
	if (MicGate && MicGate->setTalkKey(false) && Session)
	{
		SendMicrophoneFrames();  // the last words first
		Session->endTurn();
		RunCommands();
	}
}

void UNpcCharacterComponent::SetMicrophoneEnabled(bool bEnabled)
{
	bStreamMicrophone = bEnabled;
	if (bEnabled) StartMicrophone();
	else StopMicrophone();
}

bool UNpcCharacterComponent::IsConnected() const { return Session && Session->state() == npc::SessionState::Ready; }

bool UNpcCharacterComponent::IsSpeaking() const { return Player && Player->playing(); }

TMap<FName, float> UNpcCharacterComponent::GetFaceCurves() const
{
	TMap<FName, float> Curves;
	if (FaceCurves)
		for (const auto& Curve : FaceCurves->shown()) Curves.Add(FName(UTF8_TO_TCHAR(Curve.first.c_str())), Curve.second);
	return Curves;
}

// -- microphone ------------------------------------------------------------------------------------

void UNpcCharacterComponent::StartMicrophone()
{
	if (Capture) return;
	Capture = std::make_unique<Audio::FAudioCapture>();
	Audio::FAudioCaptureDeviceParams Params;
	Params.bUseHardwareAEC = bUseHardwareEchoCancellation;
	Params.PCMAudioEncoding = Audio::EPCMAudioEncoding::FLOATING_POINT_32;
	// Runs on the capture thread: frame there, hand whole 20 ms frames to the game thread.
	Audio::FOnAudioCaptureFunction OnCapture = [this](const void* Samples, int32 NumFrames, int32 NumChannels, int32 SampleRate, double, bool) {
		if (!Framer) Framer = std::make_unique<npc::PcmFramer>(SampleRate, [this](const std::vector<uint8>& Frame) {
			std::lock_guard<std::mutex> Lock(MicMutex);
			if (MicFrames.size() < 250) MicFrames.push_back(Frame);  // 5 s: a stalled game thread must not grow memory
		});
		Framer->push(static_cast<const float*>(Samples), static_cast<size_t>(NumFrames), NumChannels);
	};
	if (!Capture->OpenAudioCaptureStream(Params, MoveTemp(OnCapture), 1024) || !Capture->StartStream())
	{
		Capture.reset();
		OnError.Broadcast(TEXT("microphone"), TEXT("could not open the default capture device (is microphone access allowed?)"));
	}
}

void UNpcCharacterComponent::StopMicrophone()
{
	if (!Capture) return;
	Capture->StopStream();
	Capture->CloseStream();
	Capture.reset();
	Framer.reset();
	std::lock_guard<std::mutex> Lock(MicMutex);
	MicFrames.clear();
}

void UNpcCharacterComponent::SendMicrophoneFrames()
{
	std::vector<std::vector<uint8>> Frames;
	{
		std::lock_guard<std::mutex> Lock(MicMutex);
		Frames.swap(MicFrames);
	}
	if (!Session || !MicGate) return;
	const bool bSpeaking = Player && Player->playing();
	for (std::vector<uint8>& Frame : Frames)
	{
		const auto* Samples = reinterpret_cast<const int16*>(Frame.data());
		switch (MicGate->frame(Samples, Frame.size() / 2, bSpeaking))
		{
			case npc::MicGate::Decision::Drop: break;
			case npc::MicGate::Decision::SendSilence:
				std::fill(Frame.begin(), Frame.end(), 0);
				Session->sendAudio(Frame.data(), Frame.size());
				break;
			case npc::MicGate::Decision::Send: Session->sendAudio(Frame.data(), Frame.size()); break;
		}
	}
}

// -- face ------------------------------------------------------------------------------------------

void UNpcCharacterComponent::ApplyFace(float DeltaTime)
{
	if (!FaceCurves || !Player) return;
	FaceCurves->update(Player->visemeWeights(VisemeFadeMs), DeltaTime);
	if (!bSetMorphTargets || !Face) return;
	for (const auto& Curve : FaceCurves->shown())
		Face->SetMorphTarget(FName(UTF8_TO_TCHAR(Curve.first.c_str())), Curve.second, false);
}
