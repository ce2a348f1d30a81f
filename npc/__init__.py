"""npc: a local-first runtime for game characters that listen, think, act and speak."""

import os

# Nothing leaves the machine. Our dependencies' own telemetry is switched off before any of
# them loads: onnxruntime (the embedder, Silero VAD, piper) writes a device id and an event
# store under ~/.cache/Microsoft/DeveloperTools and queues them for upload unless
# ORT_DISABLE_TELEMETRY is set (checked with onnxruntime 1.32: tests/test_privacy.py); the
# later releases' name for the switch is set too. Hugging Face's hub client is only used when a
# model is asked for by hub id, and then sends no telemetry. chromadb's is off in
# npc.knowledge.chroma. A user who wants any of it back sets the variable to 0 themselves.
for _name in (
    "ORT_DISABLE_TELEMETRY",
    "ORT_TELEMETRY_DISABLED",
    "HF_HUB_DISABLE_TELEMETRY",
    "DO_NOT_TRACK",
):
    os.environ.setdefault(_name, "1")

__version__ = "0.1.0"
