"""npc's own provider plugins: llama.cpp, faster-whisper, piper, the ONNX embedder, Silero VAD.

Each registers through the ``npc.plugins`` entry point exactly as a third-party plugin would.
"""
