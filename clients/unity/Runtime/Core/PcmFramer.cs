// Microphone float samples at any rate -> 16 kHz PCM16 frames of 20 ms, as the server wants.

using System;

namespace Npc.Client
{
    public sealed class PcmFramer
    {
        public const int TargetRate = 16000;
        public const int FrameSamples = TargetRate / 50; // 20 ms
        public const int FrameBytes = FrameSamples * 2;

        readonly double step; // input samples per output sample
        readonly Action<byte[]> onFrame;
        byte[] frame = new byte[FrameBytes];
        int filled;
        double pos; // where the next output sample falls, in input samples from the block's start
        double sum; // box filter when downsampling: the mean of each output period (a low-pass)
        int count;
        float prev;

        public PcmFramer(int inputRate, Action<byte[]> onFrame)
        {
            if (inputRate < 4000) throw new ArgumentOutOfRangeException("inputRate", "a microphone rate below 4 kHz is not audio we can use");
            step = inputRate / (double)TargetRate;
            pos = step >= 1 ? step : 0;
            this.onFrame = onFrame;
        }

        /// <summary>Add mono samples in [-1, 1]; complete frames go to onFrame (each a new array).</summary>
        public void Push(float[] samples, int offset, int length)
        {
            if (step >= 1) Decimate(samples, offset, length);
            else Interpolate(samples, offset, length);
        }

        void Decimate(float[] samples, int offset, int length)
        {
            for (var i = 0; i < length; i++)
            {
                sum += samples[offset + i];
                count++;
                if (i + 1 >= pos)
                {
                    Emit(sum / count);
                    sum = 0;
                    count = 0;
                    pos += step;
                }
            }
            pos -= length;
        }

        void Interpolate(float[] samples, int offset, int length)
        {
            // Linear between neighbours, one input sample late so blocks join without a seam.
            while (pos < length)
            {
                var i = (int)pos;
                var frac = pos - i;
                var a = i == 0 ? prev : samples[offset + i - 1];
                Emit(a + (samples[offset + i] - a) * frac);
                pos += step;
            }
            pos -= length;
            if (length > 0) prev = samples[offset + length - 1];
        }

        void Emit(double value)
        {
            var s = Pcm16.FromFloat(value);
            frame[filled * 2] = (byte)s;
            frame[filled * 2 + 1] = (byte)(s >> 8);
            if (++filled < FrameSamples) return;
            var done = frame;
            frame = new byte[FrameBytes];
            filled = 0;
            onFrame(done);
        }
    }

    public static class Pcm16
    {
        public static short FromFloat(double value)
        {
            if (value > 1) value = 1;
            else if (value < -1) value = -1;
            return (short)Math.Round(value * 32767);
        }

        /// <summary>Little-endian PCM16 bytes as floats in [-1, 1).</summary>
        public static float[] ToFloats(byte[] pcm)
        {
            var samples = new float[pcm.Length / 2];
            for (var i = 0; i < samples.Length; i++)
                samples[i] = (short)(pcm[2 * i] | (pcm[2 * i + 1] << 8)) / 32768f;
            return samples;
        }

        /// <summary>Linear resampling for playback (the server resamples better: ask it for the
        /// output rate with SessionOptions.OutputSampleRate and this is never needed).</summary>
        public static float[] Resample(float[] samples, int fromRate, int toRate)
        {
            if (fromRate == toRate || samples.Length == 0) return samples;
            var n = (int)((long)samples.Length * toRate / fromRate);
            var result = new float[n];
            var step = fromRate / (double)toRate;
            for (var i = 0; i < n; i++)
            {
                var p = i * step;
                var j = (int)p;
                var next = j + 1 < samples.Length ? samples[j + 1] : samples[j];
                result[i] = (float)(samples[j] + (next - samples[j]) * (p - j));
            }
            return result;
        }
    }

    /// <summary>
    /// Reading a looping microphone recording (Unity's Microphone clip): how many frames are
    /// new since the last read, and whether some were overwritten before we read them (the game
    /// stalled longer than the ring, e.g. during a scene load).
    /// </summary>
    public sealed class MicrophoneRing
    {
        readonly int ringFrames;
        readonly int rate;
        int readPosition;

        public MicrophoneRing(int ringFrames, int rate)
        {
            this.ringFrames = ringFrames;
            this.rate = rate;
        }

        /// <summary>Frames lost to the last overrun (0 when none).</summary>
        public long LostFrames { get; private set; }

        public int ReadPosition { get { return readPosition; } }

        /// <summary>Frames to read now, given the recorder's position and the seconds since the last call.</summary>
        public int Available(int recordPosition, double secondsSinceLastRead)
        {
            LostFrames = 0;
            var available = (recordPosition - readPosition + ringFrames) % ringFrames;
            var elapsed = (long)(secondsSinceLastRead * rate);
            if (elapsed >= ringFrames)
            {
                // The recorder went round at least once: what is in the ring is the newest
                // audio, read from just after the write position; the rest is gone.
                LostFrames = elapsed - ringFrames + 1;
                readPosition = (recordPosition + 1) % ringFrames;
                available = ringFrames - 1;
            }
            return available;
        }

        public void Advance(int frames)
        {
            readPosition = (readPosition + frames) % ringFrames;
        }

        public void Reset()
        {
            readPosition = 0;
            LostFrames = 0;
        }
    }
}
