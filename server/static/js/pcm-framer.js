// Float samples at any rate -> 16 kHz PCM16 frames of 20 ms (320 samples).
// Shared by the AudioWorklet and the ScriptProcessor fallback, so both send the same frames.

export const TARGET_RATE = 16000;
export const FRAME_SAMPLES = 320;

export class Pcm16Framer {
  constructor(inputRate, onFrame) {
    this.step = inputRate / TARGET_RATE; // input samples per output sample
    this.onFrame = onFrame;
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.filled = 0;
    // Where the next output sample falls, in input samples from the current block's start.
    this.pos = this.step >= 1 ? this.step : 0;
    this.sum = 0; // box filter: average the input samples of each output period (a low-pass)
    this.count = 0;
    this.prev = 0;
  }

  push(samples) {
    if (this.step >= 1) this._decimate(samples);
    else this._interpolate(samples);
  }

  _decimate(samples) {
    for (let i = 0; i < samples.length; i++) {
      this.sum += samples[i];
      this.count += 1;
      if (i + 1 >= this.pos) {
        this._emit(this.sum / this.count);
        this.sum = 0;
        this.count = 0;
        this.pos += this.step;
      }
    }
    this.pos -= samples.length;
  }

  _interpolate(samples) {
    // Upsampling (a mic slower than 16 kHz): linear between neighbouring input samples, one
    // input sample late so that the previous block's last sample joins the blocks smoothly.
    while (this.pos < samples.length) {
      const i = Math.floor(this.pos);
      const frac = this.pos - i;
      const a = i === 0 ? this.prev : samples[i - 1];
      this._emit(a + (samples[i] - a) * frac);
      this.pos += this.step;
    }
    this.pos -= samples.length;
    this.prev = samples[samples.length - 1];
  }

  _emit(value) {
    const clipped = Math.max(-1, Math.min(1, value));
    this.frame[this.filled++] = Math.round(clipped * 32767);
    if (this.filled === FRAME_SAMPLES) {
      this.onFrame(this.frame.buffer);
      this.frame = new Int16Array(FRAME_SAMPLES);
      this.filled = 0;
    }
  }
}
