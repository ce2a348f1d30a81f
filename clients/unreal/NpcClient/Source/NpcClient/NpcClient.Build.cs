// The npc client module: a thin engine layer (Public/, Private/) over the engine-free core
// (Core/npc, plain C++17, built and tested without the engine by clients/unreal/CMakeLists.txt).
using System.IO;
using UnrealBuildTool;

public class NpcClient : ModuleRules
{
	public NpcClient(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;
		PrivateIncludePaths.Add(Path.Combine(ModuleDirectory, "Core"));

		PublicDependencyModuleNames.AddRange(new string[] { "Core", "CoreUObject", "Engine" });
		PrivateDependencyModuleNames.AddRange(new string[] { "WebSockets", "AudioCaptureCore" });
	}
}
