using System;
using Npc.Client;
using UnityEngine;

namespace Npc.Unity
{
    /// <summary>Reads Unity's looping microphone clip each frame and hands on 20 ms PCM16 frames.</summary>
    internal sealed class MicrophoneStream
    {
        // The ring Unity records into. Pump runs every frame; a scene load or a hitch can stall
        // it for seconds, and what the ring cannot hold is lost (and reported, never silently).
        const int ClipSeconds = 10;

        readonly string device;
        readonly Action<byte[]> onFrame;
        readonly Action<string> onLoss;
        AudioClip clip;
        PcmFramer framer;
        MicrophoneRing ring;
        float[] block; // 20 ms at the microphone's rate, reused so reading allocates nothing
        float lastPump;

        public MicrophoneStream(string device, Action<byte[]> onFrame, Action<string> onLoss)
        {
            this.device = string.IsNullOrEmpty(device) ? null : device;
            this.onFrame = onFrame;
            this.onLoss = onLoss;
        }

        public bool IsRecording
        {
            get { return clip != null && Microphone.IsRecording(device); }
        }

        /// <summary>Start recording; false (with the reason) when there is no microphone.</summary>
        public bool Start(out string problem)
        {
            problem = null;
            if (Microphone.devices.Length == 0)
            {
                problem = "no microphone found";
                return false;
            }
            int min, max;
            Microphone.GetDeviceCaps(device, out min, out max);
            var rate = (min == 0 && max == 0) || (min <= PcmFramer.TargetRate && PcmFramer.TargetRate <= max)
                ? PcmFramer.TargetRate
                : max;
            clip = Microphone.Start(device, true, ClipSeconds, rate);
            if (clip == null)
            {
                problem = "Microphone.Start failed (is microphone access allowed?)";
                return false;
            }
            framer = new PcmFramer(clip.frequency, onFrame);
            block = new float[clip.frequency / 50 * clip.channels];
            ring = new MicrophoneRing(clip.samples, clip.frequency);
            lastPump = Time.realtimeSinceStartup;
            return true;
        }

        /// <summary>Frame everything recorded since the last call (call once per frame).</summary>
        public void Pump()
        {
            if (!IsRecording) return;
            var now = Time.realtimeSinceStartup;
            var available = ring.Available(Microphone.GetPosition(device), now - lastPump);
            lastPump = now;
            if (ring.LostFrames > 0)
                onLoss((ring.LostFrames * 1000 / clip.frequency) + " ms of microphone audio were lost (the game stalled longer than the " + ClipSeconds + " s the microphone buffer holds)");
            var frames = block.Length / clip.channels;
            while (available >= frames)
            {
                clip.GetData(block, ring.ReadPosition); // wraps around the end of the looping clip
                if (clip.channels == 1) framer.Push(block, 0, block.Length);
                else PushFirstChannel();
                ring.Advance(frames);
                available -= frames;
            }
        }

        public void Stop()
        {
            if (clip != null) Microphone.End(device);
            clip = null;
        }

        void PushFirstChannel()
        {
            var channels = clip.channels;
            var frames = block.Length / channels;
            for (var i = 0; i < frames; i++) block[i] = block[i * channels];
            framer.Push(block, 0, frames);
        }
    }
}
