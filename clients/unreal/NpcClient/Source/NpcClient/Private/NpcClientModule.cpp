#include "Modules/ModuleManager.h"

// Nothing to start: each UNpcCharacterComponent owns its connection, microphone and voice.
IMPLEMENT_MODULE(FDefaultModuleImpl, NpcClient)
