#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "CoreMinimal.h"
#include "Components/ActorComponent.h"
#include "NpcCharacterComponent.generated.h"

class IWebSocket;
class UAudioComponent;
class USkeletalMeshComponent;
class USoundAttenuation;
class UNpcVoiceWave;
namespace Audio { class FAudioCapture; }
namespace npc { class FaceCurves; class MicGate; class PcmFramer; class Session; class SpeechPlayer; struct SessionEvent; }

UENUM(BlueprintType)
enum class ENpcMicMode : uint8
{
	OpenMic,
	PushToTalk UMETA(ToolTip = "Stream only while StartTalking/StopTalking hold the key; StopTalking ends the turn."),
};

UENUM(BlueprintType)
enum class ENpcWhileSpeaking : uint8
{
	Send UMETA(ToolTip = "Headphones: the player can interrupt by voice."),
	Mute UMETA(ToolTip = "Speakers: send silence while the character speaks."),
	EchoGate UMETA(ToolTip = "Speakers: send only frames louder than Echo Gate Dbfs (loud speech still interrupts)."),
};

UENUM(BlueprintType)
enum class ENpcFaceRig : uint8
{
	OVR UMETA(ToolTip = "One morph target per viseme: Morph Target Prefix + sil, PP, FF ... ou."),
	ARKit UMETA(ToolTip = "ARKit's 52 blendshapes (jawOpen, mouthFunnel, ...)."),
	MetaHuman UMETA(ToolTip = "CTRL_expressions_* curves, read by the face AnimBP with Get Face Curves."),
	VRM UMETA(ToolTip = "VRM's vowels A I U E O."),
};

/** An action the character takes: do it, then call ReportActionResult with its ActionId. */
USTRUCT(BlueprintType)
struct NPCCLIENT_API FNpcAction
{
	GENERATED_BODY()

	UPROPERTY(BlueprintReadOnly, Category = "NPC") FString ActionId;
	UPROPERTY(BlueprintReadOnly, Category = "NPC") FString Name;
	/** Each argument as text (numbers and lists as JSON). */
	UPROPERTY(BlueprintReadOnly, Category = "NPC") TMap<FString, FString> Args;
	UPROPERTY(BlueprintReadOnly, Category = "NPC") int32 TurnId = 0;
};

DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FNpcConnectedEvent, const FString&, CharacterName);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FNpcConnectionLostEvent, const FString&, Reason, float, RetryInSeconds);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FNpcTranscriptEvent, const FString&, Text, bool, bFinal);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FNpcReplyTextEvent, const FString&, Piece);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FNpcActionEvent, const FNpcAction&, Action);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FNpcEmotionEvent, const FString&, Emotion, float, Intensity);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FNpcTurnEndEvent, int32, TurnId, bool, bInterrupted);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FNpcErrorEvent, const FString&, Code, const FString&, Message);

/**
 * A character served by `npc serve`. Add it to the character's actor: it streams the
 * microphone, plays the replies through a procedural sound wave attached to the actor, moves
 * the face's morph targets (or curves) with the visemes, raises events for what the
 * character says and does, and reconnects by itself. All protocol, audio and lip-sync logic
 * is in the engine-free core (Core/npc); this class only connects it to the engine.
 */
UCLASS(ClassGroup = (NPC), meta = (BlueprintSpawnableComponent), DisplayName = "NPC Character")
class NPCCLIENT_API UNpcCharacterComponent : public UActorComponent
{
	GENERATED_BODY()

public:
	UNpcCharacterComponent();
	virtual ~UNpcCharacterComponent() override;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Server") FString ServerUrl = TEXT("ws://127.0.0.1:8765/");
	/** Needed when the server listens beyond localhost (sent as Authorization: Bearer). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Server") FString Token;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Server") FString CharacterId = TEXT("jin");
	/** The server remembers conversations per player. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Server") FString PlayerId = TEXT("player");
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Server") FString PlayerName;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Microphone") bool bStreamMicrophone = true;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Microphone") ENpcMicMode MicMode = ENpcMicMode::OpenMic;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Microphone") ENpcWhileSpeaking WhileSpeaking = ENpcWhileSpeaking::Mute;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Microphone", meta = (ClampMin = "-60", ClampMax = "0")) float EchoGateDbfs = -26.f;
	/** Ask the capture device for its own echo cancellation where it has one. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Microphone") bool bUseHardwareEchoCancellation = true;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Voice") TObjectPtr<USoundAttenuation> VoiceAttenuation;
	/** A reply starts playing once this much of it has arrived (or waited this long). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Voice", meta = (ClampMin = "0", ClampMax = "1000")) float PrebufferMs = 100.f;

	/** The face; empty: the owner's skeletal mesh named "Face", else its first skeletal mesh. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Face") TObjectPtr<USkeletalMeshComponent> Face;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Face") ENpcFaceRig FaceRig = ENpcFaceRig::ARKit;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Face") FString MorphTargetPrefix = TEXT("viseme_");
	/** Off: only compute the curves (MetaHuman: read them in the face AnimBP with Get Face Curves). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Face") bool bSetMorphTargets = true;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Face", meta = (ClampMin = "0", ClampMax = "200")) float VisemeFadeMs = 60.f;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC|Face", meta = (ClampMin = "0", ClampMax = "0.2")) float SmoothingSeconds = 0.03f;

	UPROPERTY(BlueprintAssignable, Category = "NPC|Events") FNpcConnectedEvent OnConnected;
	UPROPERTY(BlueprintAssignable, Category = "NPC|Events") FNpcConnectionLostEvent OnConnectionLost;
	UPROPERTY(BlueprintAssignable, Category = "NPC|Events") FNpcTranscriptEvent OnTranscript;
	UPROPERTY(BlueprintAssignable, Category = "NPC|Events") FNpcReplyTextEvent OnReplyText;
	UPROPERTY(BlueprintAssignable, Category = "NPC|Events") FNpcActionEvent OnAction;
	UPROPERTY(BlueprintAssignable, Category = "NPC|Events") FNpcEmotionEvent OnEmotion;
	UPROPERTY(BlueprintAssignable, Category = "NPC|Events") FNpcTurnEndEvent OnTurnEnd;
	UPROPERTY(BlueprintAssignable, Category = "NPC|Events") FNpcErrorEvent OnError;

	/** A typed line (kept for the next session while reconnecting). */
	UFUNCTION(BlueprintCallable, Category = "NPC") void Say(const FString& Text);
	/** Something happened in the game; bReact asks the character to respond now. */
	UFUNCTION(BlueprintCallable, Category = "NPC") void SendGameEvent(const FString& Text, bool bReact);
	/** The world changed; an empty list with its bSet... false keeps the server's list. */
	UFUNCTION(BlueprintCallable, Category = "NPC") void SetScene(const TArray<FString>& Objects, const TArray<FString>& Locations,
		const TArray<FString>& Characters, bool bSetObjects = true, bool bSetLocations = true, bool bSetCharacters = true);
	/** Report how an action went; false when it belonged to a session that has ended. */
	UFUNCTION(BlueprintCallable, Category = "NPC") bool ReportActionResult(const FString& ActionId, bool bOk, const FString& Detail);
	/** Silence the character now and tell the server how much was heard. */
	UFUNCTION(BlueprintCallable, Category = "NPC") void Interrupt();
	/** Push-to-talk: the key went down / up (up ends the player's turn). */
	UFUNCTION(BlueprintCallable, Category = "NPC") void StartTalking();
	UFUNCTION(BlueprintCallable, Category = "NPC") void StopTalking();
	UFUNCTION(BlueprintCallable, Category = "NPC") void SetMicrophoneEnabled(bool bEnabled);
	UFUNCTION(BlueprintPure, Category = "NPC") bool IsConnected() const;
	UFUNCTION(BlueprintPure, Category = "NPC") bool IsSpeaking() const;
	/** The face rig's curves and their weights now (for an AnimBP's Modify Curve node). */
	UFUNCTION(BlueprintPure, Category = "NPC") TMap<FName, float> GetFaceCurves() const;

protected:
	virtual void BeginPlay() override;
	virtual void EndPlay(const EEndPlayReason::Type Reason) override;
	virtual void TickComponent(float DeltaTime, ELevelTick TickType, FActorComponentTickFunction* ThisTickFunction) override;

private:
	double Now() const;
	void RunCommands();
	void OpenSocket(const FString& Url);
	void CloseSocket();
	void Handle(npc::SessionEvent& Event);
	void StartMicrophone();
	void StopMicrophone();
	void SendMicrophoneFrames();
	void ApplyFace(float DeltaTime);

	std::unique_ptr<npc::Session> Session;
	std::shared_ptr<npc::SpeechPlayer> Player;
	std::unique_ptr<npc::FaceCurves> FaceCurves;
	std::unique_ptr<npc::MicGate> MicGate;
	std::unique_ptr<npc::PcmFramer> Framer;   // used on the capture thread only
	std::unique_ptr<Audio::FAudioCapture> Capture;
	std::mutex MicMutex;                     // the capture thread adds frames, the game thread sends them
	std::vector<std::vector<uint8>> MicFrames;
	TSharedPtr<IWebSocket> Socket;
	TArray<uint8> BinaryMessage;             // a binary message's fragments so far

	UPROPERTY(Transient) TObjectPtr<UNpcVoiceWave> VoiceWave;
	UPROPERTY(Transient) TObjectPtr<UAudioComponent> VoiceOutput;
};
